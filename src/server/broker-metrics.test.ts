import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { register as globalRegistry } from 'prom-client'
import type { PartitionMetadata, TopicMetadata } from '../cluster/metadata-cache.js'
import { newGroup, type Group } from '../coordinator/group.js'
import type { GroupState } from '../coordinator/group-state.js'
import { ApiKey } from '../protocol/api-keys.js'
import { Partition } from '../replication/partition.js'
import type { ReplicaStats } from '../replication/replica-manager.js'
import { buildTestBatch } from '../storage/support/sample-batch.js'
import { openTestLog } from '../storage/support/temp-log.js'
import { BrokerMetrics, type BrokerMetricsSources } from './broker-metrics.js'

type TestContext = { after: (fn: () => void) => void }

/** Broker 1 leads t-0 (ISR [1] of [1, 2], min.insync.replicas 2) and follows t-1; one replica is offline. */
function setup (t: TestContext, controllerActive = true): { metrics: BrokerMetrics, metadata: EventEmitter, stats: ReplicaStats, leader: Partition, groups: Group[] } {
  const leader = new Partition('t', 0, 'id', openTestLog(t).log, 1)
  leader.applyState(state(0, 1, [1]), 0)
  leader.minInsyncReplicas = 2
  const follower = new Partition('t', 1, 'id', openTestLog(t).log, 1)
  follower.applyState(state(1, 2, [2, 1]), 0)
  const stats: ReplicaStats = { isrShrinks: 2, isrExpands: 1, replicationBytesIn: 10, purgatorySize: { Produce: 1, Fetch: 3, DeleteRecords: 0 } }
  const topics: TopicMetadata[] = [{
    name: 't',
    topicId: 'id',
    config: {},
    // live leader, no leader, a dead leader, and one the controller has not created yet
    partitions: new Map([state(0, 1, [1]), state(1, -1, []), state(2, 3, [3]), { ...state(3, -1, []), stateVersion: -1 }].map(p => [p.partition, p])),
  }]
  const metadata = Object.assign(new EventEmitter(), {
    topics: () => topics,
    broker: (id: number) => id === 1 || id === 2 ? { id } : undefined,
    isReplicaOffline: () => false,
  })
  const groups: Group[] = (['Stable', 'Stable', 'Empty'] as GroupState[]).map((s, i) => ({ ...newGroup(`g${i}`, 0), state: s }))
  groups[0] = { ...groups[0]!, lastRebalance: { generationId: 7, durationMs: 1240, reason: 'member joined', joinEndedMs: 1_712_345_678_901 } }
  const sources = {
    replicas: { hostedPartitions: () => [leader, follower], offlineReplicaCount: 1, maxLag: 42, stats },
    metadata,
    controller: { isActive: controllerActive },
    groups: { listGroups: () => ({ errorCode: 0, groups }), stats: { completedRebalances: 4 } },
    fetchSessions: { size: 2, totalPartitions: 7, evictions: 1 },
    connections: { listeners: ['PLAINTEXT', 'SSL'], quotas: { count: (listener: string) => listener === 'SSL' ? 3 : 5 } },
  } as unknown as BrokerMetricsSources
  const metrics = new BrokerMetrics(sources)
  t.after(() => metrics.close())
  return { metrics, metadata, stats, leader, groups }
}

function state (partition: number, leader: number, isr: number[]): PartitionMetadata {
  return { topic: 't', partition, replicas: [1, 2], leader, isr, leaderEpoch: 0, controllerEpoch: 1, stateVersion: 0 }
}

/** The value of one series, as a scrape reads it (collect() runs first); undefined if absent. */
async function valueOf (metrics: BrokerMetrics, name: string, labels: Record<string, string> = {}, metricName = name): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name)
  assert.ok(metric !== undefined, `family ${name} is registered`)
  const { values } = await metric.get()
  const key = (l: object): string => JSON.stringify(Object.entries(l).map(([k, x]) => [k, String(x)]).sort())
  return (values as Array<{ metricName?: string, labels: object, value: number }>).find(v => (v.metricName ?? name) === metricName && key(v.labels) === key(labels))?.value
}

test('produce and fetch count per topic and for all topics, followers apart', async t => {
  const { metrics } = setup(t)
  metrics.recordAppend('t', 5, 100)
  metrics.recordAppend('t', 3, 60)
  metrics.recordAppend('u', 1, 10)
  metrics.recordFetch('t', 70, false)
  metrics.recordFetch('t', 30, true)
  const name = (m: string): string => `kafka_server_brokertopicmetrics_${m}_total`
  assert.equal(await valueOf(metrics, name('messagesin'), { topic: 't' }), 8)
  assert.equal(await valueOf(metrics, name('messagesin')), 9, 'the series without a topic is Kafka\'s all-topics MBean')
  assert.equal(await valueOf(metrics, name('bytesin'), { topic: 'u' }), 10)
  assert.equal(await valueOf(metrics, name('bytesin')), 170)
  assert.equal(await valueOf(metrics, name('bytesout'), { topic: 't' }), 70, 'follower fetches are not BytesOut')
  assert.equal(await valueOf(metrics, name('replicationbytesout')), 30)
  assert.equal(await valueOf(metrics, name('replicationbytesin')), 10)
})

test('a deleted topic\'s series go; the all-topics totals stay', async t => {
  const { metrics, metadata } = setup(t)
  metrics.recordAppend('t', 5, 100)
  metadata.emit('topicDeleted', 't')
  assert.equal(await valueOf(metrics, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 't' }), undefined)
  assert.equal(await valueOf(metrics, 'kafka_server_brokertopicmetrics_messagesin_total'), 5)
})

test('requests count by API and version, Fetch also as FetchConsumer / FetchFollower, with TotalTimeMs percentiles', async t => {
  const { metrics } = setup(t)
  for (const ms of [1, 2, 3]) metrics.recordRequest(ApiKey.Produce, 9, ms, false)
  metrics.recordRequest(ApiKey.Fetch, 12, 500, false)
  metrics.recordRequest(ApiKey.Fetch, 12, 5, true)
  const requests = 'kafka_network_requestmetrics_requests_total'
  assert.equal(await valueOf(metrics, requests, { request: 'Produce', version: '9' }), 3)
  assert.equal(await valueOf(metrics, requests, { request: 'Fetch', version: '12' }), 2)
  assert.equal(await valueOf(metrics, requests, { request: 'FetchConsumer', version: '12' }), 1)
  assert.equal(await valueOf(metrics, requests, { request: 'FetchFollower', version: '12' }), 1)
  const totalTime = 'kafka_network_requestmetrics_totaltimems'
  assert.equal(await valueOf(metrics, `${totalTime}_count`, { request: 'Produce' }), 3)
  assert.equal(await valueOf(metrics, `${totalTime}_count`, { request: 'Fetch' }), 2)
  assert.equal(await valueOf(metrics, totalTime, { request: 'FetchConsumer', quantile: '0.99' }), 500)
  assert.equal(await valueOf(metrics, totalTime, { request: 'FetchFollower', quantile: '0.50' }), 5)
  // the JMX exporter's shape: a gauge per percentile attribute, quantile "0.50" for 50thPercentile
  const text = await metrics.registry.metrics()
  assert.match(text, /^# TYPE kafka_network_requestmetrics_totaltimems gauge$/m)
  assert.match(text, /^kafka_network_requestmetrics_totaltimems\{request="Produce",quantile="0\.50"\} 2$/m)
  for (const q of ['0.75', '0.95', '0.98', '0.99', '0.999']) assert.match(text, new RegExp(`^kafka_network_requestmetrics_totaltimems\\{request="Produce",quantile="${q.replace('.', '\\.')}"\\} [0-9.e+-]+$`, 'm'), q)
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Produce",version="9"\} 3$/m)
})

test('replica, purgatory, log and group gauges read the broker\'s state at each scrape', async t => {
  const { metrics, stats, leader } = setup(t)
  const rm = (m: string): string => `kafka_server_replicamanager_${m}`
  assert.equal(await valueOf(metrics, rm('leadercount')), 1)
  assert.equal(await valueOf(metrics, rm('partitioncount')), 3, 'two hosted and one offline')
  assert.equal(await valueOf(metrics, rm('underreplicatedpartitions')), 1)
  assert.equal(await valueOf(metrics, rm('underminisrpartitioncount')), 1)
  assert.equal(await valueOf(metrics, rm('offlinereplicacount')), 1)
  assert.equal(await valueOf(metrics, rm('isrshrinks_total')), 2)
  assert.equal(await valueOf(metrics, rm('isrexpands_total')), 1)
  assert.equal(await valueOf(metrics, 'kafka_server_replicafetchermanager_maxlag', { clientId: 'Replica' }), 42)
  assert.equal(await valueOf(metrics, 'kafka_server_fetchsessioncache_numincrementalfetchsessions'), 2)
  assert.equal(await valueOf(metrics, 'kafka_server_fetchsessioncache_numincrementalfetchpartitionscached'), 7)
  assert.equal(await valueOf(metrics, 'kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total'), 1)
  assert.equal(await valueOf(metrics, 'kafka_server_socket_server_metrics_connection_count', { listener: 'PLAINTEXT' }), 5)
  assert.equal(await valueOf(metrics, 'kafka_server_socket_server_metrics_connection_count', { listener: 'SSL' }), 3)
  const purgatory = 'kafka_server_delayedoperationpurgatory_purgatorysize'
  assert.equal(await valueOf(metrics, purgatory, { delayedOperation: 'Produce' }), 1)
  assert.equal(await valueOf(metrics, purgatory, { delayedOperation: 'Fetch' }), 3)
  stats.purgatorySize.Fetch = 0
  stats.isrShrinks++
  assert.equal(await valueOf(metrics, purgatory, { delayedOperation: 'Fetch' }), 0)
  assert.equal(await valueOf(metrics, rm('isrshrinks_total')), 3)

  assert.equal(leader.appendRecordsAsLeader(buildTestBatch({ recordCount: 4 }), 1).errorCode, 0)
  assert.equal(await valueOf(metrics, 'kafka_log_log_size', { topic: 't', partition: '0' }), leader.log.size)
  assert.ok(leader.log.size > 0)
  assert.equal(await valueOf(metrics, 'kafka_log_log_logendoffset', { topic: 't', partition: '0' }), 4)
  assert.equal(await valueOf(metrics, 'kafka_log_log_logstartoffset', { topic: 't', partition: '1' }), 0)
  assert.equal(await valueOf(metrics, 'kafka_log_log_numlogsegments', { topic: 't', partition: '1' }), 1)

  const groups = 'kafka_coordinator_group_groupmetadatamanager_numgroups'
  assert.equal(await valueOf(metrics, groups), 3)
  assert.equal(await valueOf(metrics, groups + 'stable'), 2)
  assert.equal(await valueOf(metrics, groups + 'empty'), 1)
  assert.equal(await valueOf(metrics, groups + 'preparingrebalance'), 0)
})

test('each group\'s last completed rebalance, one series per group that had one, gone with the group; completed rebalances counted as Kafka\'s meter', async t => {
  const { metrics, groups } = setup(t)
  const last = 'kafka_coordinator_group_groupmetadatamanager_lastrebalance'
  assert.equal(await valueOf(metrics, last + 'durationms', { group: 'g0' }), 1240)
  assert.equal(await valueOf(metrics, last + 'generation', { group: 'g0' }), 7)
  // a time in ms, every digit in the text a scraper reads (the gateway matches it to a group record's)
  assert.match(await metrics.registry.metrics(), /\nkafka_coordinator_group_groupmetadatamanager_lastrebalancejoinendedtimestampms\{group="g0"\} 1712345678901\n/)
  assert.equal(await valueOf(metrics, last + 'reason', { group: 'g0', reason: 'member joined' }), 1)
  assert.equal(await valueOf(metrics, last + 'durationms', { group: 'g1' }), undefined, 'no completed rebalance, no series')
  assert.equal(await valueOf(metrics, 'kafka_server_group_coordinator_metrics_group_completed_rebalance_count'), 4)
  groups.shift()
  for (const m of ['durationms', 'generation', 'joinendedtimestampms']) assert.equal(await valueOf(metrics, last + m, { group: 'g0' }), undefined, `${m}: the group is gone`)
  assert.equal(await valueOf(metrics, last + 'reason', { group: 'g0', reason: 'member joined' }), undefined)
})

test('controller gauges count on the active controller only, as Kafka\'s do', async t => {
  const controller = 'kafka_controller_kafkacontroller_'
  const active = setup(t, true).metrics
  assert.equal(await valueOf(active, controller + 'activecontrollercount'), 1)
  assert.equal(await valueOf(active, controller + 'offlinepartitionscount'), 2, 'no leader, and a dead one; not the partition still being created')
  assert.equal(await valueOf(active, controller + 'globaltopiccount'), 1)
  assert.equal(await valueOf(active, controller + 'globalpartitioncount'), 4)
  const other = setup(t, false).metrics
  for (const m of ['activecontrollercount', 'offlinepartitionscount', 'globaltopiccount', 'globalpartitioncount']) assert.equal(await valueOf(other, controller + m), 0, m)
})

test('each broker has its own registry, with Node.js\'s own metrics, and none in prom-client\'s global one', async t => {
  const a = setup(t).metrics
  const b = setup(t).metrics
  a.recordAppend('t', 1, 1)
  assert.equal(await valueOf(b, 'kafka_server_brokertopicmetrics_messagesin_total'), 0)
  assert.equal(globalRegistry.getSingleMetric('kafka_server_brokertopicmetrics_messagesin_total'), undefined)
  const text = await a.registry.metrics()
  for (const family of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'process_cpu_seconds_total']) {
    assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family)
  }
})
