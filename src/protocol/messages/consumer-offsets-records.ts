/**
 * Record keys and values of __consumer_offsets (GroupMetadataManager's formats), transcribed from Kafka 3.9's
 * OffsetCommitKey/Value.json and GroupMetadataKey/Value.json. Key version 0-1 = offset commit,
 * 2 = group metadata; each key and value starts with an int16 version (codec.ts encodeVersioned).
 */
import { array, bytes, data, int32, int64, string, type Decoded } from '../schema/index.js'

export const OffsetCommitKey = data({
  name: 'OffsetCommitKey', validVersions: '0-1', flexibleVersions: 'none',
  fields: {
    // Kafka writes '0-1' here; '0+' is the same within validVersions and makes the fields required
    group: string('0+'),
    topic: string('0+'),
    partition: int32('0+'),
  },
})

export const OffsetCommitValue = data({
  name: 'OffsetCommitValue', validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    offset: int64('0+'),
    leaderEpoch: int32('3+', { default: -1 }),
    metadata: string('0+'),
    commitTimestamp: int64('0+'),
    expireTimestamp: int64('1', { default: -1 }),
  },
})

export const GroupMetadataKey = data({
  name: 'GroupMetadataKey', validVersions: '2', flexibleVersions: 'none',
  fields: {
    group: string('0+'), // '2' in Kafka: the only valid version
  },
})

export const GroupMetadataValue = data({
  name: 'GroupMetadataValue', validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    protocolType: string('0+'),
    generation: int32('0+'),
    protocol: string('0+', { nullableVersions: '0+' }),
    leader: string('0+', { nullableVersions: '0+' }),
    currentStateTimestamp: int64('2+', { default: -1 }),
    members: array('0+', {
      memberId: string('0+'),
      groupInstanceId: string('3+', { nullableVersions: '3+', default: null }),
      clientId: string('0+'),
      clientHost: string('0+'),
      rebalanceTimeout: int32('1+', { default: -1 }),
      sessionTimeout: int32('0+'),
      subscription: bytes('0+'),
      assignment: bytes('0+'),
    }),
  },
})

export type OffsetCommitKey = Decoded<typeof OffsetCommitKey>
export type OffsetCommitValue = Decoded<typeof OffsetCommitValue>
export type GroupMetadataKey = Decoded<typeof GroupMetadataKey>
export type GroupMetadataValue = Decoded<typeof GroupMetadataValue>
