/**
 * IncrementalAlterConfigs (key 44), transcribed from Kafka 3.9's IncrementalAlterConfigsRequest.json / IncrementalAlterConfigsResponse.json.
 */
import { array, bool, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const IncrementalAlterConfigsRequest = message({
  name: 'IncrementalAlterConfigsRequest', apiKey: 44, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configs: array('0+', {
        name: string('0+'),
        configOperation: int8('0+'),
        value: string('0+', { nullableVersions: '0+' }),
      }),
    }),
    validateOnly: bool('0+'),
  },
})

export const IncrementalAlterConfigsResponse = message({
  name: 'IncrementalAlterConfigsResponse', apiKey: 44, validVersions: '0-1', flexibleVersions: '1+',
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
export type IncrementalAlterConfigsRequest = Decoded<typeof IncrementalAlterConfigsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type IncrementalAlterConfigsResponse = Infer<typeof IncrementalAlterConfigsResponse>
