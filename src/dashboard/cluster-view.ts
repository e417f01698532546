/**
 * What the gateway knows of the cluster, for the dashboard. It learns it the way a Kafka client
 * does, through the Kafka protocol (Metadata for brokers, controller and partitions; ListOffsets for
 * the offsets of the topics someone watches; DescribeConfigs on demand), and from ZooKeeper only
 * what the protocol cannot say: which brokers are registered now (a watch on /brokers/ids, so a
 * dead broker shows as soon as its session expires), the controller epoch, and each ZooKeeper
 * node's mode (`srvr`). Throughput comes from the brokers' /metrics, sampled once a second
 * (ClusterThroughput).
 *
 * Nothing here polls for structure on a timer: Metadata is fetched again when a ZooKeeper watch
 * fires (brokers, controller, topics, ISR change notifications) or when a scrape shows a broker's
 * leadership gauges moved, and at most every METADATA_MAX_AGE_MS as a safety net (as Kafka's
 * clients refresh at metadata.max.age.ms). 'change' is emitted (coalesced) after anything changed;
 * 'sample' once a second with the cluster's rates, and 'topicSample' with each watched topic's
 * messages in per second by partition.
 */
import { EventEmitter } from 'node:events'
import { Admin } from '../client/admin.js'
import { ResourceType, type ConfigResult } from '../client/config-admin.js'
import type { LogDirDescription } from '../client/log-admin.js'
import type { ClientProperties } from '../client/client-config.js'
import type { BrokerNode, TopicMetadata } from '../client/cluster-metadata.js'
import { Consumer } from '../client/consumer.js'
import { serverStatus, type ServerStatus } from '../cluster/four-letter-words.js'
import { brokerIdsZnode, controllerEpochZnode, controllerZnode, isrChangeNotificationZnode, topicsZnode } from '../cluster/znodes.js'
import { chrootOf, ZkSession, type Watcher, type ZnodeWithStat } from '../cluster/zk-session.js'
import type { Logger } from '../logger.js'
import { partitionKey, type BrokerMetricsReading, type LastRebalance } from './broker-metrics-scraper.js'
import { ClusterThroughput } from './cluster-throughput.js'
import { ClusterTimeline } from './cluster-timeline.js'

const TICK_MS = 1000
const METADATA_MAX_AGE_MS = 30_000
const ENSEMBLE_PROBE_EVERY_TICKS = 5
/** DescribeLogDirs to every live broker this often (in ticks): sizes for the brokers, topics and partitions. */
const LOG_DIRS_EVERY_TICKS = 5
const LOG_DIRS_TIMEOUT_MS = 3000
const ZK_RETRY_MS = 5000
/** After a ZooKeeper event, Metadata again at these delays: the controller acts on the event a moment after us. */
const FOLLOW_UP_MS = [0, 500, 2000]
/** ListOffsets: Kafka's special timestamps. */
const EARLIEST = -2
const LATEST = -1

export interface ClusterViewOptions {
  /** bootstrap.servers and the security keys (GatewayConfig.admin). */
  clientProps: ClientProperties
  zookeeperConnect: string | null
  brokerMetricsUrls: ReadonlyMap<number, string>
  log: Logger
}

export interface PartitionOffsets { logStartOffset: number, highWatermark: number }

export type ServerProbe = ServerStatus | { mode: 'unknown', error: string }

export class ClusterView extends EventEmitter {
  readonly timeline = new ClusterTimeline()
  clusterId: string | null = null
  controllerId = -1
  controllerEpoch: number | null = null
  /** Every broker seen (live in Metadata or named in a replica list), with its last known endpoint. */
  readonly brokers = new Map<number, BrokerNode | { nodeId: number }>()
  /** From /brokers/ids when ZooKeeper is configured and connected, otherwise Metadata's broker list. */
  liveBrokerIds = new Set<number>()
  topics = new Map<string, TopicMetadata>()
  readonly ensemble = new Map<string, ServerProbe>()
  readonly throughput: ClusterThroughput
  metadataError?: string
  metadataAtMs = 0
  /** Each live broker's log dirs (DescribeLogDirs), with the partition replicas in them. */
  readonly logDirs = new Map<number, LogDirDescription[]>()
  /** Bytes of each partition replica, by broker, then partitionKey (from logDirs). */
  readonly replicaSizes = new Map<number, Map<string, number>>()
  /** Offsets of the topics someone watches (interest counted by `watchTopic`). */
  readonly offsets = new Map<string, Map<number, PartitionOffsets>>()

  /** Also the ACLs and users of the dashboard (security-api.ts). */
  readonly admin: Admin
  private readonly offsetReader: Consumer
  private readonly watchedTopics = new Map<string, number>()
  private zk?: ZkSession
  private zkLive?: Set<number>
  private timer?: NodeJS.Timeout
  private ticks = 0
  private tickRunning = false
  private stopped = false
  private refreshing?: Promise<void>
  private refreshAgain = false
  private followUps: NodeJS.Timeout[] = []
  private gaugeFingerprint = ''
  private changePending = false

  constructor (private readonly options: ClusterViewOptions) {
    super()
    const props: ClientProperties = { ...options.clientProps, 'client.id': 'kafka-gateway-dashboard' }
    this.admin = new Admin(props)
    this.offsetReader = new Consumer(props)
    this.throughput = new ClusterThroughput(options.brokerMetricsUrls, TICK_MS - 100)
  }

  get readsZooKeeper (): boolean { return this.options.zookeeperConnect !== null }
  get scrapesMetrics (): boolean { return this.throughput.configured }

  start (): void {
    void this.refresh()
    if (this.options.zookeeperConnect !== null) void this.connectZooKeeper(this.options.zookeeperConnect)
    this.timer = setInterval(() => { void this.tick() }, TICK_MS)
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    for (const t of this.followUps) clearTimeout(t)
    this.zk?.close()
    await this.refreshing?.catch(() => {})
    await Promise.all([this.admin.close(), this.offsetReader.close()])
  }

  /**
   * Counts interest in a topic's offsets, which are then kept fresh; `ready` resolves once they
   * were read, `release` takes the interest back.
   */
  acquireTopic (topic: string): { ready: Promise<void>, release: () => void } {
    this.watchedTopics.set(topic, (this.watchedTopics.get(topic) ?? 0) + 1)
    let released = false
    return {
      ready: this.refreshOffsets([topic]),
      release: () => {
        if (released) return
        released = true
        const n = (this.watchedTopics.get(topic) ?? 1) - 1
        if (n > 0) this.watchedTopics.set(topic, n)
        else { this.watchedTopics.delete(topic); this.offsets.delete(topic); this.throughput.unwatch(topic) }
      },
    }
  }

  isLive (brokerId: number): boolean { return this.liveBrokerIds.has(brokerId) }

  /** A partition's size: its leader's replica (one copy of the data), else the largest replica known. */
  partitionSize (topic: string, partition: number, leader: number, replicas: readonly number[]): number | undefined {
    const key = partitionKey(topic, partition)
    const atLeader = this.replicaSizes.get(leader)?.get(key)
    if (atLeader !== undefined) return atLeader
    let size: number | undefined
    for (const r of replicas) {
      const s = this.replicaSizes.get(r)?.get(key)
      if (s !== undefined && (size === undefined || s > size)) size = s
    }
    return size
  }

  async describeConfigs (type: 'topic' | 'broker', name: string): Promise<ConfigResult | undefined> {
    const [result] = await this.admin.describeConfigs([{ type: type === 'topic' ? ResourceType.TOPIC : ResourceType.BROKER, name }], { timeoutMs: 10_000 })
    return result
  }

  /** ListOffsets (EARLIEST, LATEST or a timestamp) of partitions, by `topic\u0000partition`: -1 where none. */
  async offsetsAt (tps: ReadonlyArray<{ topic: string, partition: number }>, timestamp: number): Promise<Map<string, number>> {
    return await this.offsetReader.offsetsForTimes(tps, timestamp)
  }

  /** A znode with its stat and children, for the ZooKeeper view; undefined without ZooKeeper. */
  async readZnode (path: string): Promise<ZnodeWithStat | null | undefined> {
    if (this.zk === undefined) return undefined
    return await this.zk.getWithStat(path)
  }

  /** Metadata for every topic, one request at a time; a call during one asks for another after it. */
  async refresh (): Promise<void> {
    if (this.refreshing !== undefined) {
      this.refreshAgain = true
      return await this.refreshing
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false
        await this.fetchMetadata()
      } while (this.refreshAgain && !this.stopped)
    })()
    try {
      await this.refreshing
    } finally {
      this.refreshing = undefined
    }
  }

  /** Metadata now and twice more shortly (FOLLOW_UP_MS): after a change the dashboard made, or a ZooKeeper event. */
  refreshSoon (): void {
    for (const t of this.followUps) clearTimeout(t)
    this.followUps = FOLLOW_UP_MS.map(ms => setTimeout(() => { void this.refresh() }, ms))
  }

  private async fetchMetadata (): Promise<void> {
    if (this.stopped) return
    try {
      const topics = await this.admin.describeTopics(null, { timeoutMs: 5000 })
      const m = this.admin.client.metadata
      const before = this.topics
      const now = Date.now()
      this.clusterId = m.clusterId
      if (this.metadataAtMs > 0 && m.controllerId !== this.controllerId && m.controllerId >= 0) {
        this.timeline.add(now, 'controller', { from: this.controllerId, to: m.controllerId, ...(this.controllerEpoch !== null ? { epoch: this.controllerEpoch } : {}) })
      }
      this.controllerId = m.controllerId
      this.topics = new Map(topics.map(t => [t.name, t]))
      if (this.metadataAtMs > 0) this.timeline.compareTopics(now, before, this.topics)
      for (const name of before.keys()) if (!this.topics.has(name)) this.throughput.forgetTopic(name)
      for (const b of m.brokers.values()) this.brokers.set(b.nodeId, b)
      for (const t of topics) {
        for (const p of t.partitions) {
          for (const id of p?.replicas ?? []) if (!this.brokers.has(id)) this.brokers.set(id, { nodeId: id })
        }
      }
      this.liveBrokerIds = this.zkLive ?? new Set(m.brokers.keys())
      this.metadataError = undefined
      this.metadataAtMs = Date.now()
      await this.refreshOffsets([...this.watchedTopics.keys()])
    } catch (err) {
      this.metadataError = (err as Error).message
      this.options.log.debug('dashboard metadata refresh failed', { error: this.metadataError })
    }
    this.changed()
  }

  private async refreshOffsets (topics: readonly string[]): Promise<void> {
    const tps = topics.flatMap(topic => (this.topics.get(topic)?.partitions ?? []).filter(p => p !== undefined).map(p => ({ topic, partition: p.partition })))
    if (tps.length === 0) return
    try {
      const [starts, ends] = await Promise.all([this.offsetReader.offsetsForTimes(tps, EARLIEST), this.offsetReader.offsetsForTimes(tps, LATEST)])
      for (const { topic, partition } of tps) {
        if (!this.watchedTopics.has(topic)) continue
        let byPartition = this.offsets.get(topic)
        if (byPartition === undefined) this.offsets.set(topic, byPartition = new Map())
        const key = `${topic}\u0000${partition}`
        byPartition.set(partition, { logStartOffset: starts.get(key) ?? -1, highWatermark: ends.get(key) ?? -1 })
      }
    } catch (err) {
      // a partition without a leader has no offsets to give; the next refresh tries again
      this.options.log.debug('dashboard offsets refresh failed', { topics, error: (err as Error).message })
    }
    this.changed()
  }

  /** Once a second: scrape the brokers, record the rates, and look again where the gauges say something moved. */
  private async tick (): Promise<void> {
    if (this.tickRunning || this.stopped) return
    this.tickRunning = true
    // the second this tick stands for: the interval's jitter must not put two ticks in one slot of
    // the history and leave the next slot a gap
    const atMs = Math.round(Date.now() / TICK_MS) * TICK_MS
    try {
      this.ticks++
      if (this.readsZooKeeper && this.ticks % ENSEMBLE_PROBE_EVERY_TICKS === 1) void this.probeEnsemble()
      if (this.ticks % LOG_DIRS_EVERY_TICKS === 1) void this.describeLogDirs()
      if (Date.now() - this.metadataAtMs > METADATA_MAX_AGE_MS) void this.refresh()
      if (!this.throughput.configured) {
        // no metrics to say which topics were written: read the watched topics' offsets every tick
        if (this.watchedTopics.size > 0) await this.refreshOffsets([...this.watchedTopics.keys()])
        return
      }
      const { readings, rates } = await this.throughput.sample(atMs)
      if (rates !== undefined) this.emit('sample', atMs, rates)
      this.timeline.timeRebalances(lastRebalances(readings))
      for (const topic of this.watchedTopics.keys()) {
        this.emit('topicSample', topic, atMs, this.throughput.recordPartitionRates(topic, this.topics.get(topic)?.partitions ?? [], atMs))
      }
      const fingerprint = JSON.stringify(readings.map(r => [r.brokerId, r.gauges ?? r.error]))
      if (fingerprint !== this.gaugeFingerprint) {
        this.gaugeFingerprint = fingerprint
        void this.refresh()
      }
      const written = [...this.watchedTopics.keys()].filter(t => readings.some(r => r.topicsWritten.has(t)))
      if (written.length > 0) await this.refreshOffsets(written)
      this.changed()
    } finally {
      this.tickRunning = false
    }
  }

  /** DescribeLogDirs to each live broker; one that does not answer keeps no log dirs until it does. */
  private async describeLogDirs (): Promise<void> {
    const ids = [...this.liveBrokerIds]
    await Promise.all(ids.map(async id => {
      try {
        const dirs = (await this.admin.describeLogDirs([id], null, { timeoutMs: LOG_DIRS_TIMEOUT_MS })).get(id) ?? []
        this.logDirs.set(id, dirs)
        this.replicaSizes.set(id, new Map(dirs.flatMap(d => d.partitions.filter(p => !p.isFuture).map(p => [partitionKey(p.topic, p.partition), p.size]))))
      } catch (err) {
        this.logDirs.delete(id)
        this.replicaSizes.delete(id)
        this.options.log.debug('dashboard DescribeLogDirs failed', { broker: id, error: (err as Error).message })
      }
    }))
    for (const id of this.logDirs.keys()) if (!this.liveBrokerIds.has(id)) { this.logDirs.delete(id); this.replicaSizes.delete(id) }
    this.changed()
  }

  private async probeEnsemble (): Promise<void> {
    const connect = this.options.zookeeperConnect ?? ''
    const hosts = connect.slice(0, connect.length - chrootOf(connect).length).split(',').map(h => h.trim()).filter(h => h !== '')
    await Promise.all(hosts.map(async hostPort => {
      const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort)
      const host = m?.[1] ?? hostPort
      const port = Number(m?.[2] ?? 2181)
      try {
        this.ensemble.set(hostPort, await serverStatus(host, port, { timeoutMs: 2000 }))
      } catch (err) {
        this.ensemble.set(hostPort, { mode: 'unknown', error: (err as Error).message })
      }
    }))
    this.changed()
  }

  private async connectZooKeeper (connectString: string): Promise<void> {
    while (!this.stopped) {
      try {
        const zk = await ZkSession.connect(connectString, { sessionTimeoutMs: 30_000, connectionTimeoutMs: 10_000, logger: this.options.log })
        if (this.stopped) { zk.close(); return }
        this.zk = zk
        zk.on('session', () => { void this.armWatches(zk) })
        zk.on('disconnected', () => { void this.probeEnsemble() })
        await this.armWatches(zk)
        return
      } catch (err) {
        this.options.log.warn('dashboard cannot reach ZooKeeper; trying again', { zookeeper: connectString, error: (err as Error).message })
        await new Promise(resolve => setTimeout(resolve, ZK_RETRY_MS))
      }
    }
  }

  /** (Re)sets the watches of a session; each fires once, and re-arms itself. */
  private async armWatches (zk: ZkSession): Promise<void> {
    const generation = zk.generation
    const alive = (): boolean => !this.stopped && zk.generation === generation
    const again = (arm: () => Promise<void>): Watcher => () => { if (alive()) { this.refreshSoon(); void arm().catch(err => this.watchFailed(err)) } }
    const brokerIds = async (): Promise<void> => {
      const before = this.zkLive
      this.zkLive = new Set((await zk.getChildren(brokerIdsZnode.path, again(brokerIds))).map(Number))
      if (before !== undefined) {
        for (const id of this.zkLive) if (!before.has(id)) this.timeline.add(Date.now(), 'broker-joined', { broker: id })
        for (const id of before) if (!this.zkLive.has(id)) this.timeline.add(Date.now(), 'broker-left', { broker: id })
      }
      this.liveBrokerIds = this.zkLive
      this.changed()
    }
    const controller = async (): Promise<void> => {
      await zk.exists(controllerZnode.path, again(controller))
    }
    const epoch = async (): Promise<void> => {
      const data = await zk.getData(controllerEpochZnode.path, again(epoch))
      if (data === null) await zk.exists(controllerEpochZnode.path, again(epoch))
      this.controllerEpoch = data === null ? null : controllerEpochZnode.decode(data.data)
      this.changed()
    }
    const children = (path: string): () => Promise<void> => {
      const arm = async (): Promise<void> => { await zk.getChildren(path, again(arm)) }
      return arm
    }
    await Promise.all([brokerIds(), controller(), epoch(), children(topicsZnode.path)(), children(isrChangeNotificationZnode.rootPath)()])
      .catch(err => this.watchFailed(err))
    void this.probeEnsemble()
  }

  private watchFailed (err: unknown): void {
    this.options.log.warn('dashboard ZooKeeper watch failed', { error: (err as Error).message })
  }

  /** Coalesces changes within one turn of the event loop into one 'change'. */
  private changed (): void {
    if (this.changePending || this.stopped) return
    this.changePending = true
    setImmediate(() => {
      this.changePending = false
      this.emit('change')
    })
  }
}

/** Each group's last completed rebalance over the brokers; while a group's coordinator moves, the newer generation. */
function lastRebalances (readings: readonly BrokerMetricsReading[]): Map<string, LastRebalance> {
  const out = new Map<string, LastRebalance>()
  for (const r of readings) {
    for (const [group, last] of r.rebalances ?? []) if ((out.get(group)?.generation ?? -1) < last.generation) out.set(group, last)
  }
  return out
}
