import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { HttpListener } from '../config/http-listener.js'
import type { Logger } from '../logger.js'

/**
 * The HTTP listener Prometheus scrapes: GET (or HEAD) /metrics answers the registry in the text
 * exposition format; any other path is 404 and any other method 405. Nothing else is served.
 */
export class MetricsServer {
  private readonly server: Server

  constructor (registry: Registry, private readonly log: Logger) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n')
        return
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
        return
      }
      registry.metrics().then(text => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text)
      }, (err: unknown) => {
        this.log.error('collecting metrics failed', { error: (err as Error).stack ?? String(err) })
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n')
      })
    })
  }

  /** The port bound (the configured one, or the one chosen for port 0). */
  get port (): number { return (this.server.address() as AddressInfo).port }

  async listen (listener: HttpListener): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ host: listener.host, port: listener.port }, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.server.on('error', (err: Error) => this.log.error('metrics listener error', { error: err.message }))
    this.log.info('serving metrics', { url: `http://${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${this.port}/metrics` })
  }

  /** Stops listening and drops open connections (a scraper's keep-alive must not hold a shutdown). */
  async close (): Promise<void> {
    if (!this.server.listening) return
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await closed
  }
}
