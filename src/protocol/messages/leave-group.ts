/**
 * LeaveGroup (key 13), transcribed from Kafka 3.9's LeaveGroupRequest.json / LeaveGroupResponse.json.
 */
import { array, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const LeaveGroupRequest = message({
  name: 'LeaveGroupRequest', apiKey: 13, validVersions: '0-5', flexibleVersions: '4+',
  fields: {
    groupId: string('0+'),
    memberId: string('0-2'),
    members: array('3+', {
      memberId: string('3+'),
      groupInstanceId: string('3+', { nullableVersions: '3+', default: null }),
      reason: string('5+', { nullableVersions: '5+', default: null }),
    }),
  },
})

export const LeaveGroupResponse = message({
  name: 'LeaveGroupResponse', apiKey: 13, validVersions: '0-5', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
    members: array('3+', {
      memberId: string('3+'),
      groupInstanceId: string('3+', { nullableVersions: '3+' }),
      errorCode: int16('3+'),
    }),
  },
})

/** What a handler receives. */
export type LeaveGroupRequest = Decoded<typeof LeaveGroupRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type LeaveGroupResponse = Infer<typeof LeaveGroupResponse>
