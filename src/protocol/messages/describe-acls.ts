/**
 * DescribeAcls (key 29), transcribed from Kafka 3.9's DescribeAclsRequest.json /
 * DescribeAclsResponse.json: v1 adds the pattern type, v2 flexible versions, v3 the USER resource type.
 */
import { array, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeAclsRequest = message({
  name: 'DescribeAclsRequest', apiKey: 29, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    resourceTypeFilter: int8('0+'),
    resourceNameFilter: string('0+', { nullableVersions: '0+' }),
    patternTypeFilter: int8('1+', { default: 3 }),
    principalFilter: string('0+', { nullableVersions: '0+' }),
    hostFilter: string('0+', { nullableVersions: '0+' }),
    operation: int8('0+'),
    permissionType: int8('0+'),
  },
})

export const DescribeAclsResponse = message({
  name: 'DescribeAclsResponse', apiKey: 29, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+' }),
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      patternType: int8('1+', { default: 3 }),
      acls: array('0+', {
        principal: string('0+'),
        host: string('0+'),
        operation: int8('0+'),
        permissionType: int8('0+'),
      }),
    }),
  },
})

/** What a handler receives. */
export type DescribeAclsRequest = Decoded<typeof DescribeAclsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeAclsResponse = Infer<typeof DescribeAclsResponse>
