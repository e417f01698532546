import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/offset-delete.js'
import { byTopic } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'

/** OffsetDelete (KIP-496): removes committed offsets of topics the group no longer subscribes to. */
export const handleOffsetDelete = defineHandler(OffsetDeleteRequest, OffsetDeleteResponse, async (req, ctx) => {
  const partitions = req.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex })))
  const r = await ctx.broker.groups.offsets.delete(req.groupId, partitions)
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    topics: byTopic(r.partitions).map(t => ({ name: t.topic, partitions: t.partitions.map(p => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
  }
})
