/**
 * FindCoordinator (key 10), transcribed from Kafka 3.9's FindCoordinatorRequest.json / FindCoordinatorResponse.json.
 */
import { array, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const FindCoordinatorRequest = message({
  name: 'FindCoordinatorRequest', apiKey: 10, validVersions: '0-6', flexibleVersions: '3+',
  fields: {
    key: string('0-3'),
    keyType: int8('1+', { default: 0 }),
    coordinatorKeys: array('4+', 'string'),
  },
})

export const FindCoordinatorResponse = message({
  name: 'FindCoordinatorResponse', apiKey: 10, validVersions: '0-6', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0-3'),
    errorMessage: string('1-3', { nullableVersions: '1-3' }),
    nodeId: int32('0-3'),
    host: string('0-3'),
    port: int32('0-3'),
    coordinators: array('4+', {
      key: string('4+'),
      nodeId: int32('4+'),
      host: string('4+'),
      port: int32('4+'),
      errorCode: int16('4+'),
      errorMessage: string('4+', { nullableVersions: '4+' }),
    }),
  },
})

/** What a handler receives. */
export type FindCoordinatorRequest = Decoded<typeof FindCoordinatorRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type FindCoordinatorResponse = Infer<typeof FindCoordinatorResponse>
