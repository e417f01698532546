import { ErrorCode } from '../../protocol/error-codes.js'
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/describe-groups.js'
import { metadataFor } from '../../coordinator/member.js'
import { defineHandler } from '../api-handler.js'

const NO_BYTES = Buffer.alloc(0)

/**
 * DescribeGroups: state, protocol and members of each group; subscriptions, assignments and the
 * protocol name only while Stable (Kafka's GroupMetadata.summary). Unknown groups are Dead.
 */
export const handleDescribeGroups = defineHandler(DescribeGroupsRequest, DescribeGroupsResponse, (req, ctx) => ({
  throttleTimeMs: 0,
  groups: req.groups.map(groupId => {
    const { errorCode, group } = ctx.broker.groups.describeGroup(groupId)
    const empty = { groupId, protocolType: '', protocolData: '', members: [] }
    if (errorCode !== ErrorCode.NONE) return { ...empty, errorCode, groupState: '' }
    if (group === undefined) return { ...empty, errorCode, groupState: 'Dead' }
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
  }),
}))
