import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages/delete-topics.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ZERO_UUID } from '../../protocol/primitives/uuid.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

export const handleDeleteTopics = defineHandler(DeleteTopicsRequest, DeleteTopicsResponse, async (req, ctx) => {
  // v6 names topics by name or id; older versions by name only.
  const wanted = ctx.apiVersion >= 6 ? req.topics.map(t => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map(name => ({ name, topicId: ZERO_UUID }))
  const resolved = wanted.map(w => ({ ...w, byId: w.name === null || w.name === undefined, name: w.name ?? ctx.broker.metadata.topicById(w.topicId)?.name }))
  // KafkaApis.handleDeleteTopicsRequest: Delete on each topic
  const deletable = new Map(resolved.flatMap(w => w.name === undefined ? [] : [[w.name, ctx.authorize(AclOperation.DELETE, ResourceType.TOPIC, w.name)] as const]))
  const named = resolved.flatMap(w => w.name === undefined || deletable.get(w.name) !== true ? [] : [w.name])
  const results = await AdminManager.of(ctx.broker).deleteTopics(named, req.timeoutMs)
  let next = 0
  return {
    throttleTimeMs: 0,
    responses: resolved.map(w => {
      if (w.name === undefined) return { name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: null }
      // asked by id, a refused topic's name is not disclosed
      if (deletable.get(w.name) !== true) return { name: w.byId ? null : w.name, topicId: w.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null }
      const r = results[next++]!
      return { name: w.name, topicId: r.topicId ?? w.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage }
    }),
  }
})
