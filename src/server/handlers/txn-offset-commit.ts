import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages/txn-offset-commit.js'
import { commitPartitionsOf, commitResponseTopics } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { partitionByAuthorized, refusedPartitions } from '../auth-helper.js'

/**
 * TxnOffsetCommit: the group coordinator writes the offsets to __consumer_offsets in a batch of the
 * producer's id and epoch, and holds them apart until the transaction's marker reaches that
 * partition: committed, they become the group's; aborted, they are dropped.
 */
export const handleTxnOffsetCommit = defineHandler(TxnOffsetCommitRequest, TxnOffsetCommitResponse, async (req, ctx) => {
  // KafkaApis.handleTxnOffsetCommitRequest: Write on the transactional id, Read on the group, Read on each topic
  ctx.ensureAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const [readable, unreadable] = partitionByAuthorized(req.topics, t => ctx.authorize(AclOperation.READ, ResourceType.TOPIC, t.name))
  const partitions = commitPartitionsOf(readable)
  const results = partitions.length === 0 ? [] : await ctx.broker.groups.offsets.commit({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    generationId: req.generationId,
    retentionTimeMs: -1,
    partitions,
  }, { producerId: req.producerId, producerEpoch: req.producerEpoch })
  return {
    throttleTimeMs: 0,
    topics: commitResponseTopics([...results, ...refusedPartitions(unreadable)]),
  }
})
