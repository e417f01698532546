import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/list-groups.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/** ListGroups: the groups this broker coordinates (clients ask every broker); v4 filters by state. */
export const handleListGroups = defineHandler(ListGroupsRequest, ListGroupsResponse, (req, ctx) => {
  const { errorCode, groups } = ctx.broker.groups.listGroups()
  // KafkaApis.handleListGroupsRequest: Describe on the cluster shows every group, else those the principal may Describe
  const all = ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, { logIfDenied: false })
  const states = ctx.apiVersion >= 4 && req.statesFilter.length > 0 ? new Set(req.statesFilter) : null
  return {
    throttleTimeMs: 0,
    errorCode,
    groups: groups
      .filter(g => (states === null || states.has(g.state)) && (all || ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, { logIfDenied: false })))
      .map(g => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state })),
  }
}, { max: 4 })
