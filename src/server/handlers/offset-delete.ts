import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/offset-delete.js'
import { byTopic } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { partitionByAuthorized } from '../auth-helper.js'

/** OffsetDelete (KIP-496): removes committed offsets of topics the group no longer subscribes to. */
export const handleOffsetDelete = defineHandler(OffsetDeleteRequest, OffsetDeleteResponse, async (req, ctx) => {
  // KafkaApis.handleOffsetDeleteRequest: Delete on the group, Read on each topic
  ctx.ensureAuthorized(AclOperation.DELETE, ResourceType.GROUP, req.groupId)
  const [readable, unreadable] = partitionByAuthorized(req.topics, t => ctx.authorize(AclOperation.READ, ResourceType.TOPIC, t.name))
  const partitions = readable.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex })))
  const r = await ctx.broker.groups.offsets.delete(req.groupId, partitions)
  r.partitions.push(...unreadable.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }))))
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    topics: byTopic(r.partitions).map(t => ({ name: t.topic, partitions: t.partitions.map(p => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
  }
})
