/**
 * The gateway: HTTP and WebSocket on gateway.listener, a client of the cluster that talks to the
 * brokers only through the Kafka protocol. `/ws` (subprotocol kafka.v1) carries the API in
 * docs/gateway.md; `POST /api/ws-ticket` mints single-use tickets; `/metrics` is Prometheus text;
 * `/` and `/api/v1` are the dashboard (docs/dashboard.md).
 * It keeps nothing a restart loses except the live sockets: positions live in cursors the
 * clients hold and in the groups' committed offsets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Logger } from '../logger.js'
import { Producer } from '../client/producer.js'
import { Dashboard } from '../dashboard/dashboard.js'
import { hostAddress } from '../server/auth-helper.js'
import { GatewayAuth } from './gateway-auth.js'
import { GatewayAuthorizer, type Access } from './gateway-authorizer.js'
import type { GatewayConfig } from './gateway-config.js'
import type { Acks } from './gateway-frames.js'
import { GatewayMetrics } from './gateway-metrics.js'
import { GatewaySession } from './gateway-session.js'
import { SharedFetch } from './shared-fetch.js'

export const SUBPROTOCOL = 'kafka.v1'
const ACKS: Record<Acks, string> = { all: 'all', leader: '1', none: '0' }

export class GatewayServer {
  private readonly http: Server
  private readonly wss: WebSocketServer
  private readonly auth: GatewayAuth
  private readonly authorizer: GatewayAuthorizer
  private readonly metrics: GatewayMetrics
  private readonly dashboard: Dashboard
  private readonly sessions = new Map<WebSocket, GatewaySession>()
  private readonly alive = new WeakSet<WebSocket>()
  private readonly producers = new Map<Acks, Producer>()
  private readonly fetch: SharedFetch
  private pinger?: NodeJS.Timeout
  private boundUrl = ''

  constructor (private readonly config: GatewayConfig, private readonly log: Logger) {
    const v = config.values
    this.auth = new GatewayAuth(config.tokens, v['gateway.allowed.origins'], v['gateway.auth.ticket.ttl.ms'])
    this.metrics = new GatewayMetrics(() => [...this.sessions.values()].reduce((n, s) => n + s.outstandingCredit(), 0))
    this.fetch = new SharedFetch(config.consumer, v['gateway.fetch.cache.bytes'], log)
    this.authorizer = new GatewayAuthorizer(config, log)
    this.dashboard = new Dashboard(config, this.auth, this.authorizer, this.fetch, log.child({ component: 'dashboard' }))
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: v['gateway.max.frame.bytes'],
      perMessageDeflate: false,
      handleProtocols: protocols => protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false,
    })
    this.http = createServer((req, res) => { void this.onRequest(req, res) })
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head))
  }

  /** The URL clients use (with the real port when gateway.listener asked for port 0). */
  get url (): string { return this.boundUrl }

  async start (): Promise<string> {
    const { host, port } = this.config.listener
    await this.authorizer.start()
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(port, host, () => { this.http.off('error', reject); resolve() })
    })
    const address = this.http.address()
    const boundPort = typeof address === 'object' && address !== null ? address.port : port
    this.boundUrl = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`
    this.pinger = setInterval(() => this.ping(), this.config.values['gateway.ping.interval.ms'])
    this.dashboard.start()
    this.log.info('gateway listening', { url: this.boundUrl, websocket: `${this.boundUrl.replace(/^http/, 'ws')}/ws`, auth: this.auth.required ? 'tokens' : 'none', authorization: this.authorizer.enforced ? 'ACLs' : 'none', readOnly: this.config.values['gateway.read.only'] })
    return this.boundUrl
  }

  async stop (): Promise<void> {
    clearInterval(this.pinger)
    for (const ws of this.sessions.keys()) ws.close(1001, 'the gateway is shutting down')
    await this.dashboard.stop()
    await Promise.all([...this.producers.values()].map(async p => await p.close().catch(() => {})))
    await this.fetch.close()
    this.authorizer.stop()
    await new Promise<void>(resolve => this.http.close(() => resolve()))
    this.http.closeAllConnections()
  }

  private producerFor (acks: Acks): Producer {
    let producer = this.producers.get(acks)
    if (producer === undefined) {
      producer = new Producer({ ...this.config.producer, acks: ACKS[acks] })
      this.producers.set(acks, producer)
    }
    return producer
  }

  private async onRequest (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    try {
      if (path === '/api/ws-ticket') {
        if (req.method !== 'POST') return answer(res, 405, { error: 'POST a ticket request' }, { allow: 'POST' })
        if (!this.auth.originAllowed(req)) return answer(res, 403, { error: 'origin not allowed' })
        const token = this.auth.bearerOf(req)
        const principal = this.auth.required ? (token !== undefined ? this.auth.principalOf(token) : undefined) : this.auth.requestPrincipal(req)
        if (principal === undefined) return answer(res, 401, { error: 'Authorization: Bearer <token> with a gateway token is required' }, { 'www-authenticate': 'Bearer' })
        return answer(res, 200, this.auth.issueTicket(principal))
      }
      if (path === '/metrics' && req.method === 'GET') {
        const text = await this.metrics.registry.metrics()
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType })
        res.end(text)
        return
      }
      if (await this.dashboard.serve(req, res, new URL(req.url ?? '/', 'http://gateway'))) return
      answer(res, 404, { error: `no ${req.method ?? ''} ${path ?? ''} here` })
    } catch (err) {
      this.log.error('HTTP request failed', { path, error: (err as Error).message })
      answer(res, 500, { error: (err as Error).message })
    }
  }

  /** Authentication happens here, before ws accepts the socket: a refused upgrade never opens. */
  private onUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    const url = new URL(req.url ?? '/', 'http://gateway')
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map(p => p.trim()).filter(p => p !== '')
    const refuse = (status: number, reason: string): void => {
      this.metrics.upgradesRefused.inc({ status: String(status) })
      this.log.info('upgrade refused', { status, reason, origin: req.headers.origin, address: req.socket.remoteAddress })
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\nConnection: close\r\n\r\n${reason}`)
    }
    if (url.pathname !== '/ws') return refuse(404, 'the WebSocket endpoint is /ws')
    const verdict = this.auth.checkUpgrade(req, url, offered)
    if (!verdict.ok) return refuse(verdict.status, verdict.reason)
    // a browser fails a handshake that answers none of the subprotocols it offered
    if (offered.length > 0 && !offered.includes(SUBPROTOCOL)) return refuse(400, `offer the ${SUBPROTOCOL} subprotocol`)
    const access = this.authorizer.access(verdict.principal, hostAddress(req.socket.remoteAddress))
    this.wss.handleUpgrade(req, socket, head, ws => this.onConnection(ws, access))
  }

  private onConnection (ws: WebSocket, access: Access): void {
    this.alive.add(ws)
    ws.on('pong', () => this.alive.add(ws))
    const session = new GatewaySession(ws, {
      access,
      values: this.config.values,
      consumerProps: this.config.consumer,
      producerFor: acks => this.producerFor(acks),
      fetch: this.fetch,
      metrics: this.metrics,
      watches: this.dashboard.watches,
      log: this.log,
    })
    this.sessions.set(ws, session)
    this.metrics.sockets.inc()
    ws.on('close', () => {
      this.sessions.delete(ws)
      this.metrics.sockets.dec()
    })
  }

  /** Every gateway.ping.interval.ms: a socket that did not answer the last ping is dead. */
  private ping (): void {
    for (const ws of this.sessions.keys()) {
      if (!this.alive.has(ws)) {
        ws.terminate()
        continue
      }
      this.alive.delete(ws)
      ws.ping()
    }
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }

function answer (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}
