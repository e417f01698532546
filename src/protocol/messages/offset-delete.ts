/**
 * OffsetDelete (key 47, KIP-496). Kafka 3.9 has no JSON in this pack for it; the layout is
 * Kafka's OffsetDeleteRequest/Response v0 (never flexible).
 */
import { array, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const OffsetDeleteRequest = message({
  name: 'OffsetDeleteRequest', apiKey: 47, validVersions: '0', flexibleVersions: 'none',
  fields: {
    groupId: string('0+'),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
      }),
    }),
  },
})

export const OffsetDeleteResponse = message({
  name: 'OffsetDeleteResponse', apiKey: 47, validVersions: '0', flexibleVersions: 'none',
  fields: {
    errorCode: int16('0+'),
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
export type OffsetDeleteRequest = Decoded<typeof OffsetDeleteRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type OffsetDeleteResponse = Infer<typeof OffsetDeleteResponse>
