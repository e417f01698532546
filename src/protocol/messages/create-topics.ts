/**
 * CreateTopics (key 19), transcribed from Kafka 3.9's CreateTopicsRequest.json / CreateTopicsResponse.json.
 */
import { array, bool, int16, int32, int8, message, string, uuid, type Decoded, type Infer } from '../schema/index.js'

export const CreateTopicsRequest = message({
  name: 'CreateTopicsRequest', apiKey: 19, validVersions: '0-7', flexibleVersions: '5+',
  fields: {
    topics: array('0+', {
      name: string('0+'),
      numPartitions: int32('0+'),
      replicationFactor: int16('0+'),
      assignments: array('0+', {
        partitionIndex: int32('0+'),
        brokerIds: array('0+', 'int32'),
      }),
      configs: array('0+', {
        name: string('0+'),
        value: string('0+', { nullableVersions: '0+' }),
      }),
    }),
    timeoutMs: int32('0+', { default: 60000 }),
    validateOnly: bool('1+', { default: false }),
  },
})

export const CreateTopicsResponse = message({
  name: 'CreateTopicsResponse', apiKey: 19, validVersions: '0-7', flexibleVersions: '5+',
  fields: {
    throttleTimeMs: int32('2+'),
    topics: array('0+', {
      name: string('0+'),
      topicId: uuid('7+'),
      errorCode: int16('0+'),
      errorMessage: string('1+', { nullableVersions: '0+' }),
      topicConfigErrorCode: int16('5+', { taggedVersions: '5+', tag: 0 }),
      numPartitions: int32('5+', { default: -1 }),
      replicationFactor: int16('5+', { default: -1 }),
      configs: array('5+', {
        name: string('5+'),
        value: string('5+', { nullableVersions: '5+' }),
        readOnly: bool('5+'),
        configSource: int8('5+', { default: -1 }),
        isSensitive: bool('5+'),
      }, { nullableVersions: '5+' }),
    }),
  },
})

/** What a handler receives. */
export type CreateTopicsRequest = Decoded<typeof CreateTopicsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type CreateTopicsResponse = Infer<typeof CreateTopicsResponse>
