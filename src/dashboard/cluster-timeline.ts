/**
 * What the cluster did, as the gateway learned it from what it already watches: controller
 * elections and brokers joining or leaving (ZooKeeper watches), leader changes, ISR shrinks and
 * expands, topics created and deleted (successive Metadata answers), group rebalances (the group
 * records of __consumer_offsets). Kept in memory, the newest MAX_EVENTS; a restarted gateway
 * starts with an empty timeline.
 */
import type { TopicMetadata } from '../client/cluster-metadata.js'
import type { Json, JsonObject } from './merge-patch.js'

export const MAX_EVENTS = 1000

export type TimelineKind = 'controller' | 'broker-joined' | 'broker-left' | 'leader-change' | 'isr-shrink' | 'isr-expand' | 'topic-created' | 'topic-deleted' | 'rebalance'

export interface TimelineEvent { seq: number, atMs: number, kind: TimelineKind, detail: JsonObject }

export class ClusterTimeline {
  private readonly events: TimelineEvent[] = []
  private seq = 0

  add (atMs: number, kind: TimelineKind, detail: Record<string, Json>): void {
    this.events.push({ seq: ++this.seq, atMs, kind, detail })
    if (this.events.length > MAX_EVENTS) this.events.shift()
  }

  /** Oldest first. */
  all (): readonly TimelineEvent[] { return this.events }

  /** Leader changes, ISR shrinks and expands, topics created and deleted between two Metadata answers. */
  compareTopics (atMs: number, before: ReadonlyMap<string, TopicMetadata>, after: ReadonlyMap<string, TopicMetadata>): void {
    for (const [name, t] of after) {
      const old = before.get(name)
      if (old === undefined) {
        this.add(atMs, 'topic-created', { topic: name, partitions: t.partitions.length })
        continue
      }
      for (const p of t.partitions) {
        if (p === undefined) continue
        const o = old.partitions[p.partition]
        // a partition not started yet (no leader, no ISR) gets its first leader: part of its topic's creation
        if (o === undefined || (o.leader < 0 && o.isr.length === 0)) continue
        if (o.leader !== p.leader) this.add(atMs, 'leader-change', { topic: name, partition: p.partition, from: o.leader, to: p.leader, leaderEpoch: p.leaderEpoch })
        const removed = o.isr.filter(r => !p.isr.includes(r))
        const added = p.isr.filter(r => !o.isr.includes(r))
        if (removed.length > 0) this.add(atMs, 'isr-shrink', { topic: name, partition: p.partition, removed, isr: p.isr })
        if (added.length > 0) this.add(atMs, 'isr-expand', { topic: name, partition: p.partition, added, isr: p.isr })
      }
    }
    for (const name of before.keys()) if (!after.has(name)) this.add(atMs, 'topic-deleted', { topic: name })
  }
}
