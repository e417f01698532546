/**
 * CreatePartitions (key 37), transcribed from Kafka 3.9's CreatePartitionsRequest.json / CreatePartitionsResponse.json.
 */
import { array, bool, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const CreatePartitionsRequest = message({
  name: 'CreatePartitionsRequest', apiKey: 37, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    topics: array('0+', {
      name: string('0+'),
      count: int32('0+'),
      assignments: array('0+', {
        brokerIds: array('0+', 'int32'),
      }, { nullableVersions: '0+' }),
    }),
    timeoutMs: int32('0+'),
    validateOnly: bool('0+'),
  },
})

export const CreatePartitionsResponse = message({
  name: 'CreatePartitionsResponse', apiKey: 37, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      name: string('0+'),
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+', default: null }),
    }),
  },
})

/** What a handler receives. */
export type CreatePartitionsRequest = Decoded<typeof CreatePartitionsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type CreatePartitionsResponse = Infer<typeof CreatePartitionsResponse>
