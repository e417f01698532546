import { timingSafeEqual } from 'node:crypto'
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js'

/**
 * SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer: one message `[authzid] NUL authcid NUL passwd`,
 * checked against the listener's users (PlainLoginModule's user_<name>="<password>" options).
 * The error messages are Kafka's.
 */
export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN'
  isComplete = false
  authorizationId = ''

  constructor (private readonly passwordOf: (username: string) => string | undefined) {}

  evaluateResponse (token: Buffer): Buffer {
    if (this.isComplete) throw new SaslAuthenticationError('Authentication failed: PLAIN exchange already complete')
    const parts = token.toString('utf8').split('\u0000')
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`)
    const [authorizationId, username, password] = parts as [string, string, string]
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified')
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified')
    const expected = this.passwordOf(username)
    if (expected === undefined || !sameSecret(expected, password)) throw new SaslAuthenticationError('Authentication failed: Invalid username or password')
    if (authorizationId !== '' && authorizationId !== username) throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username')
    this.authorizationId = username
    this.isComplete = true
    return Buffer.alloc(0)
  }
}

/** Compares in time that depends on the lengths only, so a wrong password's prefix is not timed. */
function sameSecret (expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(given, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
