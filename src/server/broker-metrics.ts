import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from 'prom-client'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { Controller } from '../controller/controller.js'
import type { CompletedRebalance } from '../coordinator/group.js'
import type { GroupCoordinator } from '../coordinator/group-coordinator.js'
import type { GroupState } from '../coordinator/group-state.js'
import { ApiKey, apiName } from '../protocol/api-keys.js'
import type { Partition } from '../replication/partition.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { PartitionLog } from '../storage/partition-log.js'
import type { ConnectionQuotas } from './connection-quotas.js'
import type { FetchSessionCache } from './fetch-session.js'

/** What the gauges read at each scrape: the broker's own state, nothing kept twice. */
export interface BrokerMetricsSources {
  replicas: Pick<ReplicaManager, 'hostedPartitions' | 'offlineReplicaCount' | 'stats' | 'maxLag'>
  metadata: Pick<MetadataCache, 'topics' | 'broker' | 'isReplicaOffline' | 'on' | 'off'>
  controller: Pick<Controller, 'isActive'>
  groups: Pick<GroupCoordinator, 'listGroups' | 'stats'>
  fetchSessions: Pick<FetchSessionCache, 'size' | 'totalPartitions' | 'evictions'>
  connections: { listeners: readonly string[], quotas: Pick<ConnectionQuotas, 'count'> }
}

/**
 * One broker's metrics in Prometheus text, under the names the Prometheus JMX exporter's Kafka
 * example config (example_configs/kafka-2_0_0.yml) gives Kafka's MBeans: a meter's Count becomes
 * `kafka_<domain>_<type>_<name without PerSec>_total`, a gauge's Value `kafka_<domain>_<type>_<name>`,
 * all lower case, the MBean's other keys labels. So dashboards and alerts written for Kafka work
 * here. docs/metrics.md lists every family.
 *
 * Events on the request path only add to plain numbers (per batch and partition, never per record);
 * the Prometheus families are filled from them, and from the broker's state, when scraped. Each
 * broker has its own Registry, so that brokers sharing a process (unit tests) never meet.
 */
export class BrokerMetrics {
  readonly registry = new Registry()
  /** Kafka's BrokerTopicStats: the series without a topic label is Kafka's all-topics MBean. */
  private readonly allTopics = newTopicCounts()
  private readonly byTopic = new Map<string, TopicCounts>()
  private replicationBytesOut = 0
  private readonly requests: RequestCounts[] = []
  private fetchConsumer?: RequestCounts
  private fetchFollower?: RequestCounts
  private readonly totalTimeMs: Summary<'request'>
  private readonly onTopicDeleted = (topic: string): void => { this.byTopic.delete(topic) }

  constructor (private readonly sources: BrokerMetricsSources) {
    const { replicas, metadata, controller, groups, fetchSessions, connections } = sources
    metadata.on('topicDeleted', this.onTopicDeleted)

    // BrokerTopicMetrics (kafka.server.BrokerTopicStats)
    this.counter('kafka_server_brokertopicmetrics_messagesin_total', 'Records appended by Produce, by topic (MessagesInPerSec)', ['topic'], () => this.perTopic(c => c.messagesIn))
    this.counter('kafka_server_brokertopicmetrics_bytesin_total', 'Bytes appended by Produce, by topic (BytesInPerSec)', ['topic'], () => this.perTopic(c => c.bytesIn))
    this.counter('kafka_server_brokertopicmetrics_bytesout_total', 'Bytes sent to consumers by Fetch, by topic (BytesOutPerSec)', ['topic'], () => this.perTopic(c => c.bytesOut))
    this.counter('kafka_server_brokertopicmetrics_replicationbytesin_total', 'Bytes this broker\'s followers appended from leaders (ReplicationBytesInPerSec)', [], () => [[{}, replicas.stats.replicationBytesIn]])
    this.counter('kafka_server_brokertopicmetrics_replicationbytesout_total', 'Bytes sent to followers by Fetch (ReplicationBytesOutPerSec)', [], () => [[{}, this.replicationBytesOut]])

    // RequestMetrics (kafka.network.RequestChannel)
    this.counter('kafka_network_requestmetrics_requests_total', 'Requests answered, by API and version (RequestsPerSec); Fetch also as FetchConsumer and FetchFollower', ['request', 'version'], () => this.requestCounts())
    // TotalTimeMs is a Yammer histogram; the exporter turns its NthPercentile attributes into a gauge
    // with a quantile label ("0.50" ... "0.999") and its Count into a _count counter. The same here,
    // so Kafka's dashboards read it unchanged. The quantiles come from an unregistered Summary over
    // a sliding window (as Kafka's reservoir favours recent requests).
    this.totalTimeMs = new Summary({ name: 'totaltimems', help: 'TotalTimeMs, read by the gauge', labelNames: ['request'], registers: [], percentiles: [...QUANTILE_LABELS.keys()], maxAgeSeconds: 60, ageBuckets: 2 })
    const totalTimeMs = this.totalTimeMs
    new Gauge({
      name: 'kafka_network_requestmetrics_totaltimems',
      help: 'Milliseconds from a request\'s arrival to its encoded response, by API, over the last 30 to 60 s (TotalTimeMs percentiles)',
      labelNames: ['request', 'quantile'],
      registers: [this.registry],
      async collect () {
        const { values } = await totalTimeMs.get()
        this.reset()
        for (const v of values) {
          const labels: Record<string, string | number | undefined> = v.labels // a quantile's also carries `quantile`
          const quantile = QUANTILE_LABELS.get(Number(labels['quantile']))
          if (quantile !== undefined) this.set({ request: String(labels['request']), quantile }, v.value)
        }
      },
    })
    this.counter('kafka_network_requestmetrics_totaltimems_count', 'Requests timed, by API (TotalTimeMs Count)', ['request'], () => this.requestTotals())

    // ReplicaManager (kafka.server.ReplicaManager)
    this.gauge('kafka_server_replicamanager_leadercount', 'Partitions led by this broker (LeaderCount)', () => countLeaders(replicas, () => true))
    this.gauge('kafka_server_replicamanager_partitioncount', 'Partition replicas on this broker, offline ones included (PartitionCount)', () => replicas.hostedPartitions().length + replicas.offlineReplicaCount)
    this.gauge('kafka_server_replicamanager_underreplicatedpartitions', 'Partitions led here whose ISR is smaller than their replica set (UnderReplicatedPartitions)', () => countLeaders(replicas, p => p.isr.length < p.replicas.length))
    this.gauge('kafka_server_replicamanager_underminisrpartitioncount', 'Partitions led here whose ISR is smaller than min.insync.replicas (UnderMinIsrPartitionCount)', () => countLeaders(replicas, p => p.isr.length < p.minInsyncReplicas))
    this.gauge('kafka_server_replicamanager_offlinereplicacount', 'Replicas on this broker in failed log dirs (OfflineReplicaCount)', () => replicas.offlineReplicaCount)
    this.counter('kafka_server_replicamanager_isrshrinks_total', 'ISR shrinks this broker made as leader (IsrShrinksPerSec)', [], () => [[{}, replicas.stats.isrShrinks]])
    this.counter('kafka_server_replicamanager_isrexpands_total', 'ISR expansions this broker made as leader (IsrExpandsPerSec)', [], () => [[{}, replicas.stats.isrExpands]])

    // ReplicaFetcherManager (kafka.server.ReplicaFetcherManager), labelled as the JMX exporter shows clientId=Replica
    this.labelledGauge('kafka_server_replicafetchermanager_maxlag', 'The most records a partition followed here is behind its leader\'s high watermark (MaxLag)', ['clientId'], () => [[{ clientId: 'Replica' }, replicas.maxLag]])

    // FetchSessionCache (kafka.server.FetchSessionCache): incremental fetch sessions (KIP-227)
    this.gauge('kafka_server_fetchsessioncache_numincrementalfetchsessions', 'Incremental fetch sessions cached (NumIncrementalFetchSessions)', () => fetchSessions.size)
    this.gauge('kafka_server_fetchsessioncache_numincrementalfetchpartitionscached', 'Partitions over all cached fetch sessions (NumIncrementalFetchPartitionsCached)', () => fetchSessions.totalPartitions)
    this.counter('kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total', 'Fetch sessions evicted to make room for new ones (IncrementalFetchSessionEvictionsPerSec)', [], () => [[{}, fetchSessions.evictions]])

    // socket-server-metrics (kafka.network.SocketServer, Selector metrics): one event loop, so no networkProcessor label
    this.labelledGauge('kafka_server_socket_server_metrics_connection_count', 'Connections open, by listener, from accept to close (connection-count)', ['listener'],
      () => connections.listeners.map(listener => [{ listener }, connections.quotas.count(listener)]))

    // DelayedOperationPurgatory (kafka.server.DelayedOperationPurgatory)
    this.labelledGauge('kafka_server_delayedoperationpurgatory_purgatorysize', 'Requests waiting: acks=all produces for replication, fetches for min.bytes (PurgatorySize)', ['delayedOperation'],
      () => Object.entries(replicas.stats.purgatorySize).map(([delayedOperation, size]) => [{ delayedOperation }, size]))

    // KafkaController (kafka.controller.KafkaController): like Kafka's, nonzero on the active controller only
    this.gauge('kafka_controller_kafkacontroller_activecontrollercount', '1 on the broker that is the controller, else 0 (ActiveControllerCount)', () => controller.isActive ? 1 : 0)
    this.gauge('kafka_controller_kafkacontroller_offlinepartitionscount', 'Partitions without a live leader, on the controller (OfflinePartitionsCount)', () => controller.isActive ? this.offlinePartitions() : 0)
    this.gauge('kafka_controller_kafkacontroller_globaltopiccount', 'Topics in the cluster, on the controller (GlobalTopicCount)', () => controller.isActive ? metadata.topics().length : 0)
    this.gauge('kafka_controller_kafkacontroller_globalpartitioncount', 'Partitions in the cluster, on the controller (GlobalPartitionCount)', () => controller.isActive ? sum(metadata.topics(), t => t.partitions.size) : 0)

    // Log (kafka.log.UnifiedLog), one series per partition replica on this broker
    this.logGauge('kafka_log_log_size', 'Bytes in the partition\'s segments (Size)', log => log.size)
    this.logGauge('kafka_log_log_logstartoffset', 'The partition\'s log start offset (LogStartOffset)', log => log.logStartOffset)
    this.logGauge('kafka_log_log_logendoffset', 'The partition\'s log end offset (LogEndOffset)', log => log.logEndOffset)
    this.logGauge('kafka_log_log_numlogsegments', 'Segments in the partition\'s log (NumLogSegments)', log => log.segmentCount)

    // GroupMetadataManager (kafka.coordinator.group.GroupMetadataManager): groups this broker coordinates
    const groupManager = 'kafka_coordinator_group_groupmetadatamanager_'
    this.gauge(groupManager + 'numgroups', 'Groups coordinated by this broker (NumGroups)', () => groups.listGroups().groups.length)
    for (const state of ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty'] as const satisfies readonly GroupState[]) {
      this.gauge(groupManager + 'numgroups' + state.toLowerCase(), `Groups coordinated by this broker in state ${state} (NumGroups${state})`,
        () => groups.listGroups().groups.filter(g => g.state === state).length)
    }
    // Each group's last rebalance that reached Stable, timed by this coordinator: not Kafka's (it has
    // no per-group MBean), named as NumGroups' neighbours would be; one series per group, gone with
    // the group, and the reason a fixed phrase (docs/metrics.md)
    const lastRebalances = (): Array<[{ group: string }, CompletedRebalance]> => groups.listGroups().groups.flatMap(g => g.lastRebalance === null ? [] : [[{ group: g.groupId }, g.lastRebalance]])
    this.labelledGauge(groupManager + 'lastrebalancedurationms', 'Milliseconds the group\'s last completed rebalance took, from leaving Stable or Empty until Stable again', ['group'],
      () => lastRebalances().map(([labels, r]) => [labels, r.durationMs]))
    this.labelledGauge(groupManager + 'lastrebalancegeneration', 'The generation the group\'s last completed rebalance ended in', ['group'],
      () => lastRebalances().map(([labels, r]) => [labels, r.generationId]))
    this.labelledGauge(groupManager + 'lastrebalancejoinendedtimestampms', 'When the group\'s last completed rebalance\'s join phase ended, ms since the epoch: the currentStateTimestamp of the group record that stored its assignment', ['group'],
      () => lastRebalances().map(([labels, r]) => [labels, r.joinEndedMs]))
    this.labelledGauge(groupManager + 'lastrebalancereason', 'Why the group\'s last completed rebalance started, as the reason label (always 1)', ['group', 'reason'],
      () => lastRebalances().map(([labels, r]) => [{ ...labels, reason: r.reason }, 1]))
    // Kafka's group-coordinator-metrics meter: a Kafka Metrics sensor, MBean
    // kafka.server:type=group-coordinator-metrics, which the exporter's Kafka rules leave out; this is its default name
    this.counter('kafka_server_group_coordinator_metrics_group_completed_rebalance_count', 'Rebalances that reached Stable (group-completed-rebalance-count)', [], () => [[{}, groups.stats.completedRebalances]])

    // Node.js itself: CPU, memory, heap spaces, event-loop lag, GC durations, handles
    collectDefaultMetrics({ register: this.registry })
  }

  /** Produce appended `messages` records in `bytes` to a partition of `topic` (Kafka's ReplicaManager.appendToLocalLog). */
  recordAppend (topic: string, messages: number, bytes: number): void {
    const c = this.topicCounts(topic)
    c.messagesIn += messages
    c.bytesIn += bytes
    this.allTopics.messagesIn += messages
    this.allTopics.bytesIn += bytes
  }

  /** A Fetch answer carries `bytes` of `topic`: BytesOut to consumers, ReplicationBytesOut to followers (Kafka's KafkaApis.handleFetchRequest). */
  recordFetch (topic: string, bytes: number, fromFollower: boolean): void {
    if (fromFollower) {
      this.replicationBytesOut += bytes
      return
    }
    this.topicCounts(topic).bytesOut += bytes
    this.allTopics.bytesOut += bytes
  }

  /**
   * A request was answered after `totalTimeMs`. As Kafka's RequestChannel does, a Fetch counts
   * under Fetch and under FetchConsumer or FetchFollower, whose long polls differ in kind.
   */
  recordRequest (apiKey: number, apiVersion: number, totalTimeMs: number, fetchFromFollower: boolean): void {
    const counts = this.requests[apiKey] ??= this.newRequestCounts(apiName(apiKey))
    counts.add(apiVersion, totalTimeMs)
    if (apiKey !== ApiKey.Fetch) return
    if (fetchFromFollower) (this.fetchFollower ??= this.newRequestCounts('FetchFollower')).add(apiVersion, totalTimeMs)
    else (this.fetchConsumer ??= this.newRequestCounts('FetchConsumer')).add(apiVersion, totalTimeMs)
  }

  close (): void {
    this.sources.metadata.off('topicDeleted', this.onTopicDeleted)
  }

  private topicCounts (topic: string): TopicCounts {
    let c = this.byTopic.get(topic)
    if (c === undefined) this.byTopic.set(topic, c = newTopicCounts())
    return c
  }

  private * perTopic (read: (c: TopicCounts) => number): Iterable<Sample> {
    yield [{}, read(this.allTopics)]
    for (const [topic, c] of this.byTopic) yield [{ topic }, read(c)]
  }

  private newRequestCounts (request: string): RequestCounts {
    return new RequestCounts(request, this.totalTimeMs.labels({ request }))
  }

  private * requestCounts (): Iterable<Sample> {
    for (const r of this.allRequestCounts()) for (const [version, count] of r.byVersion) yield [{ request: r.request, version: String(version) }, count]
  }

  private * requestTotals (): Iterable<Sample> {
    for (const r of this.allRequestCounts()) yield [{ request: r.request }, r.count]
  }

  private allRequestCounts (): RequestCounts[] {
    return [...this.requests, this.fetchConsumer, this.fetchFollower].filter(r => r !== undefined)
  }

  /** A partition whose leader is none, gone, or holds it in a failed log dir (Kafka's OfflinePartition state). */
  private offlinePartitions (): number {
    const { metadata } = this.sources
    let count = 0
    for (const t of metadata.topics()) {
      for (const p of t.partitions.values()) {
        if (p.stateVersion < 0) continue // not created yet: Kafka's NewPartition, not offline
        if (p.leader < 0 || metadata.broker(p.leader) === undefined || metadata.isReplicaOffline(p.leader, p.topic, p.partition)) count++
      }
    }
    return count
  }

  // Each metric registers itself with the registry; its collect() fills it from `read` at each scrape.
  private counter (name: string, help: string, labelNames: readonly string[], read: () => Iterable<Sample>): void {
    new Counter({ name, help, labelNames, registers: [this.registry], collect () { this.reset(); for (const [labels, value] of read()) this.inc(labels, value) } })
  }

  private gauge (name: string, help: string, read: () => number): void {
    new Gauge({ name, help, registers: [this.registry], collect () { this.set(read()) } })
  }

  private labelledGauge (name: string, help: string, labelNames: readonly string[], read: () => Iterable<Sample>): void {
    new Gauge({ name, help, labelNames, registers: [this.registry], collect () { this.reset(); for (const [labels, value] of read()) this.set(labels, value) } })
  }

  private logGauge (name: string, help: string, read: (log: PartitionLog) => number): void {
    this.labelledGauge(name, help, ['topic', 'partition'], () => this.sources.replicas.hostedPartitions().map(p => [{ topic: p.topic, partition: String(p.partition) }, read(p.log)]))
  }
}

type Sample = readonly [Record<string, string>, number]

interface TopicCounts { messagesIn: number, bytesIn: number, bytesOut: number }

function newTopicCounts (): TopicCounts {
  return { messagesIn: 0, bytesIn: 0, bytesOut: 0 }
}

/** The exporter's quantile label for each of the Yammer histogram's percentile attributes (50thPercentile → "0.50"). */
const QUANTILE_LABELS = new Map([[0.5, '0.50'], [0.75, '0.75'], [0.95, '0.95'], [0.98, '0.98'], [0.99, '0.99'], [0.999, '0.999']])

/** One request name's RequestsPerSec by version, and its child of the TotalTimeMs summary (found once, not per request). */
class RequestCounts {
  readonly byVersion = new Map<number, number>()
  count = 0

  constructor (readonly request: string, private readonly totalTimeMs: { observe: (value: number) => void }) {}

  add (apiVersion: number, totalTimeMs: number): void {
    this.byVersion.set(apiVersion, (this.byVersion.get(apiVersion) ?? 0) + 1)
    this.count++
    this.totalTimeMs.observe(totalTimeMs)
  }
}

function countLeaders (replicas: BrokerMetricsSources['replicas'], predicate: (p: Partition) => boolean): number {
  let count = 0
  for (const p of replicas.hostedPartitions()) if (p.isLeader && predicate(p)) count++
  return count
}

function sum<T> (items: Iterable<T>, read: (item: T) => number): number {
  let total = 0
  for (const item of items) total += read(item)
  return total
}
