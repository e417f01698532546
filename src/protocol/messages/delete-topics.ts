/**
 * DeleteTopics (key 20), transcribed from Kafka 3.9's DeleteTopicsRequest.json / DeleteTopicsResponse.json.
 */
import { array, int16, int32, message, string, uuid, type Decoded, type Infer } from '../schema/index.js'

export const DeleteTopicsRequest = message({
  name: 'DeleteTopicsRequest', apiKey: 20, validVersions: '0-6', flexibleVersions: '4+',
  fields: {
    topics: array('6+', {
      name: string('6+', { nullableVersions: '6+', default: null }),
      topicId: uuid('6+'),
    }),
    topicNames: array('0-5', 'string'),
    timeoutMs: int32('0+'),
  },
})

export const DeleteTopicsResponse = message({
  name: 'DeleteTopicsResponse', apiKey: 20, validVersions: '0-6', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32('1+'),
    responses: array('0+', {
      name: string('0+', { nullableVersions: '6+' }),
      topicId: uuid('6+'),
      errorCode: int16('0+'),
      errorMessage: string('5+', { nullableVersions: '5+', default: null }),
    }),
  },
})

/** What a handler receives. */
export type DeleteTopicsRequest = Decoded<typeof DeleteTopicsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DeleteTopicsResponse = Infer<typeof DeleteTopicsResponse>
