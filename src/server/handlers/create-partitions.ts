import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/create-partitions.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'

export const handleCreatePartitions = defineHandler(CreatePartitionsRequest, CreatePartitionsResponse, async (req, ctx) => {
  const admin = new AdminManager(ctx.broker)
  const results = await Promise.all(req.topics.map(async t => {
    const r = await admin.createPartitions(t.name, t.count, t.assignments?.map(a => a.brokerIds) ?? null, req.timeoutMs, req.validateOnly)
    return { name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage }
  }))
  return { throttleTimeMs: 0, results }
})
