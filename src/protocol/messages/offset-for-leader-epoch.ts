/**
 * OffsetForLeaderEpoch (key 23), transcribed from Kafka 3.9's OffsetForLeaderEpochRequest.json / OffsetForLeaderEpochResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const OffsetForLeaderEpochRequest = message({
  name: 'OffsetForLeaderEpochRequest', apiKey: 23, validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    replicaId: int32('3+', { default: -2 }),
    topics: array('0+', {
      topic: string('0+'),
      partitions: array('0+', {
        partition: int32('0+'),
        currentLeaderEpoch: int32('2+', { default: -1 }),
        leaderEpoch: int32('0+'),
      }),
    }),
  },
})

export const OffsetForLeaderEpochResponse = message({
  name: 'OffsetForLeaderEpochResponse', apiKey: 23, validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32('2+'),
    topics: array('0+', {
      topic: string('0+'),
      partitions: array('0+', {
        errorCode: int16('0+'),
        partition: int32('0+'),
        leaderEpoch: int32('1+', { default: -1 }),
        endOffset: int64('0+', { default: -1 }),
      }),
    }),
  },
})

/** What a handler receives. */
export type OffsetForLeaderEpochRequest = Decoded<typeof OffsetForLeaderEpochRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type OffsetForLeaderEpochResponse = Infer<typeof OffsetForLeaderEpochResponse>
