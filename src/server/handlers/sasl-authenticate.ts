import { ErrorCode } from '../../protocol/error-codes.js'
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js'
import { defineHandler } from '../api-handler.js'

/**
 * Reached only where no SASL exchange is due (see sasl-handshake.ts); re-authentication
 * (KIP-368) is not offered, so this is Kafka's answer to a SaslAuthenticate out of turn.
 */
export const handleSaslAuthenticate = defineHandler(SaslAuthenticateRequest, SaslAuthenticateResponse, () => ({
  errorCode: ErrorCode.ILLEGAL_SASL_STATE,
  errorMessage: 'SaslAuthenticate request received after successful authentication',
  authBytes: Buffer.alloc(0),
  sessionLifetimeMs: 0,
}))
