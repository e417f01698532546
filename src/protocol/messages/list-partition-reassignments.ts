/**
 * ListPartitionReassignments (key 46, KIP-455), transcribed from Kafka 3.9's
 * ListPartitionReassignmentsRequest.json / ListPartitionReassignmentsResponse.json: the
 * reassignments in progress among the named partitions, or all of them (topics null).
 */
import { array, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ListPartitionReassignmentsRequest = message({
  name: 'ListPartitionReassignmentsRequest', apiKey: 46, validVersions: '0', flexibleVersions: '0+',
  fields: {
    timeoutMs: int32('0+', { default: 60000 }),
    topics: array('0+', {
      name: string('0+'),
      partitionIndexes: array('0+', 'int32'),
    }, { nullableVersions: '0+', default: null }),
  },
})

export const ListPartitionReassignmentsResponse = message({
  name: 'ListPartitionReassignmentsResponse', apiKey: 46, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+', default: null }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        replicas: array('0+', 'int32'),
        addingReplicas: array('0+', 'int32'),
        removingReplicas: array('0+', 'int32'),
      }),
    }),
  },
})

/** What a handler receives. */
export type ListPartitionReassignmentsRequest = Decoded<typeof ListPartitionReassignmentsRequest>
/** What a handler answers with. */
export type ListPartitionReassignmentsResponse = Infer<typeof ListPartitionReassignmentsResponse>
