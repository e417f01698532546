/**
 * OffsetFetch (key 9), transcribed from Kafka 3.9's OffsetFetchRequest.json / OffsetFetchResponse.json.
 */
import { array, bool, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const OffsetFetchRequest = message({
  name: 'OffsetFetchRequest', apiKey: 9, validVersions: '0-9', flexibleVersions: '6+',
  fields: {
    groupId: string('0-7'),
    topics: array('0-7', {
      name: string('0-7'),
      partitionIndexes: array('0-7', 'int32'),
    }, { nullableVersions: '2-7' }),
    groups: array('8+', {
      groupId: string('8+'),
      memberId: string('9+', { nullableVersions: '9+', default: null }),
      memberEpoch: int32('9+', { default: -1 }),
      topics: array('8+', {
        name: string('8+'),
        partitionIndexes: array('8+', 'int32'),
      }, { nullableVersions: '8+' }),
    }),
    requireStable: bool('7+', { default: false }),
  },
})

export const OffsetFetchResponse = message({
  name: 'OffsetFetchResponse', apiKey: 9, validVersions: '0-9', flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32('3+'),
    topics: array('0-7', {
      name: string('0-7'),
      partitions: array('0-7', {
        partitionIndex: int32('0-7'),
        committedOffset: int64('0-7'),
        committedLeaderEpoch: int32('5-7', { default: -1 }),
        metadata: string('0-7', { nullableVersions: '0-7' }),
        errorCode: int16('0-7'),
      }),
    }),
    errorCode: int16('2-7', { default: 0 }),
    groups: array('8+', {
      groupId: string('8+'),
      topics: array('8+', {
        name: string('8+'),
        partitions: array('8+', {
          partitionIndex: int32('8+'),
          committedOffset: int64('8+'),
          committedLeaderEpoch: int32('8+', { default: -1 }),
          metadata: string('8+', { nullableVersions: '8+' }),
          errorCode: int16('8+'),
        }),
      }),
      errorCode: int16('8+', { default: 0 }),
    }),
  },
})

/** What a handler receives. */
export type OffsetFetchRequest = Decoded<typeof OffsetFetchRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type OffsetFetchResponse = Infer<typeof OffsetFetchResponse>
