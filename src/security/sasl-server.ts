/**
 * The server side of one SASL mechanism on one connection (javax.security.sasl.SaslServer as
 * Kafka's PlainSaslServer and ScramSaslServer implement it): each client token in, a challenge
 * out, until complete. A failure throws SaslAuthenticationError, whose message the client is told.
 */
export interface SaslServer {
  readonly mechanism: string
  /** The challenge for the client's token (empty when there is nothing to say). */
  evaluateResponse: (token: Buffer) => Buffer
  readonly isComplete: boolean
  /** Whom the client authenticated as: the principal's name once complete. */
  readonly authorizationId: string
}

/**
 * Kafka's SaslAuthenticationException: authentication failed, and the message is one the client
 * may read (it never holds a credential). Any other error is answered with a generic message.
 */
export class SaslAuthenticationError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SaslAuthenticationError'
  }
}
