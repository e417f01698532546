/**
 * JoinGroup (key 11), transcribed from Kafka 3.9's JoinGroupRequest.json / JoinGroupResponse.json.
 */
import { array, bool, bytes, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const JoinGroupRequest = message({
  name: 'JoinGroupRequest', apiKey: 11, validVersions: '0-9', flexibleVersions: '6+',
  fields: {
    groupId: string('0+'),
    sessionTimeoutMs: int32('0+'),
    rebalanceTimeoutMs: int32('1+', { default: -1 }),
    memberId: string('0+'),
    groupInstanceId: string('5+', { nullableVersions: '5+', default: null }),
    protocolType: string('0+'),
    protocols: array('0+', {
      name: string('0+'),
      metadata: bytes('0+'),
    }),
    reason: string('8+', { nullableVersions: '8+', default: null }),
  },
})

export const JoinGroupResponse = message({
  name: 'JoinGroupResponse', apiKey: 11, validVersions: '0-9', flexibleVersions: '6+',
  fields: {
    throttleTimeMs: int32('2+'),
    errorCode: int16('0+'),
    generationId: int32('0+', { default: -1 }),
    protocolType: string('7+', { nullableVersions: '7+', default: null }),
    protocolName: string('0+', { nullableVersions: '7+' }),
    leader: string('0+'),
    skipAssignment: bool('9+', { default: false }),
    memberId: string('0+'),
    members: array('0+', {
      memberId: string('0+'),
      groupInstanceId: string('5+', { nullableVersions: '5+', default: null }),
      metadata: bytes('0+'),
    }),
  },
})

/** What a handler receives. */
export type JoinGroupRequest = Decoded<typeof JoinGroupRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type JoinGroupResponse = Infer<typeof JoinGroupResponse>
