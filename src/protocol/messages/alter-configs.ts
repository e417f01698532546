/**
 * AlterConfigs (key 33), transcribed from Kafka 3.9's AlterConfigsRequest.json / AlterConfigsResponse.json.
 */
import { array, bool, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const AlterConfigsRequest = message({
  name: 'AlterConfigsRequest', apiKey: 33, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configs: array('0+', {
        name: string('0+'),
        value: string('0+', { nullableVersions: '0+' }),
      }),
    }),
    validateOnly: bool('0+'),
  },
})

export const AlterConfigsResponse = message({
  name: 'AlterConfigsResponse', apiKey: 33, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    responses: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
      resourceType: int8('0+'),
      resourceName: string('0+'),
    }),
  },
})

/** What a handler receives. */
export type AlterConfigsRequest = Decoded<typeof AlterConfigsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type AlterConfigsResponse = Infer<typeof AlterConfigsResponse>
