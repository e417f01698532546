/**
 * The dashboard's static files, built by `npm run build` into dist/web (src/dashboard/bundle-web.ts)
 * and served from memory: every asset is local, nothing comes from a CDN. The bundles' names carry
 * a content hash, so they are cached for a year (immutable); index.html names them and is
 * revalidated on every load (no-cache with an ETag), so a rebuilt dashboard is picked up at once.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** dist/web, beside dist/src where this module is compiled to. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url))

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
}
const HASHED = /-[A-Z0-9]{8}\.[\w.]+$/
/** The page loads only its own scripts and styles, and talks only to its own origin (the API and /ws). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

interface Asset { body: Buffer, type: string, etag: string, immutable: boolean }

export class WebAssets {
  private readonly files = new Map<string, Asset>()

  constructor (dir = WEB_DIR) {
    if (!existsSync(dir)) return
    for (const name of readdirSync(dir)) {
      const type = CONTENT_TYPES[extname(name)]
      if (type === undefined) continue
      const body = readFileSync(join(dir, name))
      this.files.set(`/${name}`, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, immutable: HASHED.test(name) })
    }
  }

  get built (): boolean { return this.files.has('/index.html') }

  /** Answers GET/HEAD of `/` (index.html) and the bundles; false when `path` is not one of them. */
  serve (req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const asset = this.files.get(path === '/' ? '/index.html' : path)
    if (asset === undefined) return false
    const headers: Record<string, string> = {
      'content-type': asset.type,
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
    }
    if (asset.type.startsWith('text/html')) {
      headers['content-security-policy'] = CSP
      headers['referrer-policy'] = 'no-referrer'
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers)
      res.end()
      return true
    }
    res.writeHead(200, { ...headers, 'content-length': String(asset.body.length) })
    res.end(req.method === 'HEAD' ? undefined : asset.body)
    return true
  }
}
