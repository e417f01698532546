/**
 * Heartbeat (key 12), transcribed from Kafka 3.9's HeartbeatRequest.json / HeartbeatResponse.json.
 */
import { int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const HeartbeatRequest = message({
  name: 'HeartbeatRequest', apiKey: 12, validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    groupId: string('0+'),
    generationId: int32('0+'),
    memberId: string('0+'),
    groupInstanceId: string('3+', { nullableVersions: '3+', default: null }),
  },
})

export const HeartbeatResponse = message({
  name: 'HeartbeatResponse', apiKey: 12, validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
  },
})

/** What a handler receives. */
export type HeartbeatRequest = Decoded<typeof HeartbeatRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type HeartbeatResponse = Infer<typeof HeartbeatResponse>
