/**
 * What the gateway knows of the consumer groups, for the dashboard. Like Burrow, it reads
 * __consumer_offsets (through the gateway's shared fetch) from the beginning and then follows it:
 * every offset commit with the time it was made, and every group metadata record (generation,
 * protocol, members with client id, host and assignment). Those give the committed offsets, the
 * window of commits Burrow's rules judge (burrow-evaluator.ts), and the rebalances of the timeline.
 * The group's state (Stable, Empty, ...) comes from ListGroups on every broker, every few seconds
 * and soon after a group record; the log end offsets from ListOffsets once a second, for the
 * partitions some group committed on; a group's lag is recorded once a second into the rings of
 * MetricsHistory (series `group.<id>.lag`).
 */
import { EventEmitter } from 'node:events'
import type { ClientProperties } from '../client/client-config.js'
import { decodeAssignment } from '../client/consumer-protocol.js'
import { GroupAdmin, EARLIEST, LATEST, type GroupListing } from '../client/group-admin.js'
import { parseCoordinatorRecord } from '../coordinator/coordinator-record.js'
import type { SharedFetch } from '../gateway/shared-fetch.js'
import type { Logger } from '../logger.js'
import { addCommit, groupStatus, partitionStatus, type Commit, type GroupStatus, type PartitionStatus } from './burrow-evaluator.js'
import type { ClusterTimeline } from './cluster-timeline.js'
import type { MetricsHistory } from './metrics-history.js'
import { isOutOfRange, readChunk, type ReadRecord } from './partition-reader.js'

export const OFFSETS_TOPIC = '__consumer_offsets'
const TICK_MS = 1000
const LIST_GROUPS_EVERY_TICKS = 5
/** How long one read of __consumer_offsets waits at the end of a partition (the broker's long poll is shorter). */
const TAIL_WAIT_MS = 5000
const RETRY_MS = 1000
/** Lag-in-time look-ups (one Fetch each, shared) per second, for the groups someone watches. */
const LAG_TIME_LOOKUPS_PER_TICK = 50

export interface MemberInfo { memberId: string, clientId: string, clientHost: string, assignment: Array<{ topic: string, partition: number }> }

export interface PartitionState {
  topic: string
  partition: number
  committed: number
  commitMs: number
  window: Commit[]
  /** The timestamp of the record at the committed offset, once read (for lag in time). */
  recordAt?: { offset: number, timestamp: number }
}

export interface GroupState {
  groupId: string
  /** From ListGroups; undefined until a broker listed it. */
  state?: string
  protocolType: string
  protocol?: string
  generation: number
  members: MemberInfo[]
  partitions: Map<string, PartitionState>
}

export interface GroupsViewOptions {
  consumerProps: ClientProperties
  fetch: SharedFetch
  history: MetricsHistory
  timeline: ClusterTimeline
  /** Partitions of a topic the cluster has now (Metadata), 0 if none. */
  partitionCount: (topic: string) => number
  log: Logger
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export class ConsumerGroupsView extends EventEmitter {
  readonly groups = new Map<string, GroupState>()
  /** Log end offset of every partition a group committed on. */
  readonly logEnds = new Map<string, number>()
  /** Per topic, the groups that committed on it and their total lag there. */
  topicLag = new Map<string, Map<string, number>>()
  readonly admin: GroupAdmin
  private readonly tails = new Map<number, Promise<void>>()
  private readonly watched = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private ticks = 0
  private tickRunning = false
  private listSoon = false
  private stopped = false

  constructor (private readonly options: GroupsViewOptions) {
    super()
    this.admin = new GroupAdmin({ ...options.consumerProps, 'client.id': 'kafka-gateway-dashboard-groups' })
  }

  start (): void {
    this.timer = setInterval(() => { void this.tick() }, TICK_MS)
    void this.tick()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.admin.close()
  }

  /** Interest in a group's detail: lag in time is looked up for the groups someone watches. */
  acquire (groupId: string): () => void {
    this.watched.set(groupId, (this.watched.get(groupId) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const n = (this.watched.get(groupId) ?? 1) - 1
      if (n > 0) this.watched.set(groupId, n)
      else this.watched.delete(groupId)
    }
  }

  lagOf (p: PartitionState): number | undefined {
    const end = this.logEnds.get(tpKey(p.topic, p.partition))
    return end === undefined ? undefined : Math.max(0, end - p.committed)
  }

  totalLag (g: GroupState): number {
    let lag = 0
    for (const p of g.partitions.values()) lag += this.lagOf(p) ?? 0
    return lag
  }

  statusOf (p: PartitionState, nowMs: number): PartitionStatus {
    return partitionStatus(p.window, this.lagOf(p) ?? 0, nowMs)
  }

  groupStatus (g: GroupState, nowMs: number): GroupStatus {
    return groupStatus([...g.partitions.values()].map(p => this.statusOf(p, nowMs)))
  }

  private async tick (): Promise<void> {
    if (this.tickRunning || this.stopped) return
    this.tickRunning = true
    try {
      this.ticks++
      this.startTails()
      if (this.listSoon || this.ticks % LIST_GROUPS_EVERY_TICKS === 1) {
        this.listSoon = false
        await this.listGroups()
      }
      await this.readLogEnds()
      await this.lookUpLagTimes()
      this.recordLag()
      this.emit('change')
    } catch (err) {
      this.options.log.debug('consumer groups refresh failed', { error: (err as Error).message })
    } finally {
      this.tickRunning = false
    }
  }

  /** One reader per partition of __consumer_offsets, from its beginning, for as long as the gateway runs. */
  private startTails (): void {
    const n = this.options.partitionCount(OFFSETS_TOPIC)
    for (let p = 0; p < n; p++) if (!this.tails.has(p)) this.tails.set(p, this.tail(p))
  }

  private async tail (partition: number): Promise<void> {
    let offset = 0
    while (!this.stopped) {
      try {
        const { records, nextOffset } = await readChunk(this.options.fetch, OFFSETS_TOPIC, partition, offset, TAIL_WAIT_MS)
        // what the records changed goes out with the next tick's 'change' (once a second, not once per chunk)
        for (const r of records) this.apply(r)
        offset = nextOffset
      } catch (err) {
        if (isOutOfRange(err)) {
          // compacted or deleted below us: carry on from the log's start
          const tp = { topic: OFFSETS_TOPIC, partition }
          offset = (await this.admin.offsetsAt([tp], EARLIEST).catch(() => new Map<string, number>())).get(tpKey(OFFSETS_TOPIC, partition)) ?? 0
          continue
        }
        this.options.log.debug('reading __consumer_offsets failed; trying again', { partition, error: (err as Error).message })
        await new Promise(resolve => setTimeout(resolve, RETRY_MS))
      }
    }
  }

  private apply (r: ReadRecord): void {
    if (r.key === null) return
    let rec
    try {
      rec = parseCoordinatorRecord(r.key, r.value)
    } catch {
      return // a record of a format this gateway does not know
    }
    if (rec.type === 'offset') {
      const g = this.groupFor(rec.group)
      const k = tpKey(rec.topic, rec.partition)
      if (rec.value === null) { g.partitions.delete(k); return }
      let p = g.partitions.get(k)
      if (p === undefined) g.partitions.set(k, p = { topic: rec.topic, partition: rec.partition, committed: rec.value.offset, commitMs: rec.value.commitTimestampMs, window: [] })
      p.committed = rec.value.offset
      p.commitMs = rec.value.commitTimestampMs
      const end = this.logEnds.get(k)
      addCommit(p.window, { offset: rec.value.offset, atMs: rec.value.commitTimestampMs, lag: end === undefined ? -1 : Math.max(0, end - rec.value.offset) })
    } else if (rec.type === 'group') {
      if (rec.value === null) {
        this.groups.delete(rec.group)
        this.options.history.drop(`group.${rec.group}.`)
        return
      }
      const g = this.groupFor(rec.group)
      const v = rec.value
      const members = v.members.map(m => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: v.protocolType === 'consumer' ? safeAssignment(m.assignment) : [],
      }))
      if (v.generation !== g.generation) {
        const before = new Set(g.members.map(m => m.memberId))
        const after = new Set(members.map(m => m.memberId))
        this.options.timeline.add(r.timestamp, 'rebalance', {
          group: rec.group,
          generation: v.generation,
          // the record's currentStateTimestamp, when the join phase that made this generation ended:
          // how the coordinator's metrics tell which rebalance they timed (cluster-timeline.ts)
          ...(v.currentStateTimestamp >= 0 ? { joinEndedMs: v.currentStateTimestamp } : {}),
          members: members.length,
          ...(v.protocol !== null ? { protocol: v.protocol } : {}),
          joined: members.filter(m => !before.has(m.memberId)).map(m => `${m.clientId} (${m.memberId})`),
          left: g.members.filter(m => !after.has(m.memberId)).map(m => `${m.clientId} (${m.memberId})`),
        })
      }
      g.generation = v.generation
      g.protocolType = v.protocolType
      g.protocol = v.protocol ?? undefined
      g.members = members
      this.listSoon = true
    }
  }

  private groupFor (groupId: string): GroupState {
    let g = this.groups.get(groupId)
    if (g === undefined) this.groups.set(groupId, g = { groupId, protocolType: '', generation: -1, members: [], partitions: new Map() })
    return g
  }

  private async listGroups (): Promise<void> {
    let listed: GroupListing[]
    try {
      listed = await this.admin.listGroups()
    } catch (err) {
      this.options.log.debug('ListGroups failed', { error: (err as Error).message })
      return
    }
    const states = new Map(listed.map(l => [l.groupId, l]))
    for (const l of listed) {
      const g = this.groupFor(l.groupId)
      g.state = l.state
      if (g.protocolType === '') g.protocolType = l.protocolType
    }
    for (const g of this.groups.values()) if (!states.has(g.groupId)) g.state = 'Dead'
  }

  private async readLogEnds (): Promise<void> {
    const tps = new Map<string, { topic: string, partition: number }>()
    for (const g of this.groups.values()) {
      for (const [k, p] of g.partitions) if (p.partition < this.options.partitionCount(p.topic)) tps.set(k, { topic: p.topic, partition: p.partition })
    }
    if (tps.size === 0) return
    const ends = await this.admin.offsetsAt([...tps.values()], LATEST)
    for (const [k, end] of ends) if (end >= 0) this.logEnds.set(k, end)
    const topicLag = new Map<string, Map<string, number>>()
    for (const g of this.groups.values()) {
      for (const [k, p] of g.partitions) {
        const end = this.logEnds.get(k)
        if (end === undefined) continue
        // commits read before the log end was known get their lag now
        for (const c of p.window) if (c.lag < 0) c.lag = Math.max(0, end - c.offset)
        let byGroup = topicLag.get(p.topic)
        if (byGroup === undefined) topicLag.set(p.topic, byGroup = new Map())
        byGroup.set(g.groupId, (byGroup.get(g.groupId) ?? 0) + Math.max(0, end - p.committed))
      }
    }
    this.topicLag = topicLag
  }

  /** The timestamp of the record at each lagging committed offset of the watched groups. */
  private async lookUpLagTimes (): Promise<void> {
    let budget = LAG_TIME_LOOKUPS_PER_TICK
    const lookups: Array<Promise<void>> = []
    for (const groupId of this.watched.keys()) {
      for (const p of this.groups.get(groupId)?.partitions.values() ?? []) {
        if ((this.lagOf(p) ?? 0) === 0 || p.recordAt?.offset === p.committed || budget-- <= 0) continue
        const offset = p.committed
        lookups.push(readChunk(this.options.fetch, p.topic, p.partition, offset, TICK_MS).then(({ records }) => {
          const first = records[0]
          if (first !== undefined) p.recordAt = { offset, timestamp: first.timestamp }
        }, () => {}))
      }
    }
    await Promise.all(lookups)
  }

  private recordLag (): void {
    const now = Math.round(Date.now() / TICK_MS) * TICK_MS
    const point: Record<string, number> = {}
    for (const g of this.groups.values()) if (g.partitions.size > 0) point[`group.${g.groupId}.lag`] = this.totalLag(g)
    this.options.history.record(now, point)
  }
}

function safeAssignment (bytes: Buffer | null): Array<{ topic: string, partition: number }> {
  if (bytes === null || bytes.length === 0) return []
  try {
    return decodeAssignment(bytes)
  } catch {
    return []
  }
}
