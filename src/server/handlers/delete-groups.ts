import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/delete-groups.js'
import { defineHandler } from '../api-handler.js'

/** DeleteGroups: only Empty groups (NON_EMPTY_GROUP otherwise); their offsets go too, as tombstones. */
export const handleDeleteGroups = defineHandler(DeleteGroupsRequest, DeleteGroupsResponse, async (req, ctx) => ({
  throttleTimeMs: 0,
  results: await Promise.all(req.groupsNames.map(async groupId => ({ groupId, errorCode: await ctx.broker.groups.deleteGroup(groupId) }))),
}))
