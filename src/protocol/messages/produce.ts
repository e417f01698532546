/**
 * Produce (key 0), transcribed from Kafka 3.9's ProduceRequest.json / ProduceResponse.json.
 */
import { array, int16, int32, int64, message, records, string, struct, type Decoded, type Infer } from '../schema/index.js'

export const ProduceRequest = message({
  name: 'ProduceRequest', apiKey: 0, validVersions: '0-11', flexibleVersions: '9+',
  fields: {
    transactionalId: string('3+', { nullableVersions: '3+', default: null }),
    acks: int16('0+'),
    timeoutMs: int32('0+'),
    topicData: array('0+', {
      name: string('0+'),
      partitionData: array('0+', {
        index: int32('0+'),
        records: records('0+', { nullableVersions: '0+' }),
      }),
    }),
  },
})

export const ProduceResponse = message({
  name: 'ProduceResponse', apiKey: 0, validVersions: '0-11', flexibleVersions: '9+',
  fields: {
    responses: array('0+', {
      name: string('0+'),
      partitionResponses: array('0+', {
        index: int32('0+'),
        errorCode: int16('0+'),
        baseOffset: int64('0+'),
        logAppendTimeMs: int64('2+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        recordErrors: array('8+', {
          batchIndex: int32('8+'),
          batchIndexErrorMessage: string('8+', { nullableVersions: '8+', default: null }),
        }),
        errorMessage: string('8+', { nullableVersions: '8+', default: null }),
        currentLeader: struct('10+', {
          leaderId: int32('10+', { default: -1 }),
          leaderEpoch: int32('10+', { default: -1 }),
        }, { taggedVersions: '10+', tag: 0 }),
      }),
    }),
    throttleTimeMs: int32('1+', { default: 0 }),
    nodeEndpoints: array('10+', {
      nodeId: int32('10+'),
      host: string('10+'),
      port: int32('10+'),
      rack: string('10+', { nullableVersions: '10+', default: null }),
    }, { taggedVersions: '10+', tag: 0 }),
  },
})

/** What a handler receives. */
export type ProduceRequest = Decoded<typeof ProduceRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type ProduceResponse = Infer<typeof ProduceResponse>
