/**
 * TxnOffsetCommit (key 28), transcribed from Kafka 3.9's TxnOffsetCommitRequest.json / TxnOffsetCommitResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const TxnOffsetCommitRequest = message({
  name: 'TxnOffsetCommitRequest', apiKey: 28, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    transactionalId: string('0+'),
    groupId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    generationId: int32('3+', { default: -1 }),
    memberId: string('3+', { default: '' }),
    groupInstanceId: string('3+', { nullableVersions: '3+', default: null }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        committedOffset: int64('0+'),
        committedLeaderEpoch: int32('2+', { default: -1 }),
        committedMetadata: string('0+', { nullableVersions: '0+' }),
      }),
    }),
  },
})

export const TxnOffsetCommitResponse = message({
  name: 'TxnOffsetCommitResponse', apiKey: 28, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
      }),
    }),
  },
})

/** What a handler receives. */
export type TxnOffsetCommitRequest = Decoded<typeof TxnOffsetCommitRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type TxnOffsetCommitResponse = Infer<typeof TxnOffsetCommitResponse>
