import { LONG_MAX } from '../config/schema.js'

/** A topic's throttled replicas on this broker: some partitions, or every one ('*'). */
export type ThrottledPartitions = ReadonlySet<number> | 'all'

/**
 * Replication throttling on one side of this broker (Kafka's ReplicationQuotaManager): the leader
 * side limits what it returns to throttled followers (leader.replication.throttled.rate), the
 * follower side what it fetches for its throttled replicas (follower.replication.throttled.rate).
 * Which replicas are throttled comes from the topics' leader/follower.replication.throttled.replicas.
 *
 * The rate is a token bucket over bytes: it holds at most one second of the rate, fills at the
 * rate, and each response's bytes are taken out, so the bucket may go below zero after one large
 * response; while it is empty the quota is exceeded. As in Kafka, a response is never cut short:
 * a throttled partition is left out of a fetch, whole, until the bucket refills.
 */
export class ReplicationQuotaManager {
  private rateBytesPerSec = LONG_MAX
  private tokens = 0
  private refilledAtMs: number
  private readonly throttled = new Map<string, ThrottledPartitions>()

  constructor (private readonly now: () => number = Date.now) {
    this.refilledAtMs = now()
  }

  /** A new rate (LONG_MAX: unthrottled); the bucket starts full. */
  updateQuota (rateBytesPerSec: number): void {
    if (rateBytesPerSec === this.rateBytesPerSec) return
    this.rateBytesPerSec = rateBytesPerSec
    this.tokens = rateBytesPerSec
    this.refilledAtMs = this.now()
  }

  get rate (): number { return this.rateBytesPerSec }

  /** The topic's throttled partitions here; undefined or an empty set: none. */
  markThrottled (topic: string, partitions: ThrottledPartitions | undefined): void {
    if (partitions === undefined || (partitions !== 'all' && partitions.size === 0)) this.throttled.delete(topic)
    else this.throttled.set(topic, partitions)
  }

  isThrottled (topic: string, partition: number): boolean {
    const t = this.throttled.get(topic)
    return t !== undefined && (t === 'all' || t.has(partition))
  }

  isQuotaExceeded (): boolean {
    if (this.rateBytesPerSec >= LONG_MAX) return false
    this.refill()
    return this.tokens <= 0
  }

  /** Bytes of throttled replicas sent (leader) or fetched (follower). */
  record (bytes: number): void {
    if (this.rateBytesPerSec >= LONG_MAX || bytes <= 0) return
    this.refill()
    this.tokens -= bytes
  }

  /** How long until the quota is no longer exceeded (0 when it is not). */
  msUntilAvailable (): number {
    if (!this.isQuotaExceeded()) return 0
    return Math.ceil((1 - this.tokens) / this.rateBytesPerSec * 1000)
  }

  private refill (): void {
    const now = this.now()
    this.tokens = Math.min(this.rateBytesPerSec, this.tokens + (now - this.refilledAtMs) * this.rateBytesPerSec / 1000)
    this.refilledAtMs = now
  }
}

/**
 * Kafka's TopicConfigHandler.parseThrottledPartitions: from "0:1,1:2" (partition:broker) the
 * partitions whose replica on `brokerId` is throttled; "*" throttles every replica.
 */
export function throttledPartitions (value: readonly string[], brokerId: number): ThrottledPartitions {
  if (value.length === 1 && value[0] === '*') return 'all'
  const out = new Set<number>()
  for (const entry of value) {
    const [partition, broker] = entry.split(':').map(Number)
    if (broker === brokerId && partition !== undefined && Number.isInteger(partition)) out.add(partition)
  }
  return out
}
