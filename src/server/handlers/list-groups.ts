import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/list-groups.js'
import { defineHandler } from '../api-handler.js'

/** ListGroups: the groups this broker coordinates (clients ask every broker); v4 filters by state. */
export const handleListGroups = defineHandler(ListGroupsRequest, ListGroupsResponse, (req, ctx) => {
  const { errorCode, groups } = ctx.broker.groups.listGroups()
  const states = ctx.apiVersion >= 4 && req.statesFilter.length > 0 ? new Set(req.statesFilter) : null
  return {
    throttleTimeMs: 0,
    errorCode,
    groups: groups
      .filter(g => states === null || states.has(g.state))
      .map(g => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state })),
  }
}, { max: 4 })
