/**
 * Fetch (key 1), transcribed from Kafka 3.9's FetchRequest.json / FetchResponse.json.
 */
import { array, int16, int32, int64, int8, message, records, string, struct, uuid, type Decoded, type Infer } from '../schema/index.js'

export const FetchRequest = message({
  name: 'FetchRequest', apiKey: 1, validVersions: '0-17', flexibleVersions: '12+',
  fields: {
    clusterId: string('12+', { nullableVersions: '12+', taggedVersions: '12+', tag: 0, default: null }),
    replicaId: int32('0-14', { default: -1 }),
    replicaState: struct('15+', {
      replicaId: int32('15+', { default: -1 }),
      replicaEpoch: int64('15+', { default: -1 }),
    }, { taggedVersions: '15+', tag: 1 }),
    maxWaitMs: int32('0+'),
    minBytes: int32('0+'),
    maxBytes: int32('3+', { default: 2147483647 }),
    isolationLevel: int8('4+', { default: 0 }),
    sessionId: int32('7+', { default: 0 }),
    sessionEpoch: int32('7+', { default: -1 }),
    topics: array('0+', {
      topic: string('0-12'),
      topicId: uuid('13+'),
      partitions: array('0+', {
        partition: int32('0+'),
        currentLeaderEpoch: int32('9+', { default: -1 }),
        fetchOffset: int64('0+'),
        lastFetchedEpoch: int32('12+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        partitionMaxBytes: int32('0+'),
        replicaDirectoryId: uuid('17+', { taggedVersions: '17+', tag: 0 }),
      }),
    }),
    forgottenTopicsData: array('7+', {
      topic: string('7-12'),
      topicId: uuid('13+'),
      partitions: array('7+', 'int32'),
    }),
    rackId: string('11+', { default: '' }),
  },
})

export const FetchResponse = message({
  name: 'FetchResponse', apiKey: 1, validVersions: '0-17', flexibleVersions: '12+',
  fields: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('7+'),
    sessionId: int32('7+', { default: 0 }),
    responses: array('0+', {
      topic: string('0-12'),
      topicId: uuid('13+'),
      partitions: array('0+', {
        partitionIndex: int32('0+'),
        errorCode: int16('0+'),
        highWatermark: int64('0+'),
        lastStableOffset: int64('4+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        divergingEpoch: struct('12+', {
          epoch: int32('12+', { default: -1 }),
          endOffset: int64('12+', { default: -1 }),
        }, { taggedVersions: '12+', tag: 0 }),
        currentLeader: struct('12+', {
          leaderId: int32('12+', { default: -1 }),
          leaderEpoch: int32('12+', { default: -1 }),
        }, { taggedVersions: '12+', tag: 1 }),
        snapshotId: struct('12+', {
          endOffset: int64('0+', { default: -1 }),
          epoch: int32('0+', { default: -1 }),
        }, { taggedVersions: '12+', tag: 2 }),
        abortedTransactions: array('4+', {
          producerId: int64('4+'),
          firstOffset: int64('4+'),
        }, { nullableVersions: '4+' }),
        preferredReadReplica: int32('11+', { default: -1 }),
        records: records('0+', { nullableVersions: '0+' }),
      }),
    }),
    nodeEndpoints: array('16+', {
      nodeId: int32('16+'),
      host: string('16+'),
      port: int32('16+'),
      rack: string('16+', { nullableVersions: '16+', default: null }),
    }, { taggedVersions: '16+', tag: 0 }),
  },
})

/** What a handler receives. */
export type FetchRequest = Decoded<typeof FetchRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type FetchResponse = Infer<typeof FetchResponse>
