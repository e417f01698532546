/**
 * Record key and value of __transaction_state (Kafka's TransactionLog), transcribed from Kafka
 * 3.9's TransactionLogKey.json and TransactionLogValue.json; each starts with an int16 version
 * (codec.ts encodeVersioned). The key is version 0, the value version 0 as Kafka 3.x writes it.
 */
import { array, int16, int32, int64, int8, data, string, type Decoded } from '../schema/index.js'

export const TransactionLogKey = data({
  name: 'TransactionLogKey', validVersions: '0', flexibleVersions: 'none',
  fields: {
    transactionalId: string('0+'),
  },
})

export const TransactionLogValue = data({
  name: 'TransactionLogValue', validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    transactionTimeoutMs: int32('0+'),
    transactionStatus: int8('0+'),
    transactionPartitions: array('0+', {
      topic: string('0+'),
      partitionIds: array('0+', 'int32'),
    }, { nullableVersions: '0+' }),
    transactionLastUpdateTimestampMs: int64('0+'),
    transactionStartTimestampMs: int64('0+'),
  },
})

export type TransactionLogKey = Decoded<typeof TransactionLogKey>
export type TransactionLogValue = Decoded<typeof TransactionLogValue>
