/**
 * The documents the dashboard shows, rendered from the ClusterView: the same JSON answers
 * `GET /api/v1/...` and is the `data` of a watch's snapshot (whose later changes go out as merge
 * patches, see merge-patch.ts). Collections are objects keyed by id, so one broker's or one
 * partition's change is a small patch; no value is null (absent instead). docs/dashboard.md
 * describes every field.
 */
import type { PartitionMetadata, TopicMetadata } from '../client/cluster-metadata.js'
import { partitionKey, type Latency } from './broker-metrics-scraper.js'
import type { ClusterTimeline } from './cluster-timeline.js'
import type { ClusterView } from './cluster-view.js'
import type { ConsumerGroupsView } from './consumer-groups-view.js'
import type { MetricsHistory } from './metrics-history.js'
import type { Json, JsonObject } from './merge-patch.js'
import { errorName } from '../protocol/error-codes.js'

export const MAX_PAGE = 500

/**
 * Which topics and groups the reader may see (Describe on them), for a gateway that maps tokens to
 * principals: a broker's Metadata leaves out the topics a principal may not Describe, ListGroups the
 * groups, and OffsetFetch the topics; the documents do the same.
 */
export interface Visibility { topic: (name: string) => boolean, group: (id: string) => boolean }
export const SEES_ALL: Visibility = { topic: () => true, group: () => true }

/** A topics page's order: by name, or by a rate (the busiest first, as kafka-ui and AKHQ sort). */
export const TOPIC_SORTS = ['name', 'messagesIn', 'bytesIn', 'bytesOut'] as const
export type TopicSort = typeof TOPIC_SORTS[number]

export interface TopicsQuery {
  /** Case-insensitive substring of the name; '' for all. */
  search: string
  sort: TopicSort
  offset: number
  limit: number
  /** Topics whose names start with `__` (Kafka's internal ones) too. */
  internal: boolean
}

const isUnderReplicated = (p: PartitionMetadata): boolean => p.isr.length < p.replicas.length
const isOffline = (view: ClusterView, p: PartitionMetadata): boolean => p.leader < 0 || !view.isLive(p.leader)

/** Only defined fields: a document holds no nulls (null in a patch means "removed"). */
function defined (o: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v
  return out
}

function partitionsOf (t: TopicMetadata): PartitionMetadata[] {
  return t.partitions.filter(p => p !== undefined)
}

export function clusterDocument (view: ClusterView, readOnly: boolean): JsonObject {
  const leaders = new Map<number, number>()
  const replicas = new Map<number, number>()
  const underReplicatedLed = new Map<number, number>()
  let total = 0
  let underReplicated = 0
  let offline = 0
  let internalTopics = 0
  for (const t of view.topics.values()) {
    if (t.isInternal) internalTopics++
    for (const p of partitionsOf(t)) {
      total++
      if (p.leader >= 0) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1)
      for (const r of p.replicas) replicas.set(r, (replicas.get(r) ?? 0) + 1)
      if (isUnderReplicated(p)) {
        underReplicated++
        if (p.leader >= 0) underReplicatedLed.set(p.leader, (underReplicatedLed.get(p.leader) ?? 0) + 1)
      }
      if (isOffline(view, p)) offline++
    }
  }
  const ids = new Set([...view.brokers.keys(), ...view.liveBrokerIds])
  const brokers: JsonObject = {}
  for (const id of [...ids].sort((a, b) => a - b)) {
    const b = view.brokers.get(id)
    const m = view.throughput.brokerMetrics.get(id)
    brokers[id] = defined({
      id,
      host: b !== undefined && 'host' in b ? b.host : undefined,
      port: b !== undefined && 'port' in b ? b.port : undefined,
      rack: b !== undefined && 'rack' in b ? b.rack ?? undefined : undefined,
      live: view.isLive(id),
      leaders: leaders.get(id) ?? 0,
      replicas: replicas.get(id) ?? 0,
      underReplicated: underReplicatedLed.get(id) ?? 0,
      metrics: m === undefined ? undefined : defined({ url: m.url, error: m.error, rates: m.rates === undefined ? undefined : { ...m.rates }, maxLag: m.maxLag, connections: m.connections, latency: m.latency === undefined ? undefined : latencyDocument(m.latency) }),
      logDirs: logDirsDocument(view, id),
    })
  }
  const servers: JsonObject = {}
  for (const [hostPort, s] of view.ensemble) {
    servers[hostPort] = 'error' in s
      ? { mode: s.mode, error: s.error }
      : defined({ mode: s.mode, version: s.version ?? undefined, zxid: s.zxid ?? undefined, nodeCount: s.nodeCount ?? undefined, latencyAvgMs: s.latencyMs?.avg })
  }
  return defined({
    clusterId: view.clusterId ?? undefined,
    controller: defined({ id: view.controllerId, epoch: view.controllerEpoch ?? undefined }),
    brokers,
    zookeeper: view.readsZooKeeper ? { servers } : undefined,
    topics: { count: view.topics.size, internal: internalTopics },
    partitions: { total, underReplicated, offline },
    rates: view.throughput.rates === undefined ? undefined : { ...view.throughput.rates },
    ratesAtMs: view.throughput.ratesAtMs,
    readOnly,
    metadataError: view.metadataError,
  })
}

/** Per API, p50 and p99 rounded to 0.1 ms, so a patch goes out only when a figure a person reads moved. */
function latencyDocument (latency: Record<string, Latency>): JsonObject {
  const round = (ms: number): number => Math.round(ms * 10) / 10
  const out: JsonObject = {}
  for (const [api, l] of Object.entries(latency)) out[api] = { p50: round(l.p50), p99: round(l.p99) }
  return out
}

/** A broker's log dirs (DescribeLogDirs), keyed by path, with the bytes of the replicas in each. */
function logDirsDocument (view: ClusterView, id: number): JsonObject | undefined {
  const dirs = view.logDirs.get(id)
  if (dirs === undefined) return undefined
  const out: JsonObject = {}
  for (const d of dirs) {
    const replicas = d.partitions.filter(p => !p.isFuture)
    out[d.logDir] = defined({
      logDir: d.logDir,
      error: d.errorCode !== 0 ? errorName(d.errorCode) : undefined,
      size: replicas.reduce((n, p) => n + p.size, 0),
      replicas: replicas.length,
      // -1: the broker does not know (DescribeLogDirs before v4)
      usableBytes: d.usableBytes >= 0 ? d.usableBytes : undefined,
      totalBytes: d.totalBytes >= 0 ? d.totalBytes : undefined,
    })
  }
  return out
}

/** A topic's size: the sum of its partitions' (each its leader's replica); undefined before any log dir was read. */
function topicSize (view: ClusterView, t: TopicMetadata): number | undefined {
  let size: number | undefined
  for (const p of partitionsOf(t)) {
    const s = view.partitionSize(t.name, p.partition, p.leader, p.replicas)
    if (s !== undefined) size = (size ?? 0) + s
  }
  return size
}

/** At most this many groups listed per topic row (the busiest first), with their count. */
const GROUPS_PER_TOPIC_ROW = 5

export function topicsDocument (view: ClusterView, q: TopicsQuery, groups?: ConsumerGroupsView, sees: Visibility = SEES_ALL): JsonObject {
  const needle = q.search.toLowerCase()
  const names = [...view.topics.keys()]
    .filter(name => (q.internal || !view.topics.get(name)!.isInternal) && (needle === '' || name.toLowerCase().includes(needle)) && sees.topic(name))
    .sort()
  const sort = q.sort
  if (sort !== 'name') {
    // a stable sort: topics of equal rate (most are idle) stay in name order
    const rate = (name: string): number => view.throughput.topicRates.get(name)?.[sort] ?? 0
    names.sort((a, b) => rate(b) - rate(a))
  }
  const rows: Json[] = names.slice(q.offset, q.offset + q.limit).map(name => {
    const t = view.topics.get(name)!
    const ps = partitionsOf(t)
    return defined({
      name,
      internal: t.isInternal,
      partitions: ps.length,
      replicationFactor: ps.reduce((rf, p) => Math.max(rf, p.replicas.length), 0),
      size: topicSize(view, t),
      underReplicated: ps.filter(isUnderReplicated).length,
      offline: ps.filter(p => isOffline(view, p)).length,
      rates: topicRates(view, name),
      ...readersOf(name, groups, sees),
    })
  })
  return { search: q.search, sort: q.sort, offset: q.offset, limit: q.limit, total: names.length, topics: rows }
}

/**
 * A topic's rates now (summed over the brokers), undefined without two scrapes; messages to 0.1/s
 * and bytes to 1 B/s, so a patch goes out only when a figure a person reads moved.
 */
function topicRates (view: ClusterView, name: string): JsonObject | undefined {
  if (view.throughput.rates === undefined) return undefined
  const r = view.throughput.topicRates.get(name)
  return { messagesIn: Math.round((r?.messagesIn ?? 0) * 10) / 10, bytesIn: Math.round(r?.bytesIn ?? 0), bytesOut: Math.round(r?.bytesOut ?? 0) }
}

/** The groups that committed offsets on a topic, and their total lag there. */
function readersOf (topic: string, groups: ConsumerGroupsView | undefined, sees: Visibility): JsonObject {
  const lags = groups?.topicLag.get(topic)
  if (lags === undefined) return { groupCount: 0, groups: [] }
  const sorted = [...lags].filter(([groupId]) => sees.group(groupId)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return { groupCount: sorted.length, groups: sorted.slice(0, GROUPS_PER_TOPIC_ROW).map(([groupId, lag]) => ({ groupId, lag })) }
}

/** One topic; `exists: false` once it is gone (a watch on a deleted topic says so rather than ending). */
export function topicDocument (view: ClusterView, name: string): JsonObject {
  const t = view.topics.get(name)
  if (t === undefined) return { name, exists: false }
  const offsets = view.offsets.get(name)
  const partitions: JsonObject = {}
  for (const p of partitionsOf(t)) {
    const o = offsets?.get(p.partition)
    const atLeader = view.throughput.brokerMetrics.get(p.leader)
    const key = partitionKey(name, p.partition)
    const rate = atLeader?.partitionRates?.get(key)
    partitions[p.partition] = defined({
      partition: p.partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      offlineReplicas: p.offlineReplicas.length > 0 ? p.offlineReplicas : undefined,
      underReplicated: isUnderReplicated(p),
      offline: isOffline(view, p),
      logStartOffset: o !== undefined && o.logStartOffset >= 0 ? o.logStartOffset : undefined,
      highWatermark: o !== undefined && o.highWatermark >= 0 ? o.highWatermark : undefined,
      logEndOffset: atLeader?.logEndOffsets?.get(key),
      size: view.partitionSize(name, p.partition, p.leader, p.replicas),
      messagesInPerSec: rate === undefined ? undefined : Math.round(rate * 10) / 10,
    })
  }
  return defined({ name, exists: true, topicId: t.topicId, internal: t.isInternal, partitions, rates: topicRates(view, name), ratesAtMs: view.throughput.ratesAtMs })
}

export interface GroupsQuery { search: string, offset: number, limit: number }

/** Seconds of 1 s lag history a group document carries, for its chart. */
const GROUP_LAG_POINTS = 300

/** A page of consumer groups, sorted by id, searched on the server. */
export function groupsDocument (groups: ConsumerGroupsView, q: GroupsQuery, sees: Visibility = SEES_ALL): JsonObject {
  const needle = q.search.toLowerCase()
  const ids = [...groups.groups.keys()].filter(id => (needle === '' || id.toLowerCase().includes(needle)) && sees.group(id)).sort()
  const now = Date.now()
  const rows: Json[] = ids.slice(q.offset, q.offset + q.limit).map(id => {
    const g = groups.groups.get(id)!
    return defined({
      groupId: id,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.length,
      partitions: g.partitions.size,
      lag: groups.totalLag(g),
      status: groups.groupStatus(g, now),
    })
  })
  return { search: q.search, offset: q.offset, limit: q.limit, total: ids.length, groups: rows }
}

/** One group: members, per partition committed offset, log end, lag, lag in time and Burrow's status; its lag history. */
export function groupDocument (groups: ConsumerGroupsView, history: MetricsHistory, groupId: string, sees: Visibility = SEES_ALL): JsonObject {
  const g = groups.groups.get(groupId)
  if (g === undefined || !sees.group(groupId)) return { groupId, exists: false }
  const now = Date.now()
  const owners = new Map<string, string>()
  const members: JsonObject = {}
  for (const m of g.members) {
    for (const tp of m.assignment) owners.set(`${tp.topic}-${tp.partition}`, m.memberId)
    members[m.memberId] = { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment: m.assignment.map(tp => `${tp.topic}-${tp.partition}`) }
  }
  const partitions: JsonObject = {}
  for (const p of g.partitions.values()) {
    if (!sees.topic(p.topic)) continue
    const name = `${p.topic}-${p.partition}`
    const lag = groups.lagOf(p)
    partitions[name] = defined({
      topic: p.topic,
      partition: p.partition,
      committedOffset: p.committed,
      logEndOffset: groups.logEnds.get(`${p.topic}\u0000${p.partition}`),
      lag,
      // now minus the timestamp of the record at the committed offset (0 when caught up)
      lagMs: lag === 0 ? 0 : p.recordAt?.offset === p.committed ? Math.max(0, now - p.recordAt.timestamp) : undefined,
      lastCommitMs: p.commitMs,
      owner: owners.get(name),
      status: groups.statusOf(p, now),
    })
  }
  const lagHistory = history.range(`group.${groupId}.lag`, '1s', now, GROUP_LAG_POINTS)
  return defined({
    groupId,
    exists: true,
    state: g.state,
    protocolType: g.protocolType,
    protocol: g.protocol,
    generation: g.generation,
    members,
    partitions,
    lag: groups.totalLag(g),
    status: groups.groupStatus(g, now),
    lagHistory: lagHistory === undefined ? undefined : { startMs: lagHistory.startMs, stepMs: lagHistory.stepMs, values: lagHistory.values },
  })
}

/** The newest timeline events, keyed by sequence number (a new event is a one-key patch). */
export function timelineDocument (timeline: ClusterTimeline, limit: number, sees: Visibility = SEES_ALL): JsonObject {
  const events: JsonObject = {}
  const visible = (d: JsonObject): boolean => (typeof d['topic'] !== 'string' || sees.topic(d['topic'])) && (typeof d['group'] !== 'string' || sees.group(d['group']))
  for (const e of timeline.all().slice(-limit)) if (visible(e.detail)) events[e.seq] = { seq: e.seq, atMs: e.atMs, kind: e.kind, detail: e.detail }
  return { events }
}
