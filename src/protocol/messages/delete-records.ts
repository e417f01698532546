/**
 * DeleteRecords (key 21), transcribed from Kafka 3.9's DeleteRecordsRequest.json / DeleteRecordsResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DeleteRecordsRequest = message({
  name: 'DeleteRecordsRequest', apiKey: 21, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        offset: int64('0+'),
      }),
    }),
    timeoutMs: int32('0+'),
  },
})

export const DeleteRecordsResponse = message({
  name: 'DeleteRecordsResponse', apiKey: 21, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        lowWatermark: int64('0+'),
        errorCode: int16('0+'),
      }),
    }),
  },
})

/** What a handler receives. */
export type DeleteRecordsRequest = Decoded<typeof DeleteRecordsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DeleteRecordsResponse = Infer<typeof DeleteRecordsResponse>
