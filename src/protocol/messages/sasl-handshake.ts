/**
 * SaslHandshake (key 17), transcribed from Kafka 3.9's SaslHandshakeRequest.json / SaslHandshakeResponse.json.
 */
import { array, int16, message, string, type Decoded, type Infer } from '../schema/index.js'

export const SaslHandshakeRequest = message({
  name: 'SaslHandshakeRequest', apiKey: 17, validVersions: '0-1', flexibleVersions: 'none',
  fields: {
    mechanism: string('0+'),
  },
})

export const SaslHandshakeResponse = message({
  name: 'SaslHandshakeResponse', apiKey: 17, validVersions: '0-1', flexibleVersions: 'none',
  fields: {
    errorCode: int16('0+'),
    mechanisms: array('0+', 'string'),
  },
})

/** What a handler receives. */
export type SaslHandshakeRequest = Decoded<typeof SaslHandshakeRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type SaslHandshakeResponse = Infer<typeof SaslHandshakeResponse>
