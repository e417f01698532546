import { ErrorCode } from '../../protocol/error-codes.js'
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/messages/add-partitions-to-txn.js'
import type { TopicPartitionRef } from '../../coordinator/transaction-state.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { fencedForVersion } from './transaction-errors.js'

type TopicResult = NonNullable<AddPartitionsToTxnResponse['resultsByTopicV3AndBelow']>[number]

/**
 * AddPartitionsToTxn (Kafka's KafkaApis.handleAddPartitionsToTxnRequest). v0-3, a client's: a
 * partition the cluster does not know is UNKNOWN_TOPIC_OR_PARTITION and the others
 * OPERATION_NOT_ATTEMPTED; otherwise the coordinator's one answer for all. v4, a leader's batch of
 * transactions: with VerifyOnly, whether each partition is in the ongoing transaction.
 */
export const handleAddPartitionsToTxn = defineHandler(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, async (req, ctx) => {
  // v4 comes from partition leaders verifying (KIP-890): ClusterAction; v0-3 from the producer
  if (ctx.apiVersion >= 4) ctx.ensureAuthorized(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)
  if (ctx.apiVersion < 4) {
    const topics = await addOne(ctx, req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, req.v3AndBelowTopics, false)
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: topics }
  }
  const resultsByTransaction = await Promise.all(req.transactions.map(async t => ({
    transactionalId: t.transactionalId,
    topicResults: await addOne(ctx, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly),
  })))
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction }
})

async function addOne (ctx: RequestContext, transactionalId: string, producerId: number, producerEpoch: number, topics: ReadonlyArray<{ name: string, partitions: readonly number[] }>, verifyOnly: boolean): Promise<TopicResult[]> {
  const partitions: TopicPartitionRef[] = topics.flatMap(t => t.partitions.map(partition => ({ topic: t.name, partition })))
  const req = { transactionalId, producerId, producerEpoch }
  let codes: Map<TopicPartitionRef, number>
  // KafkaApis: Write on the transactional id, then on each topic; with one topic refused, the rest are not attempted
  const refusedTopics = verifyOnly ? new Set<string>() : new Set(topics.filter(t => !ctx.authorize(AclOperation.WRITE, ResourceType.TOPIC, t.name)).map(t => t.name))
  if (!verifyOnly && !ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
    codes = new Map(partitions.map(tp => [tp, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]))
  } else if (refusedTopics.size > 0) {
    codes = new Map(partitions.map(tp => [tp, refusedTopics.has(tp.topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED]))
  } else if (verifyOnly) {
    codes = new Map(ctx.broker.transactions.verifyPartitions(req, partitions).map(r => [r.tp, r.errorCode]))
  } else {
    const unknown = new Set(partitions.filter(tp => ctx.broker.metadata.partition(tp.topic, tp.partition) === undefined))
    if (unknown.size > 0) {
      codes = new Map(partitions.map(tp => [tp, unknown.has(tp) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED]))
    } else {
      const errorCode = fencedForVersion(await ctx.broker.transactions.addPartitions(req, partitions), ctx.apiVersion, 2)
      codes = new Map(partitions.map(tp => [tp, errorCode]))
    }
  }
  // partitions are in request order: each topic takes the next as many as it named (linear, whatever a request names)
  let next = 0
  return topics.map(t => ({
    name: t.name,
    resultsByPartition: partitions.slice(next, next += t.partitions.length).map(tp => ({ partitionIndex: tp.partition, partitionErrorCode: codes.get(tp) ?? ErrorCode.UNKNOWN_SERVER_ERROR })),
  }))
}
