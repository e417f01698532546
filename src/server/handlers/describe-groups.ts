import { ErrorCode } from '../../protocol/error-codes.js'
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/describe-groups.js'
import { metadataFor } from '../../coordinator/member.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

const NO_BYTES = Buffer.alloc(0)

/**
 * DescribeGroups: state, protocol and members of each group; subscriptions, assignments and the
 * protocol name only while Stable (Kafka's GroupMetadata.summary). Unknown groups are Dead. A group
 * named again in the same request is answered INVALID_REQUEST instead of described again: every
 * repeat would copy each member's metadata into the answer, so a few request bytes could ask for
 * megabytes.
 */
export const handleDescribeGroups = defineHandler(DescribeGroupsRequest, DescribeGroupsResponse, (req, ctx) => {
  const described = new Set<string>()
  return {
    throttleTimeMs: 0,
    groups: req.groups.map(groupId => {
      if (described.has(groupId)) return { ...empty(groupId), errorCode: ErrorCode.INVALID_REQUEST, groupState: '' }
      described.add(groupId)
      if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { ...empty(groupId), errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupState: '' }
      const answer = describe(groupId, ctx)
      // KIP-430: what the principal may do with the group, when asked
      if (ctx.apiVersion >= 3 && req.includeAuthorizedOperations && answer.errorCode === ErrorCode.NONE) answer.authorizedOperations = ctx.authorizedOperations(ResourceType.GROUP, groupId)
      return answer
    }),
  }
})

function describe (groupId: string, ctx: RequestContext): DescribeGroupsResponse['groups'][number] {
  const { errorCode, group } = ctx.broker.groups.describeGroup(groupId)
  if (errorCode !== ErrorCode.NONE) return { ...empty(groupId), errorCode, groupState: '' }
  if (group === undefined) return { ...empty(groupId), errorCode, groupState: 'Dead' }
  const stable = group.state === 'Stable'
  return {
    errorCode,
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? group.protocolName ?? '' : '',
    members: [...group.members.values()].map(m => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? metadataFor(m, group.protocolName) : NO_BYTES,
      memberAssignment: stable ? m.assignment : NO_BYTES,
    })),
  }
}

function empty (groupId: string): { groupId: string, protocolType: string, protocolData: string, members: [] } {
  return { groupId, protocolType: '', protocolData: '', members: [] }
}
