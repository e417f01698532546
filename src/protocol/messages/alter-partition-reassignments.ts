/**
 * AlterPartitionReassignments (key 45, KIP-455), transcribed from Kafka 3.9's
 * AlterPartitionReassignmentsRequest.json / AlterPartitionReassignmentsResponse.json: per
 * partition, the target replicas, or null to cancel the reassignment in progress.
 */
import { array, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const AlterPartitionReassignmentsRequest = message({
  name: 'AlterPartitionReassignmentsRequest', apiKey: 45, validVersions: '0', flexibleVersions: '0+',
  fields: {
    timeoutMs: int32('0+', { default: 60000 }),
    topics: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        replicas: array('0+', 'int32', { nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export const AlterPartitionReassignmentsResponse = message({
  name: 'AlterPartitionReassignmentsResponse', apiKey: 45, validVersions: '0', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+', default: null }),
    responses: array('0+', {
      name: string('0+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

/** What a handler receives. */
export type AlterPartitionReassignmentsRequest = Decoded<typeof AlterPartitionReassignmentsRequest>
/** What a handler answers with. */
export type AlterPartitionReassignmentsResponse = Infer<typeof AlterPartitionReassignmentsResponse>
