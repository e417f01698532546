/**
 * Reads each broker's Prometheus /metrics (docs/metrics.md) for the dashboard: the BrokerTopicMetrics
 * counters, all-topics and per topic, turned into per-second rates between two scrapes, and the gauges
 * that say the broker's share of the cluster (leaders, partitions, under-replicated), how far
 * its followers are behind (MaxLag) and how many connections it holds. Where each
 * broker serves its metrics is configured (gateway.broker.metrics.urls): a broker's
 * metrics.listener is not in anything the Kafka protocol or ZooKeeper carries.
 *
 * Per partition replica it also reads the log end offset gauge (Kafka's Log LogEndOffset): Kafka has
 * no per-partition MessagesIn meter, so a partition's messages in per second is its log end offset's
 * rise between two scrapes of its leader. And per API, the p50 and p99 of RequestMetrics TotalTimeMs.
 * And, of each group this broker coordinates, its last completed rebalance as the coordinator timed
 * it: how long a rebalance took is known only there (__consumer_offsets records only outcomes).
 */
import type { PrometheusSample } from 'parse-prometheus-text-format'
import { Scrape } from '../support/prometheus-scrape.js'

/** Kafka's meters the dashboard draws; Kafka has no MessagesOutPerSec, so there is no messages-out rate. */
export const RATE_COUNTERS = {
  messagesIn: 'kafka_server_brokertopicmetrics_messagesin_total',
  bytesIn: 'kafka_server_brokertopicmetrics_bytesin_total',
  bytesOut: 'kafka_server_brokertopicmetrics_bytesout_total',
} as const
export type RateName = keyof typeof RATE_COUNTERS
export type Rates = Record<RateName, number>

const GAUGES = {
  leaderCount: 'kafka_server_replicamanager_leadercount',
  partitionCount: 'kafka_server_replicamanager_partitioncount',
  underReplicated: 'kafka_server_replicamanager_underreplicatedpartitions',
  offlinePartitions: 'kafka_controller_kafkacontroller_offlinepartitionscount',
  activeController: 'kafka_controller_kafkacontroller_activecontrollercount',
  topicCount: 'kafka_controller_kafkacontroller_globaltopiccount',
  partitionTotal: 'kafka_controller_kafkacontroller_globalpartitioncount',
  isrShrinks: 'kafka_server_replicamanager_isrshrinks_total',
  isrExpands: 'kafka_server_replicamanager_isrexpands_total',
} as const
export type Gauges = Record<keyof typeof GAUGES, number>

const LOG_END_OFFSET = 'kafka_log_log_logendoffset'
/** Not one of GAUGES: it moves every second under load, and a move there makes the cluster view look again. */
const MAX_LAG = 'kafka_server_replicafetchermanager_maxlag'
/** Not one of GAUGES either: clients come and go. Summed over the listeners. */
const CONNECTION_COUNT = 'kafka_server_socket_server_metrics_connection_count'
const LAST_REBALANCE = 'kafka_coordinator_group_groupmetadatamanager_lastrebalance'
const TOTAL_TIME_MS = 'kafka_network_requestmetrics_totaltimems'
const TOTAL_TIME_COUNT = 'kafka_network_requestmetrics_totaltimems_count'

/** Milliseconds from a request's arrival to its response, percentiles over the broker's last 30 to 60 s. */
export interface Latency { p50: number, p99: number, count: number }

/** A group's last rebalance that reached Stable, as its coordinator timed it (docs/metrics.md). */
export interface LastRebalance {
  generation: number
  /** From the group leaving Stable or Empty for PreparingRebalance until it was Stable again. */
  durationMs: number
  /** What started it, e.g. "member joined". */
  reason?: string
  /** When its join phase ended: the currentStateTimestamp of the group record that stored its assignment. */
  joinEndedMs: number
}

/** A partition's key in the per-partition maps. */
export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export interface BrokerMetricsReading {
  brokerId: number
  url: string
  atMs: number
  /** Per second since the previous good scrape; undefined on the first, or after the broker restarted (its counters went back). */
  rates?: Rates
  gauges?: Gauges
  /** ReplicaFetcherManager MaxLag: the most records a partition it follows is behind its leader; undefined if not served. */
  maxLag?: number
  /** socket-server-metrics connection-count over its listeners; undefined if not served. */
  connections?: number
  /** Why the last scrape failed; undefined when it worked. */
  error?: string
  /** Topics whose MessagesIn moved since the previous scrape. */
  topicsWritten: Set<string>
  /** Each topic's rates on this broker (its per-topic BrokerTopicMetrics series), as `rates`. */
  topicRates?: Map<string, Rates>
  /** Log end offset of each partition replica on this broker, by partitionKey. */
  logEndOffsets?: Map<string, number>
  /** Messages appended per second to each replica since the previous scrape (its log end offset's rise). */
  partitionRates?: Map<string, number>
  /** TotalTimeMs by API name, for the APIs this broker has answered. */
  latency?: Record<string, Latency>
  /** The last completed rebalance of each group this broker coordinates that had one, by group id. */
  rebalances?: Map<string, LastRebalance>
}

interface Previous { atMs: number, totals: Rates, topics: Map<string, Rates>, logEndOffsets: Map<string, number> }

export class BrokerMetricsScraper {
  private readonly previous = new Map<number, Previous>()

  constructor (private readonly urls: ReadonlyMap<number, string>, private readonly timeoutMs: number) {}

  get configured (): boolean { return this.urls.size > 0 }

  /** Scrapes every configured broker at once; a broker that does not answer in time reads as an error. */
  async scrapeAll (): Promise<BrokerMetricsReading[]> {
    return await Promise.all([...this.urls].map(async ([brokerId, url]) => await this.scrape(brokerId, url)))
  }

  private async scrape (brokerId: number, url: string): Promise<BrokerMetricsReading> {
    const atMs = Date.now()
    let scrape: Scrape
    try {
      scrape = await Scrape.of(url, { signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (err) {
      this.previous.delete(brokerId)
      // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, a timeout)
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      return { brokerId, url, atMs, error: cause?.code ?? cause?.message ?? (err as Error).message, topicsWritten: new Set() }
    }
    // the series without a topic label is Kafka's all-topics meter
    const totals = mapValues(RATE_COUNTERS, name => scrape.sum(name, null))
    const gauges = mapValues(GAUGES, name => scrape.sum(name, null))
    const topics = new Map<string, Rates>()
    for (const name of Object.keys(RATE_COUNTERS) as RateName[]) {
      for (const s of scrape.samples(RATE_COUNTERS[name])) {
        const topic = s.labels?.['topic']
        if (topic === undefined || topic === '') continue
        let counts = topics.get(topic)
        if (counts === undefined) topics.set(topic, counts = { messagesIn: 0, bytesIn: 0, bytesOut: 0 })
        counts[name] = Number(s.value)
      }
    }
    const logEndOffsets = new Map<string, number>()
    for (const s of scrape.samples(LOG_END_OFFSET)) {
      const topic = s.labels?.['topic']
      const partition = Number(s.labels?.['partition'])
      if (topic !== undefined && Number.isInteger(partition)) logEndOffsets.set(partitionKey(topic, partition), Number(s.value))
    }
    const latency = latencyOf(scrape)
    const prev = this.previous.get(brokerId)
    this.previous.set(brokerId, { atMs, totals, topics, logEndOffsets })
    const topicsWritten = new Set<string>()
    for (const [topic, n] of topics) if (prev?.topics.get(topic)?.messagesIn !== n.messagesIn) topicsWritten.add(topic)
    const maxLag = scrape.samples(MAX_LAG).length > 0 ? scrape.sum(MAX_LAG) : undefined
    const connections = scrape.samples(CONNECTION_COUNT).length > 0 ? scrape.sum(CONNECTION_COUNT) : undefined
    const reading: BrokerMetricsReading = { brokerId, url, atMs, gauges, maxLag, connections, topicsWritten, logEndOffsets, latency, rebalances: rebalancesOf(scrape) }
    if (prev === undefined || atMs <= prev.atMs) return reading
    const seconds = (atMs - prev.atMs) / 1000
    const restarted = (Object.keys(totals) as RateName[]).some(k => totals[k] < prev.totals[k])
    if (!restarted) reading.rates = mapValues(totals, (v, k) => (v - prev.totals[k]) / seconds)
    const topicRates = new Map<string, Rates>()
    for (const [topic, counts] of topics) {
      const before = prev.topics.get(topic)
      // a topic new since the previous scrape, or one whose counters went back (deleted and
      // re-created), has no rate for that second
      if (before === undefined || (Object.keys(counts) as RateName[]).some(k => counts[k] < before[k])) continue
      topicRates.set(topic, mapValues(counts, (v, k) => (v - before[k]) / seconds))
    }
    reading.topicRates = topicRates
    const partitionRates = new Map<string, number>()
    for (const [key, end] of logEndOffsets) {
      const before = prev.logEndOffsets.get(key)
      // a log end that went back was truncated (or the replica recreated): no rate for that second
      if (before !== undefined && end >= before) partitionRates.set(key, (end - before) / seconds)
    }
    reading.partitionRates = partitionRates
    return reading
  }
}

/** p50 and p99 of TotalTimeMs per API that has answered requests (the exporter's quantile gauges). */
function latencyOf (scrape: Scrape): Record<string, Latency> {
  const out: Record<string, Latency> = {}
  for (const s of scrape.samples(TOTAL_TIME_COUNT)) {
    const request = s.labels?.['request']
    const count = Number(s.value)
    if (request === undefined || !(count > 0)) continue
    const quantile = (q: string): number => scrape.sum(TOTAL_TIME_MS, { request, quantile: q })
    out[request] = { p50: quantile('0.50'), p99: quantile('0.99'), count }
  }
  return out
}

/** The lastrebalance families joined by their group label; a group needs its duration, generation and join end. */
function rebalancesOf (scrape: Scrape): Map<string, LastRebalance> {
  const byGroup = (name: string): Map<string, PrometheusSample> =>
    new Map(scrape.samples(LAST_REBALANCE + name).flatMap(s => s.labels?.['group'] === undefined ? [] : [[s.labels['group'], s]]))
  const generations = byGroup('generation')
  const joinEnds = byGroup('joinendedtimestampms')
  const reasons = byGroup('reason')
  const out = new Map<string, LastRebalance>()
  for (const [group, duration] of byGroup('durationms')) {
    const generation = generations.get(group)
    const joinEnded = joinEnds.get(group)
    if (generation === undefined || joinEnded === undefined) continue
    const reason = reasons.get(group)?.labels?.['reason']
    out.set(group, { generation: Number(generation.value), durationMs: Number(duration.value), ...(reason !== undefined ? { reason } : {}), joinEndedMs: Number(joinEnded.value) })
  }
  return out
}

function mapValues<K extends string, A, B> (o: Record<K, A>, f: (a: A, k: K) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as A, k as K)])) as Record<K, B>
}
