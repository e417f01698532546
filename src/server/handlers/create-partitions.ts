import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/create-partitions.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'

export const handleCreatePartitions = defineHandler(CreatePartitionsRequest, CreatePartitionsResponse, async (req, ctx) => {
  const results = await AdminManager.of(ctx.broker).createPartitions(
    req.topics.map(t => ({ name: t.name, count: t.count, assignments: t.assignments?.map(a => a.brokerIds) ?? null })),
    req.timeoutMs, req.validateOnly)
  return { throttleTimeMs: 0, results: req.topics.map((t, i) => ({ name: t.name, errorCode: results[i]!.errorCode, errorMessage: results[i]!.errorMessage })) }
})
