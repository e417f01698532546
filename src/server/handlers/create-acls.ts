import { CreateAclsRequest, CreateAclsResponse } from '../../protocol/messages/create-acls.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { bindingFromWire, requireAuthorizer } from '../acl-apis.js'
import { defineHandler } from '../api-handler.js'

/**
 * CreateAcls: stores each ACL (Kafka's AclApis.handleCreateAcls), one result each. Needs Alter on
 * the cluster; SECURITY_DISABLED without an authorizer.
 */
export const handleCreateAcls = defineHandler(CreateAclsRequest, CreateAclsResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)
  const authorizer = requireAuthorizer(ctx)
  return { throttleTimeMs: 0, results: await authorizer.createAcls(req.creations.map(c => bindingFromWire(c, ctx.apiVersion))) }
})

