import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages/delete-topics.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ZERO_UUID } from '../../protocol/primitives/uuid.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'

export const handleDeleteTopics = defineHandler(DeleteTopicsRequest, DeleteTopicsResponse, async (req, ctx) => {
  const admin = new AdminManager(ctx.broker)
  // v6 names topics by name or id; older versions by name only.
  const wanted = ctx.apiVersion >= 6 ? req.topics.map(t => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map(name => ({ name, topicId: ZERO_UUID }))
  const responses = await Promise.all(wanted.map(async w => {
    const name = w.name ?? ctx.broker.metadata.topicById(w.topicId)?.name
    if (name === undefined) return { name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: null }
    const r = await admin.deleteTopic(name, req.timeoutMs)
    return { name, topicId: r.topicId ?? w.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage }
  }))
  return { throttleTimeMs: 0, responses }
})
