/**
 * Committed offsets of the groups of one __consumer_offsets partition, in memory (Kafka's
 * GroupMetadata.offsets): what OffsetFetch answers from, rebuilt by loading the partition. Each
 * entry remembers the log offset of its record, so a commit whose write completes late never
 * replaces a newer one.
 */
import type { CommittedOffset } from './coordinator-record.js'
import type { Group } from './group.js'

export interface StoredOffset extends CommittedOffset { recordOffset: number }
export interface TopicPartition { topic: string, partition: number }

export class OffsetsStore {
  private readonly byGroup = new Map<string, Map<string, StoredOffset & TopicPartition>>()

  get (group: string, topic: string, partition: number): StoredOffset | undefined {
    return this.byGroup.get(group)?.get(keyOf(topic, partition))
  }

  /** Applies a commit (or a tombstone: null) written at `recordOffset`, unless a later one is there. */
  apply (group: string, topic: string, partition: number, value: CommittedOffset | null, recordOffset: number): void {
    let offsets = this.byGroup.get(group)
    const key = keyOf(topic, partition)
    const current = offsets?.get(key)
    if (current !== undefined && current.recordOffset > recordOffset) return
    if (value === null) {
      offsets?.delete(key)
      if (offsets?.size === 0) this.byGroup.delete(group)
      return
    }
    if (offsets === undefined) this.byGroup.set(group, offsets = new Map())
    offsets.set(key, { ...value, recordOffset, topic, partition })
  }

  /** Every committed offset of the group, by topic then partition. */
  offsetsOf (group: string): Array<StoredOffset & TopicPartition> {
    return [...(this.byGroup.get(group)?.values() ?? [])].sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)
  }

  hasOffsets (group: string): boolean { return (this.byGroup.get(group)?.size ?? 0) > 0 }
  groupIds (): string[] { return [...this.byGroup.keys()] }
  removeGroup (group: string): void { this.byGroup.delete(group) }
}

/**
 * Which of a group's offsets offsets.retention.minutes has expired (KIP-211, Kafka's
 * GroupMetadata.removeExpiredOffsets): only groups without members lose offsets. An explicit expire
 * timestamp wins; otherwise offsets of a consumer group expire `retentionMs` after it became Empty,
 * standalone commits (no protocol type) `retentionMs` after their commit.
 */
export function expiredOffsets (group: Group | undefined, offsets: ReadonlyArray<StoredOffset & TopicPartition>, now: number, retentionMs: number): TopicPartition[] {
  const empty = group === undefined || group.state === 'Empty'
  if (!empty) return []
  const emptySinceMs = group?.protocolType === null ? null : group?.currentStateTimestampMs ?? null
  return offsets.filter(o => {
    if (o.expireTimestampMs !== null) return o.expireTimestampMs <= now
    return (emptySinceMs ?? o.commitTimestampMs) + retentionMs <= now
  }).map(o => ({ topic: o.topic, partition: o.partition }))
}

function keyOf (topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}
