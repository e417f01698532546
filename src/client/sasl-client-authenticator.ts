/**
 * The client side of SASL on a new connection (Kafka's SaslClientAuthenticator, after KIP-152):
 * SaslHandshake v1 names the mechanism, then SaslAuthenticate carries each token. PLAIN sends the
 * password in one token (so only over TLS outside a laptop); SCRAM (RFC 5802) proves knowledge of
 * it and checks the broker's ServerSignature, so a broker without the credential is found out too.
 */
import { KafkaError } from '../errors.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js'
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/messages/sasl-handshake.js'
import {
  authMessage, clientProof, formatClientFinalWithoutProof, formatClientFirst, MAX_ITERATIONS, MIN_ITERATIONS, parseServerFinal, parseServerFirst,
  saltedPassword, scramMechanism, scramNonce, serverKeyOf, serverSignature,
} from '../security/scram.js'
import type { SaslCredentials } from '../config/listener-security.js'
import type { Connection } from './connection.js'

/** Authenticates (or re-authenticates) the connection; resolves with the session's lifetime in ms (KIP-368), 0 when it does not end. */
export async function saslAuthenticate (conn: Connection, sasl: SaslCredentials): Promise<number> {
  const duringAuthentication = { authentication: true }
  const handshake = await conn.send(SaslHandshakeRequest, SaslHandshakeResponse, conn.version(SaslHandshakeRequest, 1, 1), { mechanism: sasl.mechanism }, duringAuthentication)
  if (handshake.errorCode !== ErrorCode.NONE) {
    throw new KafkaError(handshake.errorCode as ErrorCode, `broker ${conn.description} refused SASL mechanism ${sasl.mechanism} (${errorName(handshake.errorCode)}; it enables ${handshake.mechanisms.join(', ')})`)
  }
  const version = conn.version(SaslAuthenticateRequest, 0, 2)
  let sessionLifetimeMs = 0
  const exchange = async (token: Buffer): Promise<Buffer> => {
    const r = await conn.send(SaslAuthenticateRequest, SaslAuthenticateResponse, version, { authBytes: token }, duringAuthentication)
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaError(r.errorCode as ErrorCode, r.errorMessage ?? `broker ${conn.description} refused authentication (${errorName(r.errorCode)})`)
    sessionLifetimeMs = Number(r.sessionLifetimeMs)
    return r.authBytes
  }
  const scram = scramMechanism(sasl.mechanism)
  if (sasl.mechanism === 'PLAIN') {
    await exchange(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'))
    return sessionLifetimeMs
  }
  if (scram === undefined) throw new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `sasl.mechanism ${sasl.mechanism} is not supported by this client (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`)

  const nonce = scramNonce()
  const first = formatClientFirst(sasl.username, nonce)
  const serverFirstText = (await exchange(Buffer.from(first.message))).toString('utf8')
  const serverFirst = parseServerFirst(serverFirstText)
  const bad = (why: string): KafkaError => new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `broker ${conn.description}: ${why}`)
  if (serverFirst === undefined) throw bad('invalid SCRAM server-first message')
  if (!serverFirst.nonce.startsWith(nonce) || serverFirst.nonce.length === nonce.length) throw bad('the SCRAM server nonce does not extend the client nonce')
  // a broker may not make the client spend unbounded time in PBKDF2 (Kafka's ScramMechanism bounds)
  if (serverFirst.iterations < MIN_ITERATIONS || serverFirst.iterations > MAX_ITERATIONS) throw bad(`SCRAM iterations ${serverFirst.iterations} outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`)
  const salted = saltedPassword(scram, sasl.password, serverFirst.salt, serverFirst.iterations)
  const withoutProof = formatClientFinalWithoutProof('n,,', serverFirst.nonce)
  const auth = authMessage(first.bare, serverFirstText, withoutProof)
  const serverFinal = parseServerFinal((await exchange(Buffer.from(`${withoutProof},p=${clientProof(scram, salted, auth).toString('base64')}`))).toString('utf8'))
  if (serverFinal?.serverSignature === undefined) throw bad(`SCRAM authentication failed: ${serverFinal?.error ?? 'invalid server-final message'}`)
  if (!serverFinal.serverSignature.equals(serverSignature(scram, serverKeyOf(scram, salted), auth))) throw bad('invalid SCRAM server signature')
  return sessionLifetimeMs
}
