/**
 * Moves ready batches to partition leaders (Java's Sender, without its thread: a drain runs on the
 * event loop whenever a batch fills, linger expires, a response frees an in-flight slot or a flush
 * starts). One Produce request per leader carries at most one batch per partition, up to
 * max.request.size, with at most max.in.flight.requests.per.connection outstanding per broker.
 * A retriable partition error (NOT_LEADER_OR_FOLLOWER and the like) refreshes metadata and sends
 * the batch again after retry.backoff.ms, until retries or delivery.timeout.ms run out. With
 * enable.idempotence, batches carry a producer id and sequences (TransactionManager), which decides
 * what is retried and holds a retry back until it can go in order.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js'
import type { Compression } from '../protocol/records/compression.js'
import { KafkaError } from '../errors.js'
import type { KafkaClient } from './kafka-client.js'
import { describeError } from './kafka-client.js'
import type { ProducerBatch } from './producer-batch.js'
import type { RecordAccumulator } from './record-accumulator.js'
import type { TransactionManager } from './transaction-manager.js'

/** v3 is the first with record batch v2 (and so headers); the codec handles the flexible v9. */
const PRODUCE_VERSIONS = { min: 3, max: 9 }

export interface SenderConfig {
  acks: -1 | 0 | 1
  compression: Compression
  requestTimeoutMs: number
  maxRequestSize: number
  maxInFlight: number
  retries: number
  deliveryTimeoutMs: number
  retryBackoffMs: number
}

export class Sender {
  flushing = 0
  private readonly inFlight = new Map<number, number>()
  private scheduled = false
  private timer?: NodeJS.Timeout
  private inFlightBatches = 0
  private idleWaiters: Array<() => void> = []

  /** `transactions`: an idempotent producer's ids and sequences (enable.idempotence). */
  constructor (private readonly client: KafkaClient, private readonly accumulator: RecordAccumulator, private readonly config: SenderConfig,
    private readonly transactions?: TransactionManager) {}

  /** Batches queued or in flight. */
  get idle (): boolean { return this.inFlightBatches === 0 && this.accumulator.isEmpty }

  /** Asks for a drain on the next turn of the event loop (records appended in one turn share it). */
  wakeup (): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.drain()
    })
  }

  /** Resolves when nothing is queued or in flight. */
  async whenIdle (): Promise<void> {
    if (this.idle) return
    await new Promise<void>(resolve => this.idleWaiters.push(resolve))
  }

  stop (): void {
    clearTimeout(this.timer)
  }

  /**
   * Sends what is ready, in passes: each pass takes at most one batch per partition into one
   * request per leader, and passes repeat while they find batches and in-flight slots, so a
   * partition with many full batches queued fills the pipeline now instead of one request per turn.
   */
  private drain (): void {
    const transactions = this.transactions
    if (transactions !== undefined && !transactions.ready) {
      // nothing goes out without a producer id; a new one waits for what is in flight
      if (!this.accumulator.isEmpty) transactions.maybeInitialize(this.inFlightBatches, err => {
        if (err !== undefined) this.accumulator.abort(err)
        this.wakeup()
      })
      this.notifyIdle()
      return
    }
    const nowMs = Date.now()
    const missingLeaders = new Set<string>()
    for (;;) {
      const byNode = new Map<number, { batches: ProducerBatch[], bytes: number }>()
      const drained = this.accumulator.drain(nowMs, this.flushing > 0, batch => {
        const leader = this.client.metadata.leaderFor(batch.topic, batch.partition)
        if (leader === undefined) {
          missingLeaders.add(batch.topic)
          return false
        }
        if ((this.inFlight.get(leader.nodeId) ?? 0) >= this.config.maxInFlight) return false
        if (transactions !== undefined && !transactions.canSend(batch)) return false
        let request = byNode.get(leader.nodeId)
        // a full request leaves the batch for the next pass, which opens another request
        if (request !== undefined && request.bytes + batch.sizeInBytes > this.config.maxRequestSize) return false
        if (request === undefined) byNode.set(leader.nodeId, request = { batches: [], bytes: 0 })
        request.batches.push(batch)
        request.bytes += batch.sizeInBytes
        // sequences in the order batches leave their partition's queue
        transactions?.sending(batch)
        return true
      })
      if (drained.length === 0) break
      this.inFlightBatches += drained.length
      for (const [nodeId, { batches }] of byNode) this.dispatch(nodeId, batches)
    }
    if (missingLeaders.size > 0) {
      void this.client.refreshMetadata([...missingLeaders], true).catch(() => {}).finally(() => this.scheduleIn(this.config.retryBackoffMs))
    }
    // 0 means ready but held by the in-flight limit: a response will wake the sender, not a timer
    const next = this.accumulator.nextReadyInMs(nowMs)
    if (next !== undefined && next > 0 && missingLeaders.size === 0) this.scheduleIn(next)
    this.notifyIdle()
  }

  private dispatch (nodeId: number, batches: ProducerBatch[]): void {
    this.inFlight.set(nodeId, (this.inFlight.get(nodeId) ?? 0) + 1)
    void this.sendTo(nodeId, batches).finally(() => {
      this.inFlight.set(nodeId, (this.inFlight.get(nodeId) ?? 1) - 1)
      this.inFlightBatches -= batches.length
      this.wakeup()
      this.notifyIdle()
    })
  }

  private scheduleIn (ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.wakeup(), ms)
  }

  private notifyIdle (): void {
    if (!this.idle || this.idleWaiters.length === 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private async sendTo (nodeId: number, batches: ProducerBatch[]): Promise<void> {
    const topicData = new Map<string, Array<{ index: number, records: Buffer }>>()
    try {
      const sealed = await Promise.all(batches.map(async b => await b.seal(this.config.compression)))
      batches.forEach((b, i) => {
        b.attempts++
        let partitions = topicData.get(b.topic)
        if (partitions === undefined) topicData.set(b.topic, partitions = [])
        partitions.push({ index: b.partition, records: sealed[i]! })
      })
      const request = {
        transactionalId: null,
        acks: this.config.acks,
        timeoutMs: this.config.requestTimeoutMs,
        topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })),
      }
      const conn = await this.client.connectionTo(nodeId)
      const version = conn.version(ProduceRequest, PRODUCE_VERSIONS.min, PRODUCE_VERSIONS.max)
      if (this.config.acks === 0) {
        await conn.sendOneWay(ProduceRequest, version, request)
        for (const b of batches) this.done(b, () => b.complete(-1, -1))
        return
      }
      const response = await conn.send(ProduceRequest, ProduceResponse, version, request)
      const results = new Map<string, { errorCode: number, baseOffset: number, logAppendTimeMs: number, errorMessage: string | null }>()
      for (const t of response.responses) {
        for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p)
      }
      for (const b of batches) {
        const r = results.get(`${b.topic}\u0000${b.partition}`)
        if (r === undefined) this.failOrRetry(b, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no answer for ${b.topic}-${b.partition} in the Produce response`))
        else if (r.errorCode === ErrorCode.NONE) {
          this.transactions?.acknowledged(b)
          this.done(b, () => b.complete(r.baseOffset, r.logAppendTimeMs))
        }
        else this.failOrRetry(b, new KafkaError(r.errorCode as ErrorCode, `produce to ${b.topic}-${b.partition} failed: ${describeError(r.errorCode, r.errorMessage)}`))
      }
    } catch (err) {
      const error = err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message, { cause: err })
      for (const b of batches) this.failOrRetry(b, error)
    }
  }

  private failOrRetry (batch: ProducerBatch, err: KafkaError): void {
    const nowMs = Date.now()
    const retriable = (this.transactions !== undefined ? this.transactions.failed(batch, err.code) : isRetriable(err.code)) && this.config.acks !== 0
    if (retriable && batch.attempts <= this.config.retries && nowMs - batch.createdMs < this.config.deliveryTimeoutMs) {
      this.client.markStale(batch.topic)
      batch.retryAtMs = nowMs + this.client.backoffMs(batch.attempts - 1)
      this.accumulator.reenqueue(batch)
      void this.client.refreshMetadata([batch.topic], true).catch(() => {})
      this.scheduleIn(batch.retryAtMs - nowMs)
      return
    }
    this.transactions?.abandoned(batch)
    this.done(batch, () => batch.fail(err))
  }

  private done (batch: ProducerBatch, settle: () => void): void {
    settle()
    this.accumulator.release(batch)
  }
}
