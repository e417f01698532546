import { ErrorCode } from '../../protocol/error-codes.js'
import { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages/leave-group.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

/** LeaveGroup: v0-v2 one member (its error is the response's), v3+ a batch with per-member errors. */
export const handleLeaveGroup = defineHandler(LeaveGroupRequest, LeaveGroupResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const batched = ctx.apiVersion >= 3
  const leaving = batched ? req.members.map(m => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null })) : [{ memberId: req.memberId, groupInstanceId: null }]
  const r = await ctx.broker.groups.leaveGroup(req.groupId, leaving)
  const errorCode = r.errorCode !== ErrorCode.NONE || batched ? r.errorCode : r.members[0]?.errorCode ?? ErrorCode.NONE
  return { throttleTimeMs: 0, errorCode, members: r.members }
})
