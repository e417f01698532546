/**
 * DeleteGroups (key 42), transcribed from Kafka 3.9's DeleteGroupsRequest.json / DeleteGroupsResponse.json.
 */
import { array, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DeleteGroupsRequest = message({
  name: 'DeleteGroupsRequest', apiKey: 42, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    groupsNames: array('0+', 'string'),
  },
})

export const DeleteGroupsResponse = message({
  name: 'DeleteGroupsResponse', apiKey: 42, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      groupId: string('0+'),
      errorCode: int16('0+'),
    }),
  },
})

/** What a handler receives. */
export type DeleteGroupsRequest = Decoded<typeof DeleteGroupsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DeleteGroupsResponse = Infer<typeof DeleteGroupsResponse>
