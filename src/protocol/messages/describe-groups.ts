/**
 * DescribeGroups (key 15), transcribed from Kafka 3.9's DescribeGroupsRequest.json / DescribeGroupsResponse.json.
 */
import { array, bool, bytes, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeGroupsRequest = message({
  name: 'DescribeGroupsRequest', apiKey: 15, validVersions: '0-5', flexibleVersions: '5+',
  fields: {
    groups: array('0+', 'string'),
    includeAuthorizedOperations: bool('3+'),
  },
})

export const DescribeGroupsResponse = message({
  name: 'DescribeGroupsResponse', apiKey: 15, validVersions: '0-5', flexibleVersions: '5+',
  fields: {
    throttleTimeMs: int32('1+'),
    groups: array('0+', {
      errorCode: int16('0+'),
      groupId: string('0+'),
      groupState: string('0+'),
      protocolType: string('0+'),
      protocolData: string('0+'),
      members: array('0+', {
        memberId: string('0+'),
        groupInstanceId: string('4+', { nullableVersions: '4+', default: null }),
        clientId: string('0+'),
        clientHost: string('0+'),
        memberMetadata: bytes('0+'),
        memberAssignment: bytes('0+'),
      }),
      authorizedOperations: int32('3+', { default: -2147483648 }),
    }),
  },
})

/** What a handler receives. */
export type DescribeGroupsRequest = Decoded<typeof DescribeGroupsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeGroupsResponse = Infer<typeof DescribeGroupsResponse>
