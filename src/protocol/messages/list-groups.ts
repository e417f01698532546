/**
 * ListGroups (key 16), transcribed from Kafka 3.9's ListGroupsRequest.json / ListGroupsResponse.json.
 */
import { array, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ListGroupsRequest = message({
  name: 'ListGroupsRequest', apiKey: 16, validVersions: '0-5', flexibleVersions: '3+',
  fields: {
    statesFilter: array('4+', 'string'),
    typesFilter: array('5+', 'string'),
  },
})

export const ListGroupsResponse = message({
  name: 'ListGroupsResponse', apiKey: 16, validVersions: '0-5', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32('1+'),
    errorCode: int16('0+'),
    groups: array('0+', {
      groupId: string('0+'),
      protocolType: string('0+'),
      groupState: string('4+'),
      groupType: string('5+'),
    }),
  },
})

/** What a handler receives. */
export type ListGroupsRequest = Decoded<typeof ListGroupsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type ListGroupsResponse = Infer<typeof ListGroupsResponse>
