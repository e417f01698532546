/**
 * DescribeUserScramCredentials (key 50, KIP-554), transcribed from Kafka 3.9's
 * DescribeUserScramCredentialsRequest.json / DescribeUserScramCredentialsResponse.json.
 */
import { array, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeUserScramCredentialsRequest = message({
  name: 'DescribeUserScramCredentialsRequest', apiKey: 50, validVersions: '0', flexibleVersions: '0+',
  fields: {
    users: array('0+', { name: string('0+') }, { nullableVersions: '0+' }),
  },
})

export const DescribeUserScramCredentialsResponse = message({
  name: 'DescribeUserScramCredentialsResponse', apiKey: 50, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+' }),
    results: array('0+', {
      user: string('0+'),
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
      credentialInfos: array('0+', {
        mechanism: int8('0+'),
        iterations: int32('0+'),
      }),
    }),
  },
})

/** What a handler receives. */
export type DescribeUserScramCredentialsRequest = Decoded<typeof DescribeUserScramCredentialsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeUserScramCredentialsResponse = Infer<typeof DescribeUserScramCredentialsResponse>
