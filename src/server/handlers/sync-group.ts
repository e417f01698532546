import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages/sync-group.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

/** SyncGroup: the leader brings the assignment; every member waits for it (parked) and gets its own. */
export const handleSyncGroup = defineHandler(SyncGroupRequest, SyncGroupResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const member = { groupId: req.groupId, memberId: req.memberId, groupInstanceId: req.groupInstanceId ?? null, generationId: req.generationId }
  const assignments = new Map(req.assignments.map(a => [a.memberId, a.assignment]))
  const r = await ctx.broker.groups.syncGroup(member, req.protocolType ?? null, req.protocolName ?? null, assignments)
  return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment }
})
