import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/offset-commit.js'
import { commitPartitionsOf, commitResponseTopics } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'

/**
 * OffsetCommit: v1+ through the group coordinator into __consumer_offsets (acks=-1); v0 into
 * ZooKeeper as Kafka 0.8.1 did. v9 (KIP-848 member epochs) is not served.
 */
export const handleOffsetCommit = defineHandler(OffsetCommitRequest, OffsetCommitResponse, async (req, ctx) => {
  const partitions = commitPartitionsOf(ctx.apiVersion === 1 ? req.topics : req.topics.map(t => ({ ...t, partitions: t.partitions.map(p => ({ ...p, commitTimestamp: -1 })) })))
  const offsets = ctx.broker.groups.offsets
  const results = ctx.apiVersion === 0
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
    topics: commitResponseTopics(results),
  }
}, { max: 8 })
