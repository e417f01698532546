/**
 * DescribeTransactions (key 65, KIP-664), transcribed from Kafka 3.9's
 * DescribeTransactionsRequest.json / DescribeTransactionsResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeTransactionsRequest = message({
  name: 'DescribeTransactionsRequest', apiKey: 65, validVersions: '0', flexibleVersions: '0+',
  fields: {
    transactionalIds: array('0+', 'string'),
  },
})

export const DescribeTransactionsResponse = message({
  name: 'DescribeTransactionsResponse', apiKey: 65, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    transactionStates: array('0+', {
      errorCode: int16('0+'),
      transactionalId: string('0+'),
      transactionState: string('0+'),
      transactionTimeoutMs: int32('0+'),
      transactionStartTimeMs: int64('0+'),
      producerId: int64('0+'),
      producerEpoch: int32('0+'),
      topics: array('0+', {
        topic: string('0+'),
        partitions: array('0+', 'int32'),
      }),
    }),
  },
})

/** What a handler receives. */
export type DescribeTransactionsRequest = Decoded<typeof DescribeTransactionsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeTransactionsResponse = Infer<typeof DescribeTransactionsResponse>
