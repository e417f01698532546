/**
 * What the cluster did, as the gateway learned it from what it already watches: controller
 * elections and brokers joining or leaving (ZooKeeper watches), leader changes, ISR shrinks and
 * expands, topics created and deleted (successive Metadata answers), group rebalances (the group
 * records of __consumer_offsets, each timed by what the group's coordinator says of its last
 * completed rebalance in its /metrics, docs/dashboard.md). Kept in memory, the newest MAX_EVENTS;
 * a restarted gateway starts with an empty timeline.
 */
import type { TopicMetadata } from '../client/cluster-metadata.js'
import type { LastRebalance } from './broker-metrics-scraper.js'
import type { Json, JsonObject } from './merge-patch.js'

export const MAX_EVENTS = 1000

export type TimelineKind = 'controller' | 'broker-joined' | 'broker-left' | 'leader-change' | 'isr-shrink' | 'isr-expand' | 'topic-created' | 'topic-deleted' | 'rebalance'

export interface TimelineEvent { seq: number, atMs: number, kind: TimelineKind, detail: JsonObject }

export class ClusterTimeline {
  private readonly events: TimelineEvent[] = []
  private seq = 0
  /** Each group's last completed rebalance, as the coordinators' metrics said at the latest scrape. */
  private lastRebalances: ReadonlyMap<string, LastRebalance> = new Map()

  add (atMs: number, kind: TimelineKind, detail: Record<string, Json>): void {
    const event: TimelineEvent = { seq: ++this.seq, atMs, kind, detail }
    const r = kind === 'rebalance' ? this.lastRebalances.get(String(detail['group'])) : undefined
    this.events.push(r !== undefined && isEntryOf(event, r) ? timed(event, r) : event)
    if (this.events.length > MAX_EVENTS) this.events.shift()
  }

  /**
   * The groups' last completed rebalances, from their coordinators' /metrics: the rebalance entry
   * made from that rebalance's group record gets the duration and reason, whether the record was
   * read before the scrape or after.
   */
  timeRebalances (rebalances: ReadonlyMap<string, LastRebalance>): void {
    const before = this.lastRebalances
    this.lastRebalances = rebalances
    for (const [group, r] of rebalances) {
      const old = before.get(group)
      if (old?.generation === r.generation && old.joinEndedMs === r.joinEndedMs) continue
      const i = this.events.findLastIndex(e => e.detail['group'] === group && isEntryOf(e, r))
      if (i >= 0) this.events[i] = timed(this.events[i]!, r)
    }
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

/**
 * Whether `e` is the rebalance entry made from the group record of `r` (a rebalance of the entry's
 * group): its generation, and the time its join phase ended, which that record carries. The
 * generation alone is not enough: a group deleted and created again reaches the same generations
 * anew, and a gateway reading __consumer_offsets from its start sees both.
 */
function isEntryOf (e: TimelineEvent, r: LastRebalance): boolean {
  return e.kind === 'rebalance' && e.detail['generation'] === r.generation && e.detail['joinEndedMs'] === r.joinEndedMs
}

/** The rebalance entry with the duration and reason of `r`, its rebalance, unless it has them. */
function timed (e: TimelineEvent, r: LastRebalance): TimelineEvent {
  if (e.detail['durationMs'] !== undefined) return e
  // a new detail object, not an edit: watches diff against the documents they sent, which hold the old one
  return { ...e, detail: { ...e.detail, durationMs: r.durationMs, ...(r.reason !== undefined ? { reason: r.reason } : {}) } }
}
