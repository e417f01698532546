/**
 * DescribeProducers (key 61, KIP-664), transcribed from Kafka 3.9's DescribeProducersRequest.json /
 * DescribeProducersResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeProducersRequest = message({
  name: 'DescribeProducersRequest', apiKey: 61, validVersions: '0', flexibleVersions: '0+',
  fields: {
    topics: array('0+', {
      name: string('0+'),
      partitionIndexes: array('0+', 'int32'),
    }),
  },
})

export const DescribeProducersResponse = message({
  name: 'DescribeProducersResponse', apiKey: 61, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullableVersions: '0+', default: null }),
        activeProducers: array('0+', {
          producerId: int64('0+'),
          producerEpoch: int32('0+'),
          lastSequence: int32('0+', { default: -1 }),
          lastTimestamp: int64('0+', { default: -1 }),
          coordinatorEpoch: int32('0+'),
          currentTxnStartOffset: int64('0+', { default: -1 }),
        }),
      }),
    }),
  },
})

/** What a handler receives. */
export type DescribeProducersRequest = Decoded<typeof DescribeProducersRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeProducersResponse = Infer<typeof DescribeProducersResponse>
