/**
 * DeleteAcls (key 31), transcribed from Kafka 3.9's DeleteAclsRequest.json /
 * DeleteAclsResponse.json: v1 adds the pattern type, v2 flexible versions, v3 the USER resource type.
 */
import { array, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DeleteAclsRequest = message({
  name: 'DeleteAclsRequest', apiKey: 31, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    filters: array('0+', {
      resourceTypeFilter: int8('0+'),
      resourceNameFilter: string('0+', { nullableVersions: '0+' }),
      patternTypeFilter: int8('1+', { default: 3 }),
      principalFilter: string('0+', { nullableVersions: '0+' }),
      hostFilter: string('0+', { nullableVersions: '0+' }),
      operation: int8('0+'),
      permissionType: int8('0+'),
    }),
  },
})

export const DeleteAclsResponse = message({
  name: 'DeleteAclsResponse', apiKey: 31, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    filterResults: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
      matchingAcls: array('0+', {
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullableVersions: '0+' }),
        resourceType: int8('0+'),
        resourceName: string('0+'),
        patternType: int8('1+', { default: 3 }),
        principal: string('0+'),
        host: string('0+'),
        operation: int8('0+'),
        permissionType: int8('0+'),
      }),
    }),
  },
})

/** What a handler receives. */
export type DeleteAclsRequest = Decoded<typeof DeleteAclsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DeleteAclsResponse = Infer<typeof DeleteAclsResponse>
