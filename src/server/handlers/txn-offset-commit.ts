import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages/txn-offset-commit.js'
import { commitPartitionsOf, commitResponseTopics } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { partitionByAuthorized, refusedPartitions } from '../auth-helper.js'

/**
 * TxnOffsetCommit: the group coordinator writes the offsets to __consumer_offsets in a batch of the
 * producer's id and epoch, and holds them apart until the transaction's marker reaches that
 * partition: committed, they become the group's; aborted, they are dropped. With
 * transaction.partition.verification.enable (KIP-890, Kafka 3.7+), the partition must be in the
 * producer's transaction first (AddOffsetsToTxn): otherwise INVALID_TXN_STATE, nothing written.
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
  }, {
    producerId: req.producerId,
    producerEpoch: req.producerEpoch,
    // read per request: a dynamic cluster-wide config
    verify: ctx.broker.config.values['transaction.partition.verification.enable']
      ? async (guard, tp) => await ctx.broker.transactionVerifier.verify(guard, { transactionalId: req.transactionalId, producerId: req.producerId, producerEpoch: req.producerEpoch, tp })
      : undefined,
  })
  return {
    throttleTimeMs: 0,
    topics: commitResponseTopics([...results, ...refusedPartitions(unreadable)]),
  }
})
