import { ErrorCode } from '../../protocol/error-codes.js'
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/sasl-handshake.js'
import { defineHandler } from '../api-handler.js'

/**
 * Reached only where no SASL exchange is due: on a listener without SASL, or after authentication
 * (the exchange itself is SaslServerAuthenticator's). Kafka's KafkaApis answers ILLEGAL_SASL_STATE.
 */
export const handleSaslHandshake = defineHandler(SaslHandshakeRequest, SaslHandshakeResponse, () => ({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }))
