import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/delete-groups.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { ErrorCode } from '../../protocol/error-codes.js'

/** DeleteGroups: only Empty groups (NON_EMPTY_GROUP otherwise); their offsets go too, as tombstones. */
export const handleDeleteGroups = defineHandler(DeleteGroupsRequest, DeleteGroupsResponse, async (req, ctx) => ({
  throttleTimeMs: 0,
  results: await Promise.all(req.groupsNames.map(async groupId => ({
    groupId,
    errorCode: ctx.authorize(AclOperation.DELETE, ResourceType.GROUP, groupId) ? await ctx.broker.groups.deleteGroup(groupId) : ErrorCode.GROUP_AUTHORIZATION_FAILED,
  }))),
}))
