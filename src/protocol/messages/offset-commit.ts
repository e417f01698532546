/**
 * OffsetCommit (key 8), transcribed from Kafka 3.9's OffsetCommitRequest.json / OffsetCommitResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const OffsetCommitRequest = message({
  name: 'OffsetCommitRequest', apiKey: 8, validVersions: '0-9', flexibleVersions: '8+',
  fields: {
    groupId: string('0+'),
    generationIdOrMemberEpoch: int32('1+', { default: -1 }),
    memberId: string('1+'),
    groupInstanceId: string('7+', { nullableVersions: '7+', default: null }),
    retentionTimeMs: int64('2-4', { default: -1 }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        committedOffset: int64('0+'),
        committedLeaderEpoch: int32('6+', { default: -1 }),
        commitTimestamp: int64('1', { default: -1 }),
        committedMetadata: string('0+', { nullableVersions: '0+' }),
      }),
    }),
  },
})

export const OffsetCommitResponse = message({
  name: 'OffsetCommitResponse', apiKey: 8, validVersions: '0-9', flexibleVersions: '8+',
  fields: {
    throttleTimeMs: int32('3+'),
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
export type OffsetCommitRequest = Decoded<typeof OffsetCommitRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type OffsetCommitResponse = Infer<typeof OffsetCommitResponse>
