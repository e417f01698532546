import { isInternalTopic } from '../../cluster/topic-name.js'
import { KafkaError } from '../../errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ProduceRequest, ProduceResponse } from '../../protocol/messages/produce.js'
import { delayedProduce } from '../../replication/delayed-produce.js'
import type { Partition, ProduceResult } from '../../replication/partition.js'
import { magicOf } from '../../protocol/records/legacy-message-set.js'
import { RECORD_BATCH_HEADER_BYTES, RecordBatch } from '../../protocol/records/record-batch.js'
import type { TransactionVerification } from '../../storage/partition-log.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

type PartitionAnswer = ProduceResponse['responses'][number]['partitionResponses'][number]

/** Kafka's AdminUtils.AdminClientId: the client id allowed to write internal topics. */
const ADMIN_CLIENT_ID = '__admin_client'

/**
 * Produce: batches are validated and appended as raw bytes with no await before the append, so
 * pipelined requests on one connection land in order. acks=0 sends nothing back; acks=1 answers
 * after the local append; acks=all waits until the high watermark covers the batch (delayed produce).
 */
export const handleProduce = defineHandler(ProduceRequest, ProduceResponse, async (req, ctx) => {
  const throttleTimeMs = bandwidthThrottle(ctx)
  const acks = req.acks
  const waits: Array<Promise<void>> = []
  // Once per request: a leader whose ZooKeeper view may be stale accepts nothing (MetadataCache.isCurrent).
  const current = ctx.broker.metadata.isCurrent()
  if (req.transactionalId !== null && req.transactionalId !== undefined && !ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
    throw new KafkaError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `Transactional id ${req.transactionalId} authorization failed.`)
  }
  // Read per request: a dynamic cluster-wide config.
  const verifying = ctx.broker.config.values['transaction.partition.verification.enable']
  const settle = (answer: Answer): void => {
    if (acks === -1 && answer.result.errorCode === ErrorCode.NONE && answer.partition !== undefined) {
      const out = answer.out
      waits.push(delayedProduce(ctx.broker.replicas, answer.partition, answer.result.lastOffset, req.timeoutMs).then(code => { out.errorCode = code }))
    }
  }
  const verified: Array<Promise<void>> = []
  const responses = req.topicData.map(topic => {
    const authorized = ctx.authorize(AclOperation.WRITE, ResourceType.TOPIC, topic.name)
    return {
      name: topic.name,
      partitionResponses: topic.partitionData.map(pd => {
        const verification = verifying && authorized ? startVerification(ctx, req.transactionalId, topic.name, pd.index, pd.records) : undefined
        if (verification?.answer === undefined) {
          const answer = answerFor(ctx, topic.name, pd.index, pd.records, acks, current, authorized, verification)
          settle(answer)
          return answer.out
        }
        // Filled in once the coordinator answers; the response is not sent before.
        const out = toAnswer(pd.index, failed(ErrorCode.NONE))
        verified.push(verification.answer.then(errorCode => {
          const answer = errorCode === ErrorCode.NONE
            ? answerFor(ctx, topic.name, pd.index, pd.records, acks, ctx.broker.metadata.isCurrent(), authorized, verification)
            : { out: toAnswer(pd.index, failed(errorCode, 'the transaction coordinator did not verify this partition in the producer\'s transaction')), result: failed(errorCode) }
          Object.assign(out, answer.out)
          settle({ ...answer, out })
        }))
        return out
      }),
    }
  })
  if (verified.length > 0) await Promise.all(verified)
  // Every partition's records are in its log (or refused): the frame they came in is free.
  ctx.releaseRequestBuffer()
  if (acks === 0) return null
  if (waits.length > 0) await Promise.all(waits)
  return { responses, throttleTimeMs }
})

/**
 * producer_byte_rate (Kafka's KafkaApis.handleProduceRequest): over the quota, the answer carries
 * the throttle time and the channel is muted for it (KIP-219), acks=0 included. Kafka records the
 * request's size when its answer is ready, but reads one request at a time per connection; here
 * requests on a connection run concurrently, so the size is recorded as the request arrives,
 * before any wait: the mute then stops the very next request on the connection from being read,
 * as in Kafka, rather than after every pipelined acks=all request already read.
 */
function bandwidthThrottle (ctx: RequestContext): number {
  const throttleTimeMs = ctx.broker.quotas.produce.recordAndGetThrottleTimeMs(ctx.connection.principal.name, ctx.header.clientId ?? '', ctx.requestBytes)
  ctx.connection.throttle(throttleTimeMs)
  return throttleTimeMs
}

interface Answer { out: PartitionAnswer, result: ProduceResult, partition?: Partition }

/**
 * transaction.partition.verification.enable (KIP-890 part 1): a transactional batch of a producer
 * with no open transaction on this partition waits for the coordinator's word that the partition
 * is in its transaction. Undefined when the records hold no transactional batch or the partition
 * is not led here (answerFor says why); `answer` undefined when there is nothing to ask (the
 * transaction is already open here, or the Produce names no transactional id: then the log refuses
 * the batch, as Kafka does).
 */
function startVerification (ctx: RequestContext, transactionalId: string | null, topic: string, index: number, records: Buffer | null): (TransactionVerification & { answer?: Promise<number> }) | undefined {
  const partition = ctx.broker.replicas.partition(topic, index)
  if (partition === undefined || records === null || records.length < RECORD_BATCH_HEADER_BYTES || magicOf(records) < 2) return undefined
  const batch = new RecordBatch(records)
  if (!batch.isTransactional || batch.isControl || batch.producerId < 0) return undefined
  if (transactionalId === null) return { guard: null }
  const guard = partition.isLeader ? partition.maybeStartTransactionVerification(batch.producerId, batch.producerEpoch) : null
  if (guard === null) return { guard }
  const answer = ctx.broker.transactionVerifier.verify(guard, { transactionalId, producerId: batch.producerId, producerEpoch: batch.producerEpoch, tp: { topic, partition: index } })
  return { guard, answer }
}

function answerFor (ctx: RequestContext, topic: string, index: number, records: Buffer | null, acks: number, current: boolean, authorized: boolean, verification?: TransactionVerification): Answer {
  const partition = ctx.broker.replicas.partition(topic, index)
  let result: ProduceResult
  if (acks !== 0 && acks !== 1 && acks !== -1) result = failed(ErrorCode.INVALID_REQUIRED_ACKS)
  else if (!authorized) result = failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED)
  // Kafka's ReplicaManager.appendToLocalLog: only the admin client id may write an internal topic
  // (the coordinator appends to its partitions directly, followers replicate without Produce).
  else if (isInternalTopic(topic) && ctx.header.clientId !== ADMIN_CLIENT_ID) result = failed(ErrorCode.INVALID_TOPIC_EXCEPTION)
  else if (ctx.broker.replicas.isOffline(topic, index)) result = failed(ErrorCode.KAFKA_STORAGE_ERROR, 'the log dir of this replica is offline')
  else if (partition === undefined) {
    const known = ctx.broker.metadata.partition(topic, index) !== undefined
    result = failed(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  } else if (!current) result = failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'This broker is re-reading the cluster state from ZooKeeper')
  else if (records === null || records.length === 0) result = failed(ErrorCode.INVALID_RECORD, 'no records')
  else {
    result = partition.appendRecordsAsLeader(records, acks, 'client', verification)
    // Kafka's ReplicaManager.appendToLocalLog marks MessagesInPerSec and BytesInPerSec after a successful append
    if (result.errorCode === ErrorCode.NONE) ctx.broker.metrics?.recordAppend(topic, result.lastOffset - result.baseOffset + 1, records.length)
  }
  const out = toAnswer(index, result)
  if (result.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER && partition !== undefined) out.currentLeader = { leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch }
  return { out, result, partition }
}

function toAnswer (index: number, result: ProduceResult): PartitionAnswer {
  return {
    index,
    errorCode: result.errorCode,
    baseOffset: result.baseOffset,
    logAppendTimeMs: result.logAppendTimeMs,
    logStartOffset: result.logStartOffset,
    recordErrors: [],
    errorMessage: result.errorMessage,
  }
}

function failed (errorCode: number, errorMessage: string | null = null): ProduceResult {
  return { errorCode, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage }
}
