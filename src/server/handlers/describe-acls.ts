import { KafkaError } from '../../errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/messages/describe-acls.js'
import { AclOperation, CLUSTER_NAME, invalidFilterReason, PatternType, ResourceType } from '../../security/acl-binding.js'
import { filterFromWire, requireAuthorizer } from '../acl-apis.js'
import { defineHandler } from '../api-handler.js'

/**
 * DescribeAcls: the stored ACLs the filter matches, grouped by resource pattern (Kafka's
 * AclApis.handleDescribeAcls). Needs Describe on the cluster; SECURITY_DISABLED without an authorizer.
 */
export const handleDescribeAcls = defineHandler(DescribeAclsRequest, DescribeAclsResponse, (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)
  const authorizer = requireAuthorizer(ctx)
  const filter = filterFromWire(req, ctx.apiVersion)
  const invalid = invalidFilterReason(filter)
  if (invalid !== undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, invalid)
  const byPattern = new Map<string, DescribeAclsResponse['resources'][number]>()
  for (const { pattern, entry } of authorizer.acls(filter)) {
    const key = `${pattern.resourceType}\u0000${pattern.patternType}\u0000${pattern.name}`
    let resource = byPattern.get(key)
    if (resource === undefined) byPattern.set(key, resource = { resourceType: pattern.resourceType, resourceName: pattern.name, patternType: pattern.patternType, acls: [] })
    resource.acls.push({ principal: entry.principal, host: entry.host, operation: entry.operation, permissionType: entry.permissionType })
  }
  // below v1 only LITERAL patterns can be told apart (Kafka's DescribeAclsResponse.validate)
  const resources = [...byPattern.values()].filter(r => ctx.apiVersion >= 1 || r.patternType === PatternType.LITERAL)
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources }
})
