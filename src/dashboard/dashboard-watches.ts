/**
 * `watch` over the gateway's WebSocket (docs/dashboard.md): a watch renders its document from the
 * ClusterView, sends it whole (`snapshot`), then after each change of the view renders it again
 * and sends only the difference (`patch`, a JSON Merge Patch, RFC 7396) when there is one. A
 * cluster watch also gets a `sample` of the cluster's rates each second, a topic watch one of its
 * partitions' messages in per second (for the heat map). Nothing is queued per
 * watch: a socket past its high-water mark misses patches, and gets a fresh snapshot once it
 * drains, so a slow tab costs the gateway one document per watch, never a backlog.
 */
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import { AclOperation, ResourceType } from '../security/acl-binding.js'
import type { Access } from '../gateway/gateway-authorizer.js'
import type { ClusterView } from './cluster-view.js'
import { PARTITION_RATE_SECONDS } from './cluster-throughput.js'
import type { ConsumerGroupsView } from './consumer-groups-view.js'
import { clusterDocument, groupDocument, groupsDocument, MAX_PAGE, SEES_ALL, timelineDocument, TOPIC_SORTS, topicDocument, topicsDocument, type GroupsQuery, type TopicSort, type TopicsQuery, type Visibility } from './documents.js'
import { diff, type JsonObject } from './merge-patch.js'
import { RATE_COUNTERS, type Rates } from './broker-metrics-scraper.js'

export type WatchTarget =
  | { on: 'cluster' }
  | { on: 'topics', query: TopicsQuery }
  | { on: 'topic', topic: string }
  | { on: 'groups', query: GroupsQuery }
  | { on: 'group', group: string }
  | { on: 'timeline' }

export type WatchRequest =
  | { op: 'watch', watch: string, target: WatchTarget }
  | { op: 'unwatch', watch: string }

/** Where a watch's frames go: a socket (GatewaySession's sink). */
export interface WatchSink {
  send: (frame: object) => void
  readonly bufferedAmount: number
}

const MAX_WATCHES_PER_SOCKET = 100
/** Seconds of 1 s history a cluster snapshot carries, for a client's sparklines (the page reads /api/v1/history, by span). */
const SNAPSHOT_SERIES_POINTS = 300
/** Timeline events a watch carries (the gateway keeps up to MAX_EVENTS). */
const TIMELINE_EVENTS = 500

interface Watch {
  readonly id: string
  readonly target: WatchTarget
  readonly render: () => JsonObject
  last: JsonObject
  seq: number
  behind: boolean
  readonly release?: () => void
}

export class DashboardWatches {
  private readonly sockets = new Map<WatchSink, Map<string, Watch>>()
  private readonly onChange = (): void => this.publish()
  private readonly onSample = (atMs: number, rates: Rates): void => this.sample(atMs, w => w.target.on === 'cluster', rates)
  private readonly onTopicSample = (topic: string, atMs: number, values: Record<string, number>): void => this.sample(atMs, w => w.target.on === 'topic' && w.target.topic === topic, values)

  constructor (private readonly view: ClusterView, private readonly groups: ConsumerGroupsView, private readonly readOnly: boolean, private readonly highWaterBytes: number) {
    view.on('change', this.onChange)
    view.on('sample', this.onSample)
    view.on('topicSample', this.onTopicSample)
    groups.on('change', this.onChange)
  }

  close (): void {
    this.groups.off('change', this.onChange)
    this.view.off('change', this.onChange)
    this.view.off('sample', this.onSample)
    this.view.off('topicSample', this.onTopicSample)
    for (const sink of [...this.sockets.keys()]) this.release(sink)
  }

  /** Carries out a watch request for a socket with `access`; problems are answered on the socket, never thrown. */
  handle (sink: WatchSink, request: WatchRequest, access: Access): void {
    let watches = this.sockets.get(sink)
    if (request.op === 'unwatch') {
      const w = watches?.get(request.watch)
      if (w === undefined) return this.fail(sink, request.watch, `no watch ${JSON.stringify(request.watch)} on this socket`)
      w.release?.()
      watches!.delete(request.watch)
      sink.send({ op: 'unwatched', watch: request.watch })
      return
    }
    if (watches?.has(request.watch) === true) return this.fail(sink, request.watch, `watch ${request.watch} already exists on this socket; unwatch it first or pick another "watch"`)
    if ((watches?.size ?? 0) >= MAX_WATCHES_PER_SOCKET) return this.fail(sink, request.watch, `this socket has ${MAX_WATCHES_PER_SOCKET} watches already`)
    const target = request.target
    try {
      // DescribeGroups and Metadata of one topic: Describe on it, else the broker's refusal
      if (target.on === 'topic') access.ensure(AclOperation.DESCRIBE, ResourceType.TOPIC, target.topic, 'watch')
      if (target.on === 'group') access.ensure(AclOperation.DESCRIBE, ResourceType.GROUP, target.group, 'watch')
    } catch (err) {
      if (err instanceof KafkaError) return this.fail(sink, request.watch, err.message, err.code)
      throw err
    }
    if (watches === undefined) this.sockets.set(sink, watches = new Map())
    const w = this.create(request.watch, target, visibilityOf(access))
    watches.set(w.id, w)
    this.sendSnapshot(sink, w)
  }

  /** The socket closed: its watches go. */
  release (sink: WatchSink): void {
    for (const w of this.sockets.get(sink)?.values() ?? []) w.release?.()
    this.sockets.delete(sink)
  }

  private create (id: string, target: WatchTarget, sees: Visibility): Watch {
    const base = { id, target, last: {}, seq: 0, behind: false }
    switch (target.on) {
      case 'cluster':
        return { ...base, render: () => clusterDocument(this.view, this.readOnly) }
      case 'topics':
        return { ...base, render: () => topicsDocument(this.view, target.query, this.groups, sees) }
      case 'topic':
        return { ...base, render: () => topicDocument(this.view, target.topic), release: this.view.acquireTopic(target.topic).release }
      case 'groups':
        return { ...base, render: () => groupsDocument(this.groups, target.query, sees) }
      case 'group':
        return { ...base, render: () => groupDocument(this.groups, this.view.throughput.history, target.group, sees), release: this.groups.acquire(target.group) }
      case 'timeline':
        return { ...base, render: () => timelineDocument(this.view.timeline, TIMELINE_EVENTS, sees) }
    }
  }

  private sendSnapshot (sink: WatchSink, w: Watch): void {
    w.last = w.render()
    w.seq++
    w.behind = false
    const frame: Record<string, unknown> = { op: 'snapshot', watch: w.id, seq: w.seq, data: w.last }
    if (w.target.on === 'cluster') frame['series'] = this.recentSeries()
    if (w.target.on === 'topic') frame['series'] = this.partitionSeries(w.target.topic)
    sink.send(frame)
  }

  private publish (): void {
    for (const [sink, watches] of this.sockets) {
      const full = sink.bufferedAmount > this.highWaterBytes
      for (const w of watches.values()) {
        if (full) { w.behind = true; continue }
        if (w.behind) { this.sendSnapshot(sink, w); continue }
        const next = w.render()
        const patch = diff(w.last, next)
        if (patch === undefined) continue
        w.last = next
        w.seq++
        sink.send({ op: 'patch', watch: w.id, seq: w.seq, patch })
      }
    }
  }

  private sample (atMs: number, to: (w: Watch) => boolean, values: object): void {
    for (const [sink, watches] of this.sockets) {
      if (sink.bufferedAmount > this.highWaterBytes) continue
      for (const w of watches.values()) if (to(w)) sink.send({ op: 'sample', watch: w.id, t: atMs, values })
    }
  }

  /** A topic's last minute of messages in per second, one array per partition (`null` for seconds without a figure). */
  private partitionSeries (topic: string): object | undefined {
    if (!this.view.scrapesMetrics) return undefined
    const stepMs = 1000
    const endSlot = Math.floor(Date.now() / stepMs)
    const startSlot = endSlot - PARTITION_RATE_SECONDS + 1
    const out: Record<string, number | Array<number | null>> = { startMs: startSlot * stepMs, stepMs }
    const partitions = this.view.topics.get(topic)?.partitions.length ?? 0
    for (let p = 0; p < partitions; p++) out[p] = new Array<number | null>(PARTITION_RATE_SECONDS).fill(null)
    for (const { atMs, values } of this.view.throughput.partitionRates.get(topic) ?? []) {
      const i = Math.floor(atMs / stepMs) - startSlot
      if (i < 0 || i >= PARTITION_RATE_SECONDS) continue
      for (const [p, v] of Object.entries(values)) (out[p] as Array<number | null> | undefined)?.splice(i, 1, v)
    }
    return out
  }

  /** The last minutes of the cluster's rates at 1 s, for a snapshot's sparklines (none without broker metrics). */
  private recentSeries (): object | undefined {
    if (!this.view.scrapesMetrics) return undefined
    const now = Date.now()
    const stepMs = 1000
    const endSlot = Math.floor(now / stepMs)
    const out: Record<string, unknown> = { startMs: (endSlot - SNAPSHOT_SERIES_POINTS + 1) * stepMs, stepMs }
    for (const name of Object.keys(RATE_COUNTERS)) {
      out[name] = this.view.throughput.history.range(name, '1s', now, SNAPSHOT_SERIES_POINTS)?.values ?? new Array(SNAPSHOT_SERIES_POINTS).fill(null)
    }
    return out
  }

  private fail (sink: WatchSink, watch: string, message: string, code: number = ErrorCode.INVALID_REQUEST): void {
    sink.send({ op: 'error', watch, code, name: errorName(code), retriable: false, message })
  }
}

/** The topics and groups `access` may Describe (quietly: these checks only filter lists, as Metadata's for all topics). */
export function visibilityOf (access: Access): Visibility {
  if (!access.enforced) return SEES_ALL
  return {
    topic: name => access.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name, 'dashboard', true),
    group: id => access.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, id, 'dashboard', true),
  }
}

/** `watch`/`unwatch` frames, checked field by field (the gateway's other ops are in gateway-frames.ts). */
export function parseWatchRequest (m: Record<string, unknown>): WatchRequest | { problem: string } {
  if (typeof m.watch !== 'string' || m.watch === '' || m.watch.length > 256) return { problem: '"watch" must be a watch id (1 to 256 characters)' }
  if (m.op === 'unwatch') return { op: 'unwatch', watch: m.watch }
  switch (m.on) {
    case 'cluster':
      return { op: 'watch', watch: m.watch, target: { on: 'cluster' } }
    case 'topic':
      if (typeof m.topic !== 'string' || m.topic === '' || m.topic.length > 249) return { problem: '"topic" must be a topic name (1 to 249 characters)' }
      return { op: 'watch', watch: m.watch, target: { on: 'topic', topic: m.topic } }
    case 'topics': {
      const query = parseTopicsQuery(k => m[k])
      if ('problem' in query) return query
      return { op: 'watch', watch: m.watch, target: { on: 'topics', query } }
    }
    case 'groups': {
      const query = parsePageQuery(k => m[k])
      if ('problem' in query) return query
      return { op: 'watch', watch: m.watch, target: { on: 'groups', query } }
    }
    case 'group':
      if (typeof m.group !== 'string' || m.group.length > 255) return { problem: '"group" must be a group id (at most 255 characters)' }
      return { op: 'watch', watch: m.watch, target: { on: 'group', group: m.group } }
    case 'timeline':
      return { op: 'watch', watch: m.watch, target: { on: 'timeline' } }
    default:
      return { problem: '"on" must be "cluster", "topics", "topic", "groups", "group" or "timeline"' }
  }
}

/** A topics page's parameters, from a watch frame's fields or a URL's query (strings there). */
export function parseTopicsQuery (get: (key: string) => unknown): TopicsQuery | { problem: string } {
  const page = parsePageQuery(get)
  if ('problem' in page) return page
  const internal = get('internal')
  const sort = get('sort') ?? 'name'
  if (!TOPIC_SORTS.includes(sort as TopicSort)) return { problem: `"sort" must be one of ${TOPIC_SORTS.join(', ')}` }
  return { ...page, sort: sort as TopicSort, internal: internal === true || internal === 'true' }
}

/** A page's search, offset and limit (topics, groups), from a watch frame or a URL's query. */
export function parsePageQuery (get: (key: string) => unknown): GroupsQuery | { problem: string } {
  const search = get('search') ?? ''
  if (typeof search !== 'string' || search.length > 249) return { problem: '"search" must be a string of at most 249 characters' }
  const int = (key: string, dflt: number, max: number): number | undefined => {
    const raw = get(key)
    const v = raw === undefined || raw === null ? dflt : Number(raw)
    return Number.isSafeInteger(v) && v >= 0 && v <= max ? v : undefined
  }
  const offset = int('offset', 0, 2 ** 31)
  if (offset === undefined) return { problem: '"offset" must be an integer >= 0' }
  const limit = int('limit', 50, MAX_PAGE)
  if (limit === undefined || limit === 0) return { problem: `"limit" must be an integer from 1 to ${MAX_PAGE}` }
  return { search, offset, limit }
}
