/**
 * ApiVersions (key 18), transcribed from Kafka 3.9's ApiVersionsRequest.json / ApiVersionsResponse.json.
 */
import { array, bool, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ApiVersionsRequest = message({
  name: 'ApiVersionsRequest', apiKey: 18, validVersions: '0-4', flexibleVersions: '3+',
  fields: {
    clientSoftwareName: string('3+'),
    clientSoftwareVersion: string('3+'),
  },
})

export const ApiVersionsResponse = message({
  name: 'ApiVersionsResponse', apiKey: 18, validVersions: '0-4', flexibleVersions: '3+',
  fields: {
    errorCode: int16('0+'),
    apiKeys: array('0+', {
      apiKey: int16('0+'),
      minVersion: int16('0+'),
      maxVersion: int16('0+'),
    }),
    throttleTimeMs: int32('1+'),
    supportedFeatures: array('3+', {
      name: string('3+'),
      minVersion: int16('3+'),
      maxVersion: int16('3+'),
    }, { taggedVersions: '3+', tag: 0 }),
    finalizedFeaturesEpoch: int64('3+', { taggedVersions: '3+', tag: 1, default: -1 }),
    finalizedFeatures: array('3+', {
      name: string('3+'),
      maxVersionLevel: int16('3+'),
      minVersionLevel: int16('3+'),
    }, { taggedVersions: '3+', tag: 2 }),
    zkMigrationReady: bool('3+', { taggedVersions: '3+', tag: 3, default: false }),
  },
})

/** What a handler receives. */
export type ApiVersionsRequest = Decoded<typeof ApiVersionsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type ApiVersionsResponse = Infer<typeof ApiVersionsResponse>
