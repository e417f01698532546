import { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages/join-group.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

/**
 * JoinGroup: parked at the coordinator until the join phase ends; the leader's answer carries
 * every member's subscription. v4+ gets MEMBER_ID_REQUIRED first (KIP-394); v0 has no rebalance
 * timeout, so the session timeout stands in for it.
 */
export const handleJoinGroup = defineHandler(JoinGroupRequest, JoinGroupResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const r = await ctx.broker.groups.joinGroup({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    clientId: ctx.header.clientId ?? '',
    clientHost: `/${ctx.connection.socket.remoteAddress ?? ''}`,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: ctx.apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    requireKnownMemberId: ctx.apiVersion >= 4,
  })
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: ctx.apiVersion >= 7 ? r.protocolName : r.protocolName ?? '',
    leader: r.leaderId,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  }
})
