import { networkBufferPool } from '../../protocol/buffer-pool.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../../protocol/messages/fetch.js'
import { recordBatchesToMessageSet } from '../../protocol/records/legacy-message-set.js'
import { recordBatches } from '../../protocol/records/record-batch.js'
import type { FetchIsolation, Partition } from '../../replication/partition.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import type { BrokerMetrics } from '../broker-metrics.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { ZERO_UUID } from '../../protocol/primitives/uuid.js'
import type { FetchAnswer, FetchContext, FetchRequestPartition, PartitionAnswer, SessionResponse, TopicIdPartition } from '../fetch-session.js'

const EMPTY = Buffer.alloc(0)

/**
 * Fetch: whole batches from each partition's log (a consumer below the high watermark, a follower
 * up to the log end), within per-partition and total byte limits; long-polls until min.bytes
 * arrive or max.wait.ms passes. Fetch v0-v3 get the old message formats (magic 0 for v0-1, 1 for
 * v2-3), converted from the stored v2 batches unless the topic's message.downconversion.enable is false.
 * A read_committed consumer (v4+ isolation_level 1) reads below the last stable offset and gets
 * the aborted transactions among what it is sent (Kafka's FetchTxnCommitted).
 */
export const handleFetch = defineHandler(FetchRequest, FetchResponse, async (req, ctx) => {
  const replicaId = fetchReplicaId(req, ctx.apiVersion)
  const isolation: FetchIsolation = replicaId >= 0 ? 'logEnd' : ctx.apiVersion >= 4 && req.isolationLevel === 1 ? 'txnCommitted' : 'highWatermark'
  const deadline = Date.now() + Math.max(0, req.maxWaitMs)
  const metadata = ctx.broker.metadata
  const context = ctx.broker.fetchManager.newContext(ctx.apiVersion, req.sessionId, req.sessionEpoch, replicaId >= 0, requestedPartitions(req, ctx), forgottenPartitions(req, ctx), id => metadata.topicById(id)?.name)
  const authorized = authorizer(ctx, replicaId)
  // A consumer's consumer_byte_rate quota (followers have the replication quotas instead).
  const quota = replicaId < 0 ? ctx.broker.quotas.fetch : undefined
  const user = ctx.connection.principal.name
  const clientId = ctx.header.clientId ?? ''
  // Kafka's KafkaApis.handleFetchRequest (KIP-541): the broker's fetch.max.bytes bounds what any
  // request may ask for, so a client's maxBytes never sizes the broker's reads; a consumer under
  // a quota gets no more than one quota window holds (getMaxValueInQuotaWindow).
  const maxBytes = Math.max(0, Math.floor(Math.min(req.maxBytes, ctx.broker.config.values['fetch.max.bytes'], quota?.maxValueInQuotaWindow(user, clientId) ?? Infinity)))
  const minBytes = Math.min(req.minBytes, maxBytes)
  // Reads go into pooled buffers, given back once the response is written (or dropped with it).
  const buffers = networkBufferPool.lease()
  ctx.whenResponseWritten(buffers.release)
  /**
   * One read of every partition: the response, or what to wait on. A function of its own, so that
   * nothing of a read that is not answered stays referenced while the fetch waits (an async
   * function keeps its locals across an await): for a follower's idle session of thousands of
   * partitions, each wait would otherwise carry thousands of answers into V8's old generation.
   */
  const pass = (): FetchResponse | { waitOn: Partition[], remainingMs: number } => {
    const { answers, bytes, throttledBytes, partitions, errors } = new LogReads(ctx, context, authorized, isolation, replicaId, maxBytes, buffers.allocate)
    const remainingMs = deadline - Date.now()
    if (bytes < minBytes && remainingMs > 0 && partitions.length > 0 && !errors) {
      buffers.release() // what was read is dropped: not enough yet
      return { waitOn: partitions, remainingMs }
    }
    ctx.broker.replicas.leaderQuota.record(throttledBytes)
    // Kafka records the response's size, then, over the quota, takes it back and answers with
    // no partitions and the throttle time, the channel muted for it (KIP-219). Records count here.
    const throttleTimeMs = quota?.recordAndGetThrottleTimeMs(user, clientId, bytes) ?? 0
    if (throttleTimeMs > 0) {
      quota!.unrecord(user, clientId, bytes)
      ctx.connection.throttle(throttleTimeMs)
      return toResponse(context.throttledResponse(), throttleTimeMs, ctx.apiVersion >= 13)
    }
    const answer = context.updateAndGenerateResponseData(answers)
    if (ctx.broker.metrics !== undefined && bytes > 0) recordBytesOut(ctx.broker.metrics, answer.answers, replicaId >= 0)
    return toResponse(answer, 0, ctx.apiVersion >= 13)
  }
  for (;;) {
    const result = pass()
    if (!('waitOn' in result)) return result
    await ctx.broker.replicas.waitForData(result.waitOn, result.remainingMs, 'Fetch')
  }
})

/** The session's answer as a FetchResponse: consecutive partitions of a topic under one topic entry. */
function toResponse (answer: SessionResponse, throttleTimeMs: number, byTopicId: boolean): FetchResponse {
  const responses: FetchResponse['responses'] = []
  let last: FetchResponse['responses'][number] | undefined
  for (const { tp, answer: partition } of answer.answers) {
    if (last === undefined || (byTopicId ? last.topicId !== tp.topicId : last.topic !== (tp.topic ?? ''))) {
      last = { topic: tp.topic ?? '', topicId: tp.topicId, partitions: [] }
      responses.push(last)
    }
    last.partitions.push(partition)
  }
  return { throttleTimeMs, errorCode: answer.errorCode, sessionId: answer.sessionId, responses }
}

/** The request's partitions: by topic id from v13 (the name unknown here if the id is), by name before. */
function requestedPartitions (req: FetchRequest, ctx: RequestContext): FetchRequestPartition[] {
  const out: FetchRequestPartition[] = []
  for (const t of req.topics) {
    const { topic, topicId } = topicOf(t, ctx)
    for (const p of t.partitions) out.push({ tp: { topic, topicId, partition: p.partition }, data: p })
  }
  return out
}

function forgottenPartitions (req: FetchRequest, ctx: RequestContext): TopicIdPartition[] {
  if (ctx.apiVersion < 7) return []
  const out: TopicIdPartition[] = []
  for (const t of req.forgottenTopicsData) {
    const { topic, topicId } = topicOf(t, ctx)
    for (const partition of t.partitions) out.push({ topic, topicId, partition })
  }
  return out
}

function topicOf (t: { topic: string, topicId: string }, ctx: RequestContext): { topic: string | undefined, topicId: string } {
  if (ctx.apiVersion >= 13) return { topic: ctx.broker.metadata.topicById(t.topicId)?.name, topicId: t.topicId }
  return { topic: t.topic, topicId: ctx.broker.metadata.topic(t.topic)?.topicId ?? ZERO_UUID }
}

/** The fetching replica's broker id (KIP-903 moved it into replicaState in v15); -1 for a consumer. */
export function fetchReplicaId (req: FetchRequest, apiVersion: number): number {
  return apiVersion >= 15 ? req.replicaState.replicaId : req.replicaId
}

/** Per partition of the answer sent, never per record (Kafka marks BytesOutPerSec per partition). */
function recordBytesOut (metrics: BrokerMetrics, answers: FetchAnswer[], fromFollower: boolean): void {
  for (const { tp, answer } of answers) {
    const bytes = answer.records?.length ?? 0
    if (bytes > 0 && tp.topic !== undefined) metrics.recordFetch(tp.topic, bytes, fromFollower)
  }
}

/**
 * Whether a partition may be read (KafkaApis.handleFetchRequest): a follower needs ClusterAction on
 * the cluster, a consumer Read on each topic; refused, a partition answers
 * TOPIC_AUTHORIZATION_FAILED. A function, not a copy of the partitions with a flag: a follower's
 * session may hold thousands, asked again on every fetch.
 */
function authorizer (ctx: RequestContext, replicaId: number): (p: FetchRequestPartition) => boolean {
  if (replicaId >= 0) {
    const follower = ctx.authorize(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)
    return () => follower
  }
  const byTopic = new Map<string, boolean>()
  return p => {
    const topic = p.tp.topic
    if (topic === undefined) return true
    let authorized = byTopic.get(topic)
    if (authorized === undefined) {
      authorized = ctx.authorize(AclOperation.READ, ResourceType.TOPIC, topic)
      byTopic.set(topic, authorized)
    }
    return authorized
  }
}

/**
 * One read of every partition of a fetch (Kafka's ReplicaManager.readFromLog). The answers leave
 * out the partitions the context would drop unread (an incremental session's partition with
 * nothing new); `partitions`, what a wait waits on, has every partition read. A class, not a loop
 * around a closure: a follower's idle session of thousands of partitions is read twice per fetch,
 * and a closure per partition read is garbage V8 may keep long enough to promote.
 */
class LogReads {
  bytes = 0
  throttledBytes = 0
  errors = false
  readonly partitions: Partition[] = []
  readonly answers: FetchAnswer[] = []
  private readonly magic: 0 | 1 | 2

  constructor (private readonly ctx: RequestContext, private readonly context: FetchContext, private readonly authorized: (p: FetchRequestPartition) => boolean, private readonly isolation: FetchIsolation, private readonly replicaId: number, private readonly maxBytes: number, private readonly allocate: (size: number) => Buffer) {
    this.magic = ctx.apiVersion <= 1 ? 0 : ctx.apiVersion <= 3 ? 1 : 2
    const wanted = context.partitions
    for (let index = 0; index < wanted.length; index++) {
      const answer = this.read(index, wanted[index]!)
      if (answer === undefined) continue
      if (answer.errorCode !== ErrorCode.NONE) this.errors = true
      this.answers.push({ tp: wanted[index]!.tp, answer })
    }
  }

  private read (index: number, wanted: FetchRequestPartition): PartitionAnswer | undefined {
    const { ctx, replicaId, isolation } = this
    const { tp, data: p } = wanted
    const topic = tp.topic
    if (!this.authorized(wanted)) return errorAnswer(tp.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED, undefined)
    const partition = topic === undefined ? undefined : ctx.broker.replicas.partition(topic, tp.partition)
    if (topic !== undefined && ctx.broker.replicas.isOffline(topic, tp.partition)) return errorAnswer(tp.partition, ErrorCode.KAFKA_STORAGE_ERROR, undefined)
    if (partition === undefined) {
      const unknownCode = topic === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : ctx.broker.metadata.partition(topic, tp.partition) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER
      return errorAnswer(tp.partition, unknownCode, undefined)
    }
    if (!partition.isLeader) return errorAnswer(tp.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, partition)
    if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== partition.leaderEpoch) {
      return errorAnswer(tp.partition, p.currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH, partition)
    }
    const log = partition.log
    // message.downconversion.enable=false (KIP-283): consumers that need magic 0/1 are refused, followers never are
    if (this.magic < 2 && replicaId < 0 && !log.logConfig['message.downconversion.enable']) return errorAnswer(tp.partition, ErrorCode.UNSUPPORTED_VERSION, partition)
    this.partitions.push(partition)
    if (replicaId >= 0) ctx.broker.replicas.followerFetched(partition, replicaId, p.fetchOffset, p.logStartOffset)
    // Kafka's ReplicaManager.shouldLeaderThrottle: a throttled replica catching up (out of the ISR) gets nothing while the leader's quota is exceeded.
    const quota = ctx.broker.replicas.leaderQuota
    const throttled = replicaId >= 0 && !partition.isr.includes(replicaId) && quota.isThrottled(partition.topic, partition.partition)
    if (throttled && quota.isQuotaExceeded()) return { ...errorAnswer(tp.partition, ErrorCode.NONE, partition), lastStableOffset: log.lastStableOffset }
    if (p.fetchOffset === partition.readableEnd(isolation) && p.fetchOffset >= log.logStartOffset && this.context.isUnchanged(index, log.highWatermark, log.logStartOffset)) return undefined
    const budget = Math.min(p.partitionMaxBytes, this.maxBytes - this.bytes)
    const read = partition.read(p.fetchOffset, Math.max(0, budget), isolation, this.bytes === 0, this.allocate)
    if (read.errorCode !== 0) {
      return { ...errorAnswer(tp.partition, read.errorCode, partition), logStartOffset: read.logStartOffset }
    }
    const records = this.magic < 2 && read.records.length > 0 ? recordBatchesToMessageSet(read.records, this.magic as 0 | 1) : read.records
    this.bytes += records.length
    if (throttled) this.throttledBytes += records.length
    return {
      partitionIndex: tp.partition,
      errorCode: ErrorCode.NONE,
      highWatermark: read.highWatermark,
      lastStableOffset: log.lastStableOffset,
      logStartOffset: read.logStartOffset,
      abortedTransactions: isolation === 'txnCommitted' ? abortedTransactions(partition, p.fetchOffset, read.records) : null,
      preferredReadReplica: -1,
      records,
    }
  }
}

/** The aborted transactions with records among those read: up to the offset after the last batch sent. */
function abortedTransactions (partition: Partition, fetchOffset: number, records: Buffer): Array<{ producerId: number, firstOffset: number }> {
  let upperBound = -1
  for (const batch of recordBatches(records)) upperBound = batch.nextOffset
  if (upperBound < 0) return []
  return partition.log.collectAbortedTransactions(fetchOffset, upperBound).map(t => ({ producerId: t.producerId, firstOffset: t.firstOffset }))
}

function errorAnswer (partitionIndex: number, errorCode: number, partition: Partition | undefined): PartitionAnswer {
  const answer: PartitionAnswer = {
    partitionIndex,
    errorCode,
    highWatermark: partition?.log.highWatermark ?? -1,
    lastStableOffset: -1,
    logStartOffset: partition?.log.logStartOffset ?? -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY, // never null: some clients (Sarama, kafka-go) cannot read a null record set
  }
  if (partition !== undefined && errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) answer.currentLeader = { leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch }
  return answer
}
