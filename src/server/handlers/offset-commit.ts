import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/offset-commit.js'
import { commitPartitionsOf, commitResponseTopics } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { partitionByAuthorized, refusedPartitions } from '../auth-helper.js'

/**
 * OffsetCommit: v1+ through the group coordinator into __consumer_offsets (acks=-1); v0 into
 * ZooKeeper as Kafka 0.8.1 did. v9 (KIP-848 member epochs) is not served.
 */
export const handleOffsetCommit = defineHandler(OffsetCommitRequest, OffsetCommitResponse, async (req, ctx) => {
  // KafkaApis.handleOffsetCommitRequest: Read on the group, then Read on each topic
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const [readable, unreadable] = partitionByAuthorized(req.topics, t => ctx.authorize(AclOperation.READ, ResourceType.TOPIC, t.name))
  const partitions = commitPartitionsOf(ctx.apiVersion === 1 ? readable : readable.map(t => ({ ...t, partitions: t.partitions.map(p => ({ ...p, commitTimestamp: -1 })) })))
  const offsets = ctx.broker.groups.offsets
  const results = partitions.length === 0 ? [] : ctx.apiVersion === 0
    ? await offsets.commitToZooKeeper(req.groupId, partitions)
    : await offsets.commit({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      generationId: req.generationIdOrMemberEpoch,
      retentionTimeMs: ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? req.retentionTimeMs : -1,
      partitions,
    })
  return {
    throttleTimeMs: 0,
    topics: commitResponseTopics([...results, ...refusedPartitions(unreadable)]),
  }
}, { max: 8 })
