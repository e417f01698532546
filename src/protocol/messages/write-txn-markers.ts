/**
 * WriteTxnMarkers (key 27), transcribed from Kafka 3.9's WriteTxnMarkersRequest.json /
 * WriteTxnMarkersResponse.json: the transaction coordinator asks partition leaders to append
 * commit or abort markers.
 */
import { array, bool, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const WriteTxnMarkersRequest = message({
  name: 'WriteTxnMarkersRequest', apiKey: 27, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    markers: array('0+', {
      producerId: int64('0+'),
      producerEpoch: int16('0+'),
      transactionResult: bool('0+'),
      topics: array('0+', {
        name: string('0+'),
        partitionIndexes: array('0+', 'int32'),
      }),
      coordinatorEpoch: int32('0+'),
    }),
  },
})

export const WriteTxnMarkersResponse = message({
  name: 'WriteTxnMarkersResponse', apiKey: 27, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    markers: array('0+', {
      producerId: int64('0+'),
      topics: array('0+', {
        name: string('0+'),
        partitions: array('0+', {
          partitionIndex: int32('0+'),
          errorCode: int16('0+'),
        }),
      }),
    }),
  },
})

/** What a handler receives. */
export type WriteTxnMarkersRequest = Decoded<typeof WriteTxnMarkersRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type WriteTxnMarkersResponse = Infer<typeof WriteTxnMarkersResponse>
