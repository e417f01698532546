import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages/heartbeat.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

/** Heartbeat: keeps the member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
export const handleHeartbeat = defineHandler(HeartbeatRequest, HeartbeatResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const errorCode = await ctx.broker.groups.heartbeat({ groupId: req.groupId, memberId: req.memberId, groupInstanceId: req.groupInstanceId ?? null, generationId: req.generationId })
  return { throttleTimeMs: 0, errorCode }
})
