import { ErrorCode } from '../../protocol/error-codes.js'
import { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/messages/delete-acls.js'
import { AclOperation, CLUSTER_NAME, invalidFilterReason, ResourceType } from '../../security/acl-binding.js'
import { filterFromWire, requireAuthorizer } from '../acl-apis.js'
import { defineHandler } from '../api-handler.js'

/**
 * DeleteAcls: removes every stored ACL each filter matches, answering per filter with the ACLs it
 * removed (Kafka's AclApis.handleDeleteAcls). Needs Alter on the cluster; SECURITY_DISABLED
 * without an authorizer.
 */
export const handleDeleteAcls = defineHandler(DeleteAclsRequest, DeleteAclsResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)
  const authorizer = requireAuthorizer(ctx)
  const filters = req.filters.map(f => filterFromWire(f, ctx.apiVersion))
  const invalid = filters.map(invalidFilterReason)
  const results = await authorizer.deleteAcls(filters.filter((_, i) => invalid[i] === undefined))
  let next = 0
  return {
    throttleTimeMs: 0,
    filterResults: invalid.map(reason => {
      if (reason !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason, matchingAcls: [] }
      const r = results[next++]!
      return {
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.deleted.map(({ pattern, entry }) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: pattern.resourceType,
          resourceName: pattern.name,
          patternType: pattern.patternType,
          principal: entry.principal,
          host: entry.host,
          operation: entry.operation,
          permissionType: entry.permissionType,
        })),
      }
    }),
  }
})
