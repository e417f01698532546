/**
 * Who may open a socket, decided in the HTTP upgrade before ws takes it over (a refusal is a
 * plain 401/403 answer, never an open socket). A browser cannot set headers on a WebSocket, so a
 * token travels either as a short-lived single-use ticket (`POST /api/ws-ticket` with
 * `Authorization: Bearer <token>` → `?ticket=` on the upgrade) or as a `bearer.<token>` entry of
 * Sec-WebSocket-Protocol. Origin is checked against gateway.allowed.origins, so a page on another
 * site cannot use a browser's access to a loopback gateway.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Outstanding tickets are capped: minting them must not grow memory without bound. */
const MAX_TICKETS = 10_000
export const BEARER_PREFIX = 'bearer.'

export type Verdict = { ok: true } | { ok: false, status: 401 | 403, reason: string }

export class GatewayAuth {
  private readonly digests: Buffer[]
  private readonly tickets = new Map<string, number>()

  constructor (tokens: readonly string[], private readonly allowedOrigins: readonly string[], private readonly ticketTtlMs: number, private readonly now: () => number = Date.now) {
    this.digests = tokens.map(digest)
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

  /** The upgrade's verdict: Origin first, then a ticket (used up here) or a bearer subprotocol. */
  checkUpgrade (req: IncomingMessage, url: URL, offeredProtocols: readonly string[]): Verdict {
    if (!this.originAllowed(req)) return { ok: false, status: 403, reason: `origin ${req.headers.origin ?? ''} is not in gateway.allowed.origins` }
    if (!this.required) return { ok: true }
    const ticket = url.searchParams.get('ticket')
    if (ticket !== null) {
      const expires = this.tickets.get(ticket)
      this.tickets.delete(ticket)
      if (expires !== undefined && expires > this.now()) return { ok: true }
      return { ok: false, status: 401, reason: 'the ticket is unknown, used or expired' }
    }
    const bearer = offeredProtocols.find(p => p.startsWith(BEARER_PREFIX))
    if (bearer !== undefined && this.isToken(bearer.slice(BEARER_PREFIX.length))) return { ok: true }
    return { ok: false, status: 401, reason: 'a ticket (?ticket=) or a bearer.<token> subprotocol is required' }
  }
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
