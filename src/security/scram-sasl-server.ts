import { authMessage, formatServerFirst, parseClientFinal, parseClientFirst, scramNonce, serverSignature, verifyClientProof, type ClientFirstMessage, type ScramCredential, type ScramMechanism } from './scram.js'
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js'

/**
 * The server side of SCRAM (RFC 5802) as Kafka's ScramSaslServer: client-first → server-first
 * (combined nonce, salt, iterations), client-final → proof checked against StoredKey, the combined
 * nonce and the channel binding → server-final with ServerSignature. Credentials come from
 * /config/users (CredentialCache); the password itself never reaches the broker.
 *
 * States: 'client-first' (awaits client-first) → 'client-final' (awaits the proof) → 'complete';
 * any failure → 'failed', after which every token is refused.
 */
export class ScramSaslServer implements SaslServer {
  authorizationId = ''
  private state: 'client-first' | 'client-final' | 'complete' | 'failed' = 'client-first'
  private clientFirst?: ClientFirstMessage
  private serverFirst = ''
  private credential?: ScramCredential

  constructor (private readonly m: ScramMechanism, private readonly credentialOf: (username: string, mechanism: string) => ScramCredential | undefined) {}

  get mechanism (): string { return this.m.name }
  get isComplete (): boolean { return this.state === 'complete' }

  evaluateResponse (token: Buffer): Buffer {
    try {
      return this.step(token.toString('utf8'))
    } catch (err) {
      this.state = 'failed'
      throw err
    }
  }

  private step (text: string): Buffer {
    switch (this.state) {
      case 'client-first': {
        const first = parseClientFirst(text)
        if (first === undefined) throw new SaslAuthenticationError('Authentication failed: invalid SCRAM client-first message')
        if (first.authorizationId !== '' && first.authorizationId !== first.username) {
          throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username')
        }
        const credential = this.credentialOf(first.username, this.m.name)
        if (credential === undefined) throw new SaslAuthenticationError('Authentication failed: Invalid user credentials')
        this.clientFirst = first
        this.credential = credential
        this.serverFirst = formatServerFirst(first.nonce + scramNonce(), credential.salt, credential.iterations)
        this.state = 'client-final'
        return Buffer.from(this.serverFirst)
      }
      case 'client-final': {
        const final = parseClientFinal(text)
        const first = this.clientFirst!
        const credential = this.credential!
        if (final === undefined) throw new SaslAuthenticationError('Authentication failed: invalid SCRAM client-final message')
        // Kafka's ScramSaslServer checks endsWith, not equality: librdkafka sends its own nonce again in front of the combined one
        if (!final.nonce.endsWith(this.serverFirst.slice(2, this.serverFirst.indexOf(',')))) throw new SaslAuthenticationError('Authentication failed: Invalid client nonce in the final client message.')
        if (final.channelBinding !== Buffer.from(first.gs2Header).toString('base64')) throw new SaslAuthenticationError('Authentication failed: Invalid channel binding in the final client message.')
        const auth = authMessage(first.bare, this.serverFirst, final.withoutProof)
        // Kafka's ScramSaslServer throws a plain SaslException here: clients get the generic message.
        if (!verifyClientProof(this.m, credential, auth, final.proof)) throw new Error('Invalid client credentials')
        this.authorizationId = first.username
        this.state = 'complete'
        return Buffer.from(`v=${serverSignature(this.m, credential.serverKey, auth).toString('base64')}`)
      }
      default:
        throw new SaslAuthenticationError(`Authentication failed: unexpected SCRAM message in state ${this.state}`)
    }
  }
}
