/**
 * The bytes inside JoinGroup/SyncGroup for protocol type "consumer" (Kafka's ConsumerProtocol), transcribed from
 * Kafka 3.9's ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json. Always the
 * non-flexible encoding, after an int16 version the caller writes (codec.ts encodeVersioned).
 */
import { array, bytes, data, int32, string, type Decoded } from '../schema/index.js'

export const ConsumerProtocolSubscription = data({
  name: 'ConsumerProtocolSubscription', validVersions: '0-3', flexibleVersions: 'none',
  fields: {
    topics: array('0+', 'string'),
    userData: bytes('0+', { nullableVersions: '0+', default: null }),
    ownedPartitions: array('1+', {
      topic: string('1+'),
      partitions: array('1+', 'int32'),
    }),
    generationId: int32('2+', { default: -1 }),
    rackId: string('3+', { nullableVersions: '3+', default: null }),
  },
})

export const ConsumerProtocolAssignment = data({
  name: 'ConsumerProtocolAssignment', validVersions: '0-3', flexibleVersions: 'none',
  fields: {
    assignedPartitions: array('0+', {
      topic: string('0+'),
      partitions: array('0+', 'int32'),
    }),
    userData: bytes('0+', { nullableVersions: '0+', default: null }),
  },
})

export type ConsumerProtocolSubscription = Decoded<typeof ConsumerProtocolSubscription>
export type ConsumerProtocolAssignment = Decoded<typeof ConsumerProtocolAssignment>
