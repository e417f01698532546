import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages/txn-offset-commit.js'
import { commitPartitionsOf, commitResponseTopics } from '../../coordinator/group-offsets.js'
import { defineHandler } from '../api-handler.js'

/**
 * TxnOffsetCommit: the group coordinator writes the offsets to __consumer_offsets in a batch of the
 * producer's id and epoch, and holds them apart until the transaction's marker reaches that
 * partition: committed, they become the group's; aborted, they are dropped.
 */
export const handleTxnOffsetCommit = defineHandler(TxnOffsetCommitRequest, TxnOffsetCommitResponse, async (req, ctx) => {
  const partitions = commitPartitionsOf(req.topics)
  const results = await ctx.broker.groups.offsets.commit({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    generationId: req.generationId,
    retentionTimeMs: -1,
    partitions,
  }, { producerId: req.producerId, producerEpoch: req.producerEpoch })
  return {
    throttleTimeMs: 0,
    topics: commitResponseTopics(results),
  }
})
