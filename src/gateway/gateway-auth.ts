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
 * is its expiry and principal signed with a key derived from the configured tokens, so the
 * gateway keeps no session state: a restarted gateway, or another one with the same tokens,
 * accepts it, and changing the tokens (or the principals they map to) ends every session.
 *
 * Every way in yields the principal the token acts as (gateway.auth.principals), which the
 * gateway's authorizer checks each operation against; a token that names none, or no token at
 * all when none are configured, is User:ANONYMOUS, as a Kafka connection without authentication.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Outstanding tickets are capped: minting them must not grow memory without bound. */
const MAX_TICKETS = 10_000
export const BEARER_PREFIX = 'bearer.'
export const SESSION_COOKIE = 'kafka_gateway_session'
/** How long a browser's dashboard session lasts before the token is asked for again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000

/** Kafka's KafkaPrincipal.ANONYMOUS, as ACLs name it. */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS'

export type Verdict = { ok: true, principal: string } | { ok: false, status: 401 | 403, reason: string }

export class GatewayAuth {
  private readonly digests: Array<{ digest: Buffer, principal: string }>
  private readonly tickets = new Map<string, { expiresMs: number, principal: string }>()
  /** Signs session cookies: the same tokens (and principals) give the same key in every gateway. */
  private readonly sessionKey: Buffer

  constructor (tokens: ReadonlyMap<string, string | undefined>, private readonly allowedOrigins: readonly string[], private readonly ticketTtlMs: number, private readonly now: () => number = Date.now) {
    this.digests = [...tokens].map(([token, principal]) => ({ digest: digest(token), principal: principal ?? ANONYMOUS_PRINCIPAL }))
    const material = [...tokens].map(([token, principal]) => `${token}\u0001${principal ?? ''}`).sort()
    this.sessionKey = digest(`kafka-gateway-session\u0000${material.join('\u0000')}`)
  }

  get required (): boolean { return this.digests.length > 0 }

  /**
   * The principal a token acts as, or undefined when it is not a token. Compares digests in
   * constant time, every one, so the answer's timing leaks neither a token's prefix nor which it is.
   */
  principalOf (token: string): string | undefined {
    const d = digest(token)
    let found: string | undefined
    for (const known of this.digests) if (timingSafeEqual(known.digest, d)) found = known.principal
    return found
  }

  /** `Authorization: Bearer <token>` on an HTTP request. */
  bearerOf (req: IncomingMessage): string | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    return m?.[1]
  }

  /** A ticket that acts as `principal` (the token's that asked for it). */
  issueTicket (principal: string): { ticket: string, expiresInMs: number } {
    const now = this.now()
    for (const [t, { expiresMs }] of this.tickets) if (expiresMs <= now) this.tickets.delete(t)
    if (this.tickets.size >= MAX_TICKETS) throw new Error('too many outstanding tickets')
    const ticket = randomBytes(24).toString('base64url')
    this.tickets.set(ticket, { expiresMs: now + this.ticketTtlMs, principal })
    return { ticket, expiresInMs: this.ticketTtlMs }
  }

  /** Uses up a ticket: its principal when it was known and not expired. */
  redeemTicket (ticket: string): string | undefined {
    const issued = this.tickets.get(ticket)
    this.tickets.delete(ticket)
    return issued !== undefined && issued.expiresMs > this.now() ? issued.principal : undefined
  }

  /** A browser session for the dashboard acting as `principal`, as a Set-Cookie value. */
  issueSessionCookie (principal: string): string {
    const signed = `${this.now() + SESSION_TTL_MS}.${Buffer.from(principal).toString('base64url')}`
    return `${SESSION_COOKIE}=${signed}.${this.sign(signed).toString('base64url')}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}`
  }

  /**
   * Who an HTTP request to the page or /api/v1 acts as: the principal of its token or of its live
   * session cookie; undefined (refused) when tokens are set and it carries neither.
   */
  requestPrincipal (req: IncomingMessage): string | undefined {
    if (!this.required) return ANONYMOUS_PRINCIPAL
    const bearer = this.bearerOf(req)
    return (bearer !== undefined ? this.principalOf(bearer) : undefined) ?? this.sessionPrincipal(req)
  }

  private sessionPrincipal (req: IncomingMessage): string | undefined {
    const cookie = (req.headers.cookie ?? '').split(';').map(c => c.trim()).find(c => c.startsWith(`${SESSION_COOKIE}=`))
    const m = /^((\d{1,16})\.([\w-]{1,2048}))\.([\w-]{43})$/.exec(cookie?.slice(SESSION_COOKIE.length + 1) ?? '')
    if (m === null || Number(m[2]) <= this.now()) return undefined
    if (!timingSafeEqual(this.sign(m[1]!), Buffer.from(m[4]!, 'base64url'))) return undefined
    return Buffer.from(m[3]!, 'base64url').toString('utf8')
  }

  private sign (value: string): Buffer {
    return createHmac('sha256', this.sessionKey).update(value).digest()
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
    if (!this.required) return { ok: true, principal: ANONYMOUS_PRINCIPAL }
    const ticket = url.searchParams.get('ticket')
    if (ticket !== null) {
      const principal = this.redeemTicket(ticket)
      if (principal !== undefined) return { ok: true, principal }
      return { ok: false, status: 401, reason: 'the ticket is unknown, used or expired' }
    }
    const session = this.sessionPrincipal(req)
    if (session !== undefined) return { ok: true, principal: session }
    const bearer = offeredProtocols.find(p => p.startsWith(BEARER_PREFIX))
    const principal = bearer !== undefined ? this.principalOf(bearer.slice(BEARER_PREFIX.length)) : undefined
    if (principal !== undefined) return { ok: true, principal }
    return { ok: false, status: 401, reason: 'a ticket (?ticket=) or a bearer.<token> subprotocol is required' }
  }
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
