/**
 * SyncGroup (key 14), transcribed from Kafka 3.9's SyncGroupRequest.json / SyncGroupResponse.json.
 */
import { array, bytes, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const SyncGroupRequest = message({
  name: 'SyncGroupRequest', apiKey: 14, validVersions: '0-5', flexibleVersions: '4+',
  fields: {
    groupId: string('0+'),
    generationId: int32('0+'),
    memberId: string('0+'),
    groupInstanceId: string('3+', { nullableVersions: '3+', default: null }),
    protocolType: string('5+', { nullableVersions: '5+', default: null }),
    protocolName: string('5+', { nullableVersions: '5+', default: null }),
    assignments: array('0+', {
      memberId: string('0+'),
      assignment: bytes('0+'),
    }),
  },
})

export const SyncGroupResponse = message({
  name: 'SyncGroupResponse', apiKey: 14, validVersions: '0-5', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
    protocolType: string('5+', { nullableVersions: '5+', default: null }),
    protocolName: string('5+', { nullableVersions: '5+', default: null }),
    assignment: bytes('0+'),
  },
})

/** What a handler receives. */
export type SyncGroupRequest = Decoded<typeof SyncGroupRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type SyncGroupResponse = Infer<typeof SyncGroupResponse>
