/**
 * Who may open a socket, decided in the HTTP upgrade before ws takes it over (a refusal is a
 * plain 401/403 answer, never an open socket). A browser cannot set headers on a WebSocket, so a
 * token travels either as a short-lived single-use ticket (`POST /api/ws-ticket` with
 * `Authorization: Bearer <token>` → `?ticket=` on the upgrade) or as a `bearer.<token>` entry of
 * Sec-WebSocket-Protocol. Origin is checked against gateway.allowed.origins, so a page on another
 * site cannot use a browser's access to a loopback gateway.
 *
 * The dashboard's page and /api/v1 take the token as `Authorization: Bearer`, or, for a browser,
 * a session cookie: opening `/?token=<token>` (or `/?ticket=<ticket>`) once sets it (HttpOnly,
 * SameSite=Strict), and the page's own requests and WebSocket carry it from then on. The cookie
 * is its expiry signed with a key derived from the configured tokens, so the gateway keeps no
 * session state: a restarted gateway, or another one with the same tokens, accepts it, and
 * changing the tokens ends every session.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Outstanding tickets are capped: minting them must not grow memory without bound. */
const MAX_TICKETS = 10_000
export const BEARER_PREFIX = 'bearer.'
export const SESSION_COOKIE = 'kafka_gateway_session'
/** How long a browser's dashboard session lasts before the token is asked for again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000

export type Verdict = { ok: true } | { ok: false, status: 401 | 403, reason: string }

export class GatewayAuth {
  private readonly digests: Buffer[]
  private readonly tickets = new Map<string, number>()
  /** Signs session cookies: the same tokens give the same key in every gateway. */
  private readonly sessionKey: Buffer

  constructor (tokens: readonly string[], private readonly allowedOrigins: readonly string[], private readonly ticketTtlMs: number, private readonly now: () => number = Date.now) {
    this.digests = tokens.map(digest)
    this.sessionKey = digest(`kafka-gateway-session\u0000${[...tokens].sort().join('\u0000')}`)
  }

  get required (): boolean { return this.digests.length > 0 }

  /** Compares digests in constant time, so the answer's timing does not leak a token's prefix. */
  isToken (token: string): boolean {
    const d = digest(token)
    let found = false
    for (const known of this.digests) found = timingSafeEqual(known, d) || found
    return found
  }

  /** `Authorization: Bearer <token>` on an HTTP request. */
  bearerOf (req: IncomingMessage): string | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    return m?.[1]
  }

  issueTicket (): { ticket: string, expiresInMs: number } {
    const now = this.now()
    for (const [t, expires] of this.tickets) if (expires <= now) this.tickets.delete(t)
    if (this.tickets.size >= MAX_TICKETS) throw new Error('too many outstanding tickets')
    const ticket = randomBytes(24).toString('base64url')
    this.tickets.set(ticket, now + this.ticketTtlMs)
    return { ticket, expiresInMs: this.ticketTtlMs }
  }

  /** Uses up a ticket: true when it was known and not expired. */
  redeemTicket (ticket: string): boolean {
    const expires = this.tickets.get(ticket)
    this.tickets.delete(ticket)
    return expires !== undefined && expires > this.now()
  }

  /** A browser session for the dashboard, as a Set-Cookie value. */
  issueSessionCookie (): string {
    const expires = String(this.now() + SESSION_TTL_MS)
    return `${SESSION_COOKIE}=${expires}.${this.sign(expires).toString('base64url')}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}`
  }

  /** A token, or a live session cookie: what an HTTP request to the page or /api/v1 must carry when tokens are set. */
  requestAllowed (req: IncomingMessage): boolean {
    if (!this.required) return true
    const bearer = this.bearerOf(req)
    return (bearer !== undefined && this.isToken(bearer)) || this.hasSession(req)
  }

  private hasSession (req: IncomingMessage): boolean {
    const cookie = (req.headers.cookie ?? '').split(';').map(c => c.trim()).find(c => c.startsWith(`${SESSION_COOKIE}=`))
    const m = /^(\d{1,16})\.([\w-]{43})$/.exec(cookie?.slice(SESSION_COOKIE.length + 1) ?? '')
    if (m === null || Number(m[1]) <= this.now()) return false
    return timingSafeEqual(this.sign(m[1]!), Buffer.from(m[2]!, 'base64url'))
  }

  private sign (expires: string): Buffer {
    return createHmac('sha256', this.sessionKey).update(expires).digest()
  }

  /** A browser's Origin must be allowed; a client that sends none (a script, a server) is not a browser page. */
  originAllowed (req: IncomingMessage): boolean {
    const origin = req.headers.origin
    if (origin === undefined) return true
    if (this.allowedOrigins.includes('*') || this.allowedOrigins.includes(origin)) return true
    if (this.allowedOrigins.length > 0) return false
    try {
      return new URL(origin).host === req.headers.host
    } catch {
      return false
    }
  }

  /** The upgrade's verdict: Origin first, then a ticket (used up here), a bearer subprotocol or the dashboard's session cookie. */
  checkUpgrade (req: IncomingMessage, url: URL, offeredProtocols: readonly string[]): Verdict {
    if (!this.originAllowed(req)) return { ok: false, status: 403, reason: `origin ${req.headers.origin ?? ''} is not in gateway.allowed.origins` }
    if (!this.required) return { ok: true }
    const ticket = url.searchParams.get('ticket')
    if (ticket !== null) {
      if (this.redeemTicket(ticket)) return { ok: true }
      return { ok: false, status: 401, reason: 'the ticket is unknown, used or expired' }
    }
    if (this.hasSession(req)) return { ok: true }
    const bearer = offeredProtocols.find(p => p.startsWith(BEARER_PREFIX))
    if (bearer !== undefined && this.isToken(bearer.slice(BEARER_PREFIX.length))) return { ok: true }
    return { ok: false, status: 401, reason: 'a ticket (?ticket=) or a bearer.<token> subprotocol is required' }
  }
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
