import { ErrorCode } from '../../protocol/error-codes.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/create-partitions.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { partitionByAuthorized } from '../auth-helper.js'

export const handleCreatePartitions = defineHandler(CreatePartitionsRequest, CreatePartitionsResponse, async (req, ctx) => {
  // KafkaApis.handleCreatePartitionsRequest: Alter on each topic
  const [allowed, refused] = partitionByAuthorized(req.topics, t => ctx.authorize(AclOperation.ALTER, ResourceType.TOPIC, t.name))
  const results = await AdminManager.of(ctx.broker).createPartitions(
    allowed.map(t => ({ name: t.name, count: t.count, assignments: t.assignments?.map(a => a.brokerIds) ?? null })),
    req.timeoutMs, req.validateOnly)
  const outcomes = new Map([
    ...allowed.map((t, i) => [t, results[i]!] as const),
    ...refused.map(t => [t, { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null }] as const),
  ])
  return { throttleTimeMs: 0, results: req.topics.map(t => ({ name: t.name, errorCode: outcomes.get(t)!.errorCode, errorMessage: outcomes.get(t)!.errorMessage })) }
})
