import { ApiKey, apiName } from '../protocol/api-keys.js'
import { decode } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { readRequestHeader, type RequestHeader } from '../protocol/header.js'
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js'
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/messages/sasl-handshake.js'
import { Reader } from '../protocol/primitives/reader.js'
import { principalString, userPrincipal } from '../security/kafka-principal.js'
import { PlainSaslServer } from '../security/plain-sasl-server.js'
import { SaslAuthenticationError, type SaslServer } from '../security/sasl-server.js'
import { scramMechanism, type ScramCredential } from '../security/scram.js'
import { ScramSaslServer } from '../security/scram-sasl-server.js'
import type { Logger } from '../logger.js'
import type { Connection, Reply } from './connection.js'
import { encodeResponse } from './dispatcher.js'

export interface SaslListenerOptions {
  listenerName: string
  mechanisms: readonly string[]
  /** PLAIN's users (PlainLoginModule's user_<name> options). */
  plainPasswordOf: (username: string) => string | undefined
  /** SCRAM credentials from /config/users (CredentialCache). */
  scramCredentialOf: (username: string, mechanism: string) => ScramCredential | undefined
  /** connection.failed.authentication.delay.ms */
  failedAuthenticationDelayMs: number
  /** connections.max.reauth.ms (KIP-368): 0, sessions never expire and a second exchange is refused. */
  maxReauthMs: number
  now?: () => number
  log: Logger
}

/**
 * The SASL exchange on one connection of a SASL_PLAINTEXT or SASL_SSL listener (Kafka's
 * SaslServerAuthenticator). Until it completes, only ApiVersions and SaslHandshake are served and
 * anything else closes the connection; after a v0 handshake the tokens come as bare size-prefixed
 * frames (pre-KIP-152 clients such as Sarama's PLAIN), after v1 inside SaslAuthenticate requests.
 * A failed authentication is answered SASL_AUTHENTICATION_FAILED with its message after
 * connection.failed.authentication.delay.ms (KIP-306), then the connection closes.
 *
 * States: 'handshake' (ApiVersions or SaslHandshake) → 'authenticate' (tokens, framed by
 * `kafkaHeaders`) → 'complete' (every request goes to the dispatcher); any failure → 'failed'
 * (no frame is answered again; the connection is closing).
 *
 * Re-authentication (KIP-368): with connections.max.reauth.ms a session lasts that long
 * (SaslAuthenticate's sessionLifetimeMs tells the client); a client re-authenticates by sending
 * SaslHandshake and SaslAuthenticate again on the authenticated connection, with the same mechanism
 * and as the same principal, which starts a new session. A request that arrives after the session
 * expired closes the connection unanswered, as Kafka's SocketServer does (a client that cannot
 * re-authenticate reconnects). Without it a second SaslHandshake goes to the dispatcher, which
 * refuses it (ILLEGAL_SASL_STATE), as Kafka does.
 */
export class SaslServerAuthenticator {
  private state: 'handshake' | 'authenticate' | 'complete' | 'failed' = 'handshake'
  private saslServer?: SaslServer
  /** SaslHandshake v1+: tokens travel in SaslAuthenticate requests (KIP-152). */
  private kafkaHeaders = false
  /** The session being re-authenticated: its mechanism and principal must not change. */
  private previous?: { mechanism: string, principal: string }
  /** When the session ends (connections.max.reauth.ms after it began); undefined: never. */
  private sessionExpiresAtMs?: number

  constructor (private readonly options: SaslListenerOptions) {}

  /** Authenticated, and not re-authenticating: requests go to the dispatcher (`handle` still checks the session's expiry). */
  get complete (): boolean { return this.state === 'complete' && this.sessionExpiresAtMs === undefined }

  private now (): number { return (this.options.now ?? Date.now)() }

  /**
   * One frame before authentication completes; `dispatch` answers ApiVersions as on any
   * connection. Called in arrival order, and each step is synchronous, so frames a client
   * pipelines meet the state their predecessors left.
   */
  async handle (frame: Buffer, connection: Connection, dispatch: (frame: Buffer) => Promise<Reply>): Promise<Reply> {
    if (this.state === 'failed') return null
    if (this.state === 'complete') {
      // Kafka's Processor: a SaslHandshake on a session that can expire begins re-authentication;
      // any other request on an expired session closes the connection
      if (frame.length >= 2 && frame.readInt16BE(0) === ApiKey.SaslHandshake) {
        this.previous = { mechanism: this.saslServer!.mechanism, principal: principalString(connection.principal) }
        this.state = 'handshake'
      } else if (this.now() >= this.sessionExpiresAtMs!) {
        this.state = 'failed'
        connection.close(`the SASL session expired (connections.max.reauth.ms ${this.options.maxReauthMs}) without re-authentication`)
        return null
      } else {
        return await dispatch(frame)
      }
    }
    if (this.state === 'authenticate' && !this.kafkaHeaders) return await this.token(frame, connection, null)
    let header: RequestHeader
    const reader = new Reader(frame)
    try {
      header = readRequestHeader(reader)
    } catch {
      return this.refuse(connection, 'a frame that is not a Kafka request during the SASL exchange')
    }
    if (this.state === 'handshake' && header.apiKey === ApiKey.ApiVersions) return await dispatch(frame)
    if (this.state === 'handshake' && header.apiKey === ApiKey.SaslHandshake && header.apiVersion <= SaslHandshakeRequest.validVersions.max) {
      return this.handshake(header, reader, connection)
    }
    if (this.state === 'authenticate' && header.apiKey === ApiKey.SaslAuthenticate && header.apiVersion <= SaslAuthenticateRequest.validVersions.max) {
      let token: Buffer
      try {
        token = decode(SaslAuthenticateRequest, header.apiVersion, reader).authBytes
      } catch {
        return this.refuse(connection, 'a SaslAuthenticate request that does not decode')
      }
      return await this.token(token, connection, header)
    }
    // Kafka's IllegalSaslStateException: "Unexpected Kafka request of type X during SASL handshake"
    return this.refuse(connection, `unexpected ${apiName(header.apiKey)} v${header.apiVersion} request during SASL ${this.state}`)
  }

  private handshake (header: RequestHeader, reader: Reader, connection: Connection): Reply {
    let mechanism: string
    try {
      mechanism = decode(SaslHandshakeRequest, header.apiVersion, reader).mechanism
    } catch {
      return this.refuse(connection, 'a SaslHandshake request that does not decode')
    }
    const mechanisms = [...this.options.mechanisms]
    const reauthenticating = this.previous !== undefined
    if (!mechanisms.includes(mechanism) || (reauthenticating && mechanism !== this.previous!.mechanism)) {
      // Kafka answers with the enabled mechanisms, then closes (UnsupportedSaslMechanismException)
      this.state = 'failed'
      connection.closeAfterReplies(reauthenticating
        ? `SASL mechanism '${mechanism.slice(0, 64)}' requested by client is not supported for re-authentication of mechanism '${this.previous!.mechanism}'`
        : `client asked for SASL mechanism ${mechanism.slice(0, 64)}, which listener ${this.options.listenerName} does not enable`)
      return encodeResponse(SaslHandshakeResponse, header, { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms })
    }
    this.saslServer = this.newSaslServer(mechanism)
    this.kafkaHeaders = header.apiVersion >= 1
    this.state = 'authenticate'
    return encodeResponse(SaslHandshakeResponse, header, { errorCode: ErrorCode.NONE, mechanisms })
  }

  /** One client token; `header` is the SaslAuthenticate request's, null for a bare v0 token. */
  private async token (token: Buffer, connection: Connection, header: RequestHeader | null): Promise<Reply> {
    const server = this.saslServer!
    let challenge: Buffer
    try {
      challenge = server.evaluateResponse(token)
    } catch (err) {
      // Kafka's SaslServerAuthenticator: a SaslAuthenticationException's message goes to the client; anything else a generic one
      const message = err instanceof SaslAuthenticationError ? err.message : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${server.mechanism}`
      return await this.fail(connection, header, message)
    }
    let sessionLifetimeMs = 0
    if (server.isComplete) {
      const principal = userPrincipal(server.authorizationId)
      const previous = this.previous
      if (previous !== undefined && previous.principal !== principalString(principal)) {
        // Kafka's message names the principals as Type.name
        const [fromType, ...fromName] = previous.principal.split(':')
        return await this.fail(connection, header, `Cannot change principals during re-authentication from ${fromType ?? ''}.${fromName.join(':')}: ${principal.principalType}.${principal.name}`)
      }
      this.state = 'complete'
      this.previous = undefined
      connection.principal = principal
      connection.maxFrameBytes = connection.maxRequestBytes
      if (this.options.maxReauthMs > 0) {
        sessionLifetimeMs = this.options.maxReauthMs
        this.sessionExpiresAtMs = this.now() + sessionLifetimeMs
      }
      this.options.log.debug(previous !== undefined ? 're-authenticated' : 'authenticated', { remote: connection.remote, listener: this.options.listenerName, mechanism: server.mechanism, principal: principalString(principal), sessionLifetimeMs })
    }
    if (header === null) return sizePrefixed(challenge)
    return encodeResponse(SaslAuthenticateResponse, header, { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: challenge, sessionLifetimeMs })
  }

  private async fail (connection: Connection, header: RequestHeader | null, message: string): Promise<Reply> {
    this.state = 'failed'
    // KIP-306: the answer waits, so a client retrying wrong passwords in a loop is slowed down
    this.options.log.info('failed authentication', { remote: connection.remote, listener: this.options.listenerName, mechanism: this.saslServer?.mechanism, reason: message })
    connection.closeAfterReplies('failed authentication')
    await new Promise(resolve => setTimeout(resolve, this.options.failedAuthenticationDelayMs))
    if (header === null) return null // a bare token has no way to carry an error: the close says it
    return encodeResponse(SaslAuthenticateResponse, header, { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 })
  }

  private refuse (connection: Connection, reason: string): Reply {
    this.state = 'failed'
    connection.close(reason)
    return null
  }

  private newSaslServer (mechanism: string): SaslServer {
    const scram = scramMechanism(mechanism)
    return scram !== undefined ? new ScramSaslServer(scram, this.options.scramCredentialOf) : new PlainSaslServer(this.options.plainPasswordOf)
  }
}

function sizePrefixed (token: Buffer): Buffer[] {
  const size = Buffer.allocUnsafe(4)
  size.writeInt32BE(token.length, 0)
  return [size, token]
}
