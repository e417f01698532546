/**
 * CreateAcls (key 30), transcribed from Kafka 3.9's CreateAclsRequest.json /
 * CreateAclsResponse.json: v1 adds the pattern type, v2 flexible versions, v3 the USER resource type.
 */
import { array, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const CreateAclsRequest = message({
  name: 'CreateAclsRequest', apiKey: 30, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    creations: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      resourcePatternType: int8('1+', { default: 3 }),
      principal: string('0+'),
      host: string('0+'),
      operation: int8('0+'),
      permissionType: int8('0+'),
    }),
  },
})

export const CreateAclsResponse = message({
  name: 'CreateAclsResponse', apiKey: 30, validVersions: '0-3', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
    }),
  },
})

/** What a handler receives. */
export type CreateAclsRequest = Decoded<typeof CreateAclsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type CreateAclsResponse = Infer<typeof CreateAclsResponse>
