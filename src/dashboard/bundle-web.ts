/**
 * `npm run build` bundles the dashboard's browser code (src/dashboard/web, type-checked by its own
 * tsconfig) with esbuild into dist/web: one script and one stylesheet, minified, their names
 * carrying a content hash (WebAssets caches them as immutable), and index.html naming them.
 * Every library (preact, uPlot) is in the bundle: the page loads nothing from anywhere else.
 */
import { build } from 'esbuild'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WEB_DIR } from './web-assets.js'

const SOURCE = fileURLToPath(new URL('../../../src/dashboard/web/', import.meta.url))

async function main (): Promise<void> {
  rmSync(WEB_DIR, { recursive: true, force: true })
  mkdirSync(WEB_DIR, { recursive: true })
  const result = await build({
    entryPoints: { app: join(SOURCE, 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: WEB_DIR,
    metafile: true,
    logLevel: 'warning',
  })
  const outputs = Object.keys(result.metafile.outputs).map(p => basename(p))
  const script = outputs.find(n => n.endsWith('.js'))
  const style = outputs.find(n => n.endsWith('.css'))
  if (script === undefined || style === undefined) throw new Error(`esbuild wrote ${outputs.join(', ')}: expected a .js and a .css`)
  const html = readFileSync(join(SOURCE, 'index.html'), 'utf8').replace('%SCRIPT%', script).replace('%STYLE%', style)
  writeFileSync(join(WEB_DIR, 'index.html'), html)
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)
  process.stdout.write(`dashboard bundled into ${WEB_DIR} (${outputs.filter(n => !n.endsWith('.map')).join(', ')}; ${Math.round(bytes / 1024)} KiB with source maps)\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
