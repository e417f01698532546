/**
 * AlterUserScramCredentials (key 51, KIP-554), transcribed from Kafka 3.9's
 * AlterUserScramCredentialsRequest.json / AlterUserScramCredentialsResponse.json.
 */
import { array, bytes, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const AlterUserScramCredentialsRequest = message({
  name: 'AlterUserScramCredentialsRequest', apiKey: 51, validVersions: '0', flexibleVersions: '0+',
  fields: {
    deletions: array('0+', {
      name: string('0+'),
      mechanism: int8('0+'),
    }),
    upsertions: array('0+', {
      name: string('0+'),
      mechanism: int8('0+'),
      iterations: int32('0+'),
      salt: bytes('0+'),
      saltedPassword: bytes('0+'),
    }),
  },
})

export const AlterUserScramCredentialsResponse = message({
  name: 'AlterUserScramCredentialsResponse', apiKey: 51, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      user: string('0+'),
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
    }),
  },
})

/** What a handler receives. */
export type AlterUserScramCredentialsRequest = Decoded<typeof AlterUserScramCredentialsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type AlterUserScramCredentialsResponse = Infer<typeof AlterUserScramCredentialsResponse>
