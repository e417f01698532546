/**
 * SaslAuthenticate (key 36), transcribed from Kafka 3.9's SaslAuthenticateRequest.json / SaslAuthenticateResponse.json.
 */
import { bytes, int16, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const SaslAuthenticateRequest = message({
  name: 'SaslAuthenticateRequest', apiKey: 36, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    authBytes: bytes('0+'),
  },
})

export const SaslAuthenticateResponse = message({
  name: 'SaslAuthenticateResponse', apiKey: 36, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+' }),
    authBytes: bytes('0+'),
    sessionLifetimeMs: int64('1+', { default: 0 }),
  },
})

/** What a handler receives. */
export type SaslAuthenticateRequest = Decoded<typeof SaslAuthenticateRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type SaslAuthenticateResponse = Infer<typeof SaslAuthenticateResponse>
