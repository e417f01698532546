/**
 * The cluster's throughput, from the brokers' /metrics (BrokerMetricsScraper), one sample a second:
 * the cluster's rates (the all-topics BrokerTopicMetrics meters summed over the brokers), each
 * broker's, and each topic's (its per-topic meters summed over the brokers: messages in, bytes in,
 * bytes out; Kafka has no messages-out meter), kept in the rings of MetricsHistory; and, for the
 * topics someone watches, each partition's messages in per second of the last minute (the heat map).
 *
 * A topic's history costs a fixed ~60 KB (three series of MetricsHistory's rings), so it is kept
 * only for topics that have had traffic since the gateway started, and for at most
 * MAX_TOPIC_HISTORIES of them (the first to have traffic): an idle cluster of 10,000 topics holds
 * none. docs/dashboard.md says the same.
 */
import type { PartitionMetadata } from '../client/cluster-metadata.js'
import { BrokerMetricsScraper, partitionKey, RATE_COUNTERS, type BrokerMetricsReading, type RateName, type Rates } from './broker-metrics-scraper.js'
import { MetricsHistory } from './metrics-history.js'

/** Seconds of per-partition messages in a watched topic keeps, for its heat map. */
export const PARTITION_RATE_SECONDS = 60
export const MAX_TOPIC_HISTORIES = 256
const RATE_NAMES = Object.keys(RATE_COUNTERS) as RateName[]

/** A topic's series in the history: `topic.<name>.messagesIn` (and bytesIn, bytesOut). */
export const topicSeries = (topic: string, rate: RateName): string => `topic.${topic}.${rate}`
/** The topic and rate of a topic series name, undefined for another series. */
export function parseTopicSeries (name: string): { topic: string, rate: RateName } | undefined {
  const m = /^topic\.(.+)\.(messagesIn|bytesIn|bytesOut)$/.exec(name)
  return m === null ? undefined : { topic: m[1]!, rate: m[2] as RateName }
}

export class ClusterThroughput {
  readonly history = new MetricsHistory()
  readonly brokerMetrics = new Map<number, BrokerMetricsReading>()
  /** The latest cluster-wide rates (sums over the brokers scraped), undefined before two scrapes. */
  rates?: Rates
  /** The second `rates` and `topicRates` stand for. */
  ratesAtMs?: number
  /** The latest rates of each topic written to since two scrapes ago (sums over the brokers). */
  topicRates = new Map<string, Rates>()
  /** Messages in per second by partition of the topics someone watches, the last PARTITION_RATE_SECONDS (oldest first). */
  readonly partitionRates = new Map<string, Array<{ atMs: number, values: Record<string, number> }>>()
  private readonly scraper: BrokerMetricsScraper
  private readonly topicsWithHistory = new Set<string>()

  constructor (urls: ReadonlyMap<number, string>, timeoutMs: number) {
    this.scraper = new BrokerMetricsScraper(urls, timeoutMs)
  }

  get configured (): boolean { return this.scraper.configured }

  /** Scrapes every broker and records the second `atMs`; the cluster's rates, undefined for a gap. */
  async sample (atMs: number): Promise<{ readings: BrokerMetricsReading[], rates?: Rates }> {
    const readings = await this.scraper.scrapeAll()
    const point: Record<string, number> = {}
    const total: Rates = { messagesIn: 0, bytesIn: 0, bytesOut: 0 }
    const topics = new Map<string, Rates>()
    let any = false
    for (const r of readings) {
      this.brokerMetrics.set(r.brokerId, r)
      if (r.rates === undefined) continue
      any = true
      for (const name of RATE_NAMES) {
        total[name] += r.rates[name]
        point[`broker.${r.brokerId}.${name}`] = r.rates[name]
      }
      for (const [topic, rates] of r.topicRates ?? []) {
        const sum = topics.get(topic)
        if (sum === undefined) topics.set(topic, { ...rates })
        else for (const name of RATE_NAMES) sum[name] += rates[name]
      }
    }
    // every broker down or just restarted: a gap, not a zero
    this.rates = any ? total : undefined
    this.topicRates = topics
    this.ratesAtMs = any ? atMs : undefined
    if (!any) return { readings }
    Object.assign(point, total)
    for (const [topic, rates] of topics) {
      if (!this.topicsWithHistory.has(topic)) {
        if (this.topicsWithHistory.size >= MAX_TOPIC_HISTORIES || RATE_NAMES.every(n => rates[n] === 0)) continue
        this.topicsWithHistory.add(topic)
      }
      for (const name of RATE_NAMES) point[topicSeries(topic, name)] = rates[name]
    }
    this.history.record(atMs, point)
    return { readings, rates: total }
  }

  /** A watched topic's partitions' messages in per second this second, from their leaders' log end offsets. */
  recordPartitionRates (topic: string, partitions: ReadonlyArray<PartitionMetadata | undefined>, atMs: number): Record<string, number> {
    const values: Record<string, number> = {}
    for (const p of partitions) {
      if (p === undefined) continue
      const rate = this.brokerMetrics.get(p.leader)?.partitionRates?.get(partitionKey(topic, p.partition))
      if (rate !== undefined) values[p.partition] = Math.round(rate * 10) / 10
    }
    let ring = this.partitionRates.get(topic)
    if (ring === undefined) this.partitionRates.set(topic, ring = [])
    ring.push({ atMs, values })
    if (ring.length > PARTITION_RATE_SECONDS) ring.shift()
    return values
  }

  /** Nobody watches the topic any more. */
  unwatch (topic: string): void { this.partitionRates.delete(topic) }

  /** The topic was deleted: its history goes (a topic re-created under the name starts afresh). */
  forgetTopic (topic: string): void {
    if (!this.topicsWithHistory.delete(topic)) return
    this.history.delete(RATE_NAMES.map(name => topicSeries(topic, name)))
  }
}
