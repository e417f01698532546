/**
 * ListOffsets (key 2), transcribed from Kafka 3.9's ListOffsetsRequest.json / ListOffsetsResponse.json.
 */
import { array, int16, int32, int64, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ListOffsetsRequest = message({
  name: 'ListOffsetsRequest', apiKey: 2, validVersions: '0-9', flexibleVersions: '6+',
  fields: {
    replicaId: int32('0+'),
    isolationLevel: int8('2+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        currentLeaderEpoch: int32('4+', { default: -1 }),
        timestamp: int64('0+'),
        maxNumOffsets: int32('0', { default: 1 }),
      }),
    }),
  },
})

export const ListOffsetsResponse = message({
  name: 'ListOffsetsResponse', apiKey: 2, validVersions: '0-9', flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32('2+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        oldStyleOffsets: array('0', 'int64'),
        timestamp: int64('1+', { default: -1 }),
        offset: int64('1+', { default: -1 }),
        leaderEpoch: int32('4+', { default: -1 }),
      }),
    }),
  },
})

/** What a handler receives. */
export type ListOffsetsRequest = Decoded<typeof ListOffsetsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type ListOffsetsResponse = Infer<typeof ListOffsetsResponse>
