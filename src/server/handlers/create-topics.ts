import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages/create-topics.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ZERO_UUID } from '../../protocol/primitives/uuid.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'

export const handleCreateTopics = defineHandler(CreateTopicsRequest, CreateTopicsResponse, async (req, ctx) => {
  const admin = new AdminManager(ctx.broker)
  const counts = new Map<string, number>()
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
  const topics = await Promise.all(req.topics.map(async t => {
    if ((counts.get(t.name) ?? 0) > 1) return { name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Create topics request from client contains a duplicate topic.' }
    const configs: Record<string, string> = {}
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value
    const result = await admin.createTopic({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: new Map(t.assignments.map(a => [a.partitionIndex, a.brokerIds])),
      configs,
    }, req.timeoutMs, req.validateOnly)
    const ok = result.errorCode === ErrorCode.NONE
    return {
      name: t.name,
      topicId: result.topicId ?? ZERO_UUID,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      numPartitions: ok ? (t.numPartitions === -1 ? ctx.broker.config.values['num.partitions'] : t.numPartitions) : -1,
      replicationFactor: ok ? (t.replicationFactor === -1 ? ctx.broker.config.values['default.replication.factor'] : t.replicationFactor) : -1,
      configs: null,
    }
  }))
  return { throttleTimeMs: 0, topics }
})
