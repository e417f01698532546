/**
 * The consumer, with manual assignment (groups come later). `assign` picks partitions; `seek*`
 * sets where reading starts (an offset, the beginning, the end, or the first offset at a
 * timestamp via ListOffsets); a partition with no position starts where auto.offset.reset says.
 * `poll` returns what the Fetcher has buffered, or long-polls for more until its timeout.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/messages/list-offsets.js'
import { KafkaError } from '../errors.js'
import { consumerSchema, parseClientConfig, type ClientProperties, type ConsumerConfig } from './client-config.js'
import type { ConsumerRecord } from './fetched-records.js'
import { Fetcher, key, type PartitionState } from './fetcher.js'
import { describeError, KafkaClient } from './kafka-client.js'

export type { ConsumerRecord } from './fetched-records.js'

export interface TopicPartition { topic: string, partition: number }

/** ListOffsets' special timestamps. */
const LATEST = -1
const EARLIEST = -2

/** v1 answers one offset (v0 a list); the codec handles every version up to 7. */
const LIST_OFFSETS_VERSIONS = { min: 1, max: 7 }

export class Consumer {
  readonly client: KafkaClient
  readonly config: ConsumerConfig
  readonly unknownKeys: string[]
  private readonly partitions = new Map<string, PartitionState>()
  /** Partitions waiting for an offset lookup: EARLIEST, LATEST or a timestamp. */
  private readonly pendingLookups = new Map<string, number>()
  private readonly fetcher: Fetcher
  private closed = false
  private wakeupPending = false

  constructor (properties: ClientProperties) {
    const { values, unknownKeys } = parseClientConfig(consumerSchema, properties)
    this.config = values
    this.unknownKeys = unknownKeys
    this.client = new KafkaClient(values)
    this.fetcher = new Fetcher(this.client, values, this.partitions)
  }

  /** Replaces the assignment; partitions kept keep their positions. */
  assign (partitions: TopicPartition[]): void {
    const next = new Set(partitions.map(p => key(p.topic, p.partition)))
    for (const k of this.partitions.keys()) {
      if (!next.has(k)) {
        this.partitions.delete(k)
        this.pendingLookups.delete(k)
      }
    }
    for (const p of partitions) {
      const k = key(p.topic, p.partition)
      if (!this.partitions.has(k)) {
        this.partitions.set(k, { topic: p.topic, partition: p.partition, fetchOffset: null, position: null, buffered: [], highWatermark: -1, needsReset: false, paused: false })
      }
    }
  }

  assignment (): TopicPartition[] {
    return [...this.partitions.values()].map(p => ({ topic: p.topic, partition: p.partition }))
  }

  /** Every partition of `topic`, from metadata (for assigning a whole topic). */
  async partitionsFor (topic: string): Promise<TopicPartition[]> {
    const t = await this.client.retry(`partitions of ${topic}`, async () => {
      await this.client.refreshMetadata([topic])
      const meta = this.client.metadata.topics.get(topic)
      if (meta === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic} does not exist`)
      if (meta.errorCode !== ErrorCode.NONE) throw new KafkaError(meta.errorCode as ErrorCode, `topic ${topic}: ${describeError(meta.errorCode)}`)
      return meta
    })
    return t.partitions.filter(p => p !== undefined).map(p => ({ topic, partition: p.partition }))
  }

  seek (tp: TopicPartition, offset: number): void {
    const p = this.stateOf(tp)
    p.fetchOffset = offset
    p.position = offset
    p.buffered = []
    p.needsReset = false
    this.pendingLookups.delete(key(tp.topic, tp.partition))
  }

  seekToBeginning (tps: TopicPartition[] = this.assignment()): void { for (const tp of tps) this.lookupLater(tp, EARLIEST) }
  seekToEnd (tps: TopicPartition[] = this.assignment()): void { for (const tp of tps) this.lookupLater(tp, LATEST) }
  /** Positions at the first offset whose timestamp is >= `timestamp` (the end if none is). */
  seekToTimestamp (tps: TopicPartition[], timestamp: number): void { for (const tp of tps) this.lookupLater(tp, timestamp) }

  /** Java's pause/resume: paused partitions keep their position and buffer but are neither fetched nor returned. */
  pause (tps: TopicPartition[] = this.assignment()): void { for (const tp of tps) this.stateOf(tp).paused = true }
  resume (tps: TopicPartition[] = this.assignment()): void { for (const tp of tps) this.stateOf(tp).paused = false }
  paused (): TopicPartition[] { return [...this.partitions.values()].filter(p => p.paused).map(p => ({ topic: p.topic, partition: p.partition })) }

  /** The next offset poll will return from `tp`; resolves the position first if it has none. */
  async position (tp: TopicPartition): Promise<number> {
    await this.updatePositions()
    return this.stateOf(tp).position ?? -1
  }

  /** The high watermark the last fetch reported (-1 before any). */
  highWatermark (tp: TopicPartition): number {
    return this.stateOf(tp).highWatermark
  }

  /**
   * Offsets for timestamps (Kafka's offsetsForTimes; also LATEST and EARLIEST): -1 where no record
   * is that late. Leader moves are retried within default.api.timeout.ms, as Java's consumer does.
   */
  async offsetsForTimes (tps: readonly TopicPartition[], timestamp: number): Promise<Map<string, number>> {
    if (tps.length === 0) return new Map()
    const topics = [...new Set(tps.map(tp => tp.topic))]
    return await this.client.retry('ListOffsets', async () => await this.listOffsets(tps.map(tp => ({ ...tp, timestamp }))),
      { beforeRetry: async () => await this.client.refreshMetadata(topics) })
  }

  /**
   * Records from the assigned partitions: at once if some are buffered, else after the next fetch
   * brings some, else [] after `timeoutMs`. Throws the first non-retriable fetch error. At most
   * `maxRecords` (max.poll.records by default): a caller with less room takes less, and the rest
   * stays buffered.
   */
  async poll (timeoutMs: number, maxRecords = this.config['max.poll.records']): Promise<ConsumerRecord[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.closed) return []
      if (this.wakeupPending) {
        this.wakeupPending = false
        return []
      }
      await this.updatePositions()
      const records = this.takeBuffered(maxRecords)
      this.fetcher.sendFetches()
      if (records.length > 0) return records
      if (this.fetcher.error !== undefined) {
        const err = this.fetcher.error
        this.fetcher.error = undefined
        throw err
      }
      const left = deadline - Date.now()
      if (left <= 0) return []
      await this.fetcher.waitForData(Math.min(left, this.config['retry.backoff.ms'] + this.config['fetch.max.wait.ms']))
    }
  }

  /** Makes a poll in progress return at once (Ctrl-C in the console consumer). */
  wakeup (): void {
    this.wakeupPending = true
    this.fetcher.notify()
  }

  /** Positions of the partitions that have one: what a group consumer commits as consumed. */
  positions (): Array<TopicPartition & { offset: number }> {
    return [...this.partitions.values()].filter(p => p.position !== null).map(p => ({ topic: p.topic, partition: p.partition, offset: p.position! }))
  }

  async close (): Promise<void> {
    this.closed = true
    this.fetcher.notify()
    await this.client.close()
  }

  private takeBuffered (max: number): ConsumerRecord[] {
    const out: ConsumerRecord[] = []
    if (max <= 0) return out
    for (const p of this.partitions.values()) {
      if (p.buffered.length === 0 || p.paused) continue
      const taken = p.buffered.splice(0, max - out.length)
      out.push(...taken)
      p.position = taken[taken.length - 1]!.offset + 1
      if (out.length >= max) break
    }
    return out
  }

  private lookupLater (tp: TopicPartition, timestamp: number): void {
    const p = this.stateOf(tp)
    p.fetchOffset = null
    p.position = null
    p.buffered = []
    this.pendingLookups.set(key(tp.topic, tp.partition), timestamp)
  }

  /** Resolves positions still missing: seeks by time, auto.offset.reset, OFFSET_OUT_OF_RANGE. */
  private async updatePositions (): Promise<void> {
    const reset = this.config['auto.offset.reset']
    for (const [k, p] of this.partitions) {
      if ((p.fetchOffset !== null && !p.needsReset) || this.pendingLookups.has(k)) continue
      if (reset === 'none') throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `no position for ${p.topic}-${p.partition} and auto.offset.reset is none`)
      this.pendingLookups.set(k, reset === 'earliest' ? EARLIEST : LATEST)
    }
    if (this.pendingLookups.size === 0) return
    const wanted = [...this.pendingLookups].map(([k, timestamp]) => ({ ...this.partitions.get(k)!, timestamp }))
    const byTime = wanted.filter(w => w.timestamp >= 0)
    const retry = { beforeRetry: async () => await this.client.refreshMetadata([...new Set(wanted.map(w => w.topic))]) }
    // the end before the search: a record appended between the two lookups is then read, not skipped
    const ends = byTime.length === 0 ? new Map<string, number>() : await this.client.retry('ListOffsets', async () => await this.listOffsets(byTime.map(w => ({ ...w, timestamp: LATEST }))), retry)
    const offsets = await this.client.retry('ListOffsets', async () => await this.listOffsets(wanted), retry)
    for (const w of wanted) {
      const k = key(w.topic, w.partition)
      const p = this.partitions.get(k)
      let offset = offsets.get(k)
      if (p === undefined || offset === undefined || this.pendingLookups.get(k) !== w.timestamp) continue
      // no record at or after the timestamp: Kafka's console consumer then starts at the end
      if (offset < 0) offset = ends.get(k) ?? 0
      this.pendingLookups.delete(k)
      p.fetchOffset = offset
      p.position = offset
      p.needsReset = false
    }
  }

  /** ListOffsets to each partition's leader; retriable errors throw (the caller retries). */
  private async listOffsets (wanted: Array<TopicPartition & { timestamp: number }>): Promise<Map<string, number>> {
    const topics = [...new Set(wanted.map(w => w.topic))]
    if (topics.some(t => this.client.metadata.partitionCount(t) === undefined)) await this.client.refreshMetadata(topics)
    const byLeader = new Map<number, typeof wanted>()
    for (const w of wanted) {
      const leader = this.client.metadata.leaderFor(w.topic, w.partition)
      if (leader === undefined) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${w.topic}-${w.partition}`)
      byLeader.set(leader.nodeId, [...(byLeader.get(leader.nodeId) ?? []), w])
    }
    const out = new Map<string, number>()
    await Promise.all([...byLeader].map(async ([nodeId, list]) => {
      const byTopic = new Map<string, Array<{ partitionIndex: number, timestamp: number }>>()
      for (const w of list) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), { partitionIndex: w.partition, timestamp: w.timestamp }])
      const response = await this.client.send(nodeId, ListOffsetsRequest, ListOffsetsResponse, LIST_OFFSETS_VERSIONS, {
        replicaId: -1,
        isolationLevel: this.config['isolation.level'] === 'read_committed' ? 1 : 0,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      })
      for (const t of response.topics) {
        for (const r of t.partitions) {
          if (r.errorCode !== ErrorCode.NONE) {
            if (isRetriable(r.errorCode)) this.client.markStale(t.name)
            throw new KafkaError(r.errorCode as ErrorCode, `ListOffsets for ${t.name}-${r.partitionIndex} failed: ${describeError(r.errorCode)}`)
          }
          out.set(key(t.name, r.partitionIndex), r.offset)
        }
      }
    }))
    return out
  }

  private stateOf (tp: TopicPartition): PartitionState {
    const p = this.partitions.get(key(tp.topic, tp.partition))
    if (p === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${tp.topic}-${tp.partition} is not assigned to this consumer`)
    return p
  }
}
