import { LONG_MAX } from '../config/schema.js'
import { Rate, throttleTimeMs, type RateConfig } from '../quota/rate.js'

/** A topic's throttled replicas on this broker: some partitions, or every one ('*'). */
export type ThrottledPartitions = ReadonlySet<number> | 'all'

/**
 * Replication throttling on one side of this broker (Kafka's ReplicationQuotaManager): the leader
 * side limits what it returns to throttled followers (leader.replication.throttled.rate), the
 * follower side what it fetches for its throttled replicas (follower.replication.throttled.rate).
 * Which replicas are throttled comes from the topics' leader/follower.replication.throttled.replicas.
 *
 * The rate is Kafka's SimpleRate over replication.quota.window.num windows of
 * replication.quota.window.size.seconds; while it is above the bound the quota is exceeded. As in
 * Kafka, a response is never cut short: a throttled partition is left out of a fetch, whole, until
 * the rate falls back.
 */
export class ReplicationQuotaManager {
  private rateBytesPerSec = LONG_MAX
  private readonly rate: Rate
  private readonly throttled = new Map<string, ThrottledPartitions>()

  constructor (window: RateConfig, private readonly now: () => number = Date.now) {
    this.rate = new Rate(window, 'simple')
  }

  /** A new bound (LONG_MAX: unthrottled); what was recorded keeps counting, as in Kafka. */
  updateQuota (rateBytesPerSec: number): void {
    this.rateBytesPerSec = rateBytesPerSec
  }

  get bound (): number { return this.rateBytesPerSec }

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
    return this.rateBytesPerSec < LONG_MAX && this.rate.measure(this.now()) > this.rateBytesPerSec
  }

  /** Bytes of throttled replicas sent (leader) or fetched (follower). */
  record (bytes: number): void {
    if (bytes > 0) this.rate.record(bytes, this.now())
  }

  /** How long until the quota is no longer exceeded (0 when it is not): Kafka's QuotaUtils.throttleTime. */
  msUntilAvailable (): number {
    return this.isQuotaExceeded() ? Math.max(1, throttleTimeMs(this.rate, this.rateBytesPerSec, this.now())) : 0
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
