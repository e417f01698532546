/**
 * Metadata (key 3), transcribed from Kafka 3.9's MetadataRequest.json / MetadataResponse.json.
 */
import { array, bool, int16, int32, message, string, uuid, type Decoded, type Infer } from '../schema/index.js'

export const MetadataRequest = message({
  name: 'MetadataRequest', apiKey: 3, validVersions: '0-12', flexibleVersions: '9+',
  fields: {
    topics: array('0+', {
      topicId: uuid('10+'),
      name: string('0+', { nullableVersions: '10+' }),
    }, { nullableVersions: '1+' }),
    allowAutoTopicCreation: bool('4+', { default: true }),
    includeClusterAuthorizedOperations: bool('8-10'),
    includeTopicAuthorizedOperations: bool('8+'),
  },
})

export const MetadataResponse = message({
  name: 'MetadataResponse', apiKey: 3, validVersions: '0-12', flexibleVersions: '9+',
  fields: {
    throttleTimeMs: int32('3+'),
    brokers: array('0+', {
      nodeId: int32('0+'),
      host: string('0+'),
      port: int32('0+'),
      rack: string('1+', { nullableVersions: '1+', default: null }),
    }),
    clusterId: string('2+', { nullableVersions: '2+', default: null }),
    controllerId: int32('1+', { default: -1 }),
    topics: array('0+', {
      errorCode: int16('0+'),
      name: string('0+', { nullableVersions: '12+' }),
      topicId: uuid('10+'),
      isInternal: bool('1+', { default: false }),
      partitions: array('0+', {
        errorCode: int16('0+'),
        partitionIndex: int32('0+'),
        leaderId: int32('0+'),
        leaderEpoch: int32('7+', { default: -1 }),
        replicaNodes: array('0+', 'int32'),
        isrNodes: array('0+', 'int32'),
        offlineReplicas: array('5+', 'int32'),
      }),
      topicAuthorizedOperations: int32('8+', { default: -2147483648 }),
    }),
    clusterAuthorizedOperations: int32('8-10', { default: -2147483648 }),
  },
})

/** What a handler receives. */
export type MetadataRequest = Decoded<typeof MetadataRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type MetadataResponse = Infer<typeof MetadataResponse>
