import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Admin } from '../src/client/admin.js'
import { Consumer, type ConsumerRecord } from '../src/client/consumer.js'
import { GroupConsumer } from '../src/client/group-consumer.js'
import { Producer } from '../src/client/producer.js'
import { BrokerProcess, runServerStart } from './support/broker.js'
import { startCluster } from './support/cluster.js'
import { freePort } from './support/free-port.js'
import { Scrape } from '../src/support/prometheus-scrape.js'
import { waitFor } from './support/wait-for.js'

const TOPIC = 'metered'
const PARTITIONS = 3
const RECORDS = 100

/** Every family docs/metrics.md lists, with the type the JMX exporter's Kafka rules give it. */
const FAMILIES: Record<string, string> = {
  kafka_server_brokertopicmetrics_messagesin_total: 'COUNTER',
  kafka_server_brokertopicmetrics_bytesin_total: 'COUNTER',
  kafka_server_brokertopicmetrics_bytesout_total: 'COUNTER',
  kafka_server_brokertopicmetrics_replicationbytesin_total: 'COUNTER',
  kafka_server_brokertopicmetrics_replicationbytesout_total: 'COUNTER',
  kafka_network_requestmetrics_requests_total: 'COUNTER',
  kafka_network_requestmetrics_totaltimems: 'GAUGE',
  kafka_network_requestmetrics_totaltimems_count: 'COUNTER',
  kafka_server_replicamanager_leadercount: 'GAUGE',
  kafka_server_replicamanager_partitioncount: 'GAUGE',
  kafka_server_replicamanager_underreplicatedpartitions: 'GAUGE',
  kafka_server_replicamanager_underminisrpartitioncount: 'GAUGE',
  kafka_server_replicamanager_offlinereplicacount: 'GAUGE',
  kafka_server_replicamanager_isrshrinks_total: 'COUNTER',
  kafka_server_replicamanager_isrexpands_total: 'COUNTER',
  kafka_server_delayedoperationpurgatory_purgatorysize: 'GAUGE',
  kafka_server_replicafetchermanager_maxlag: 'GAUGE',
  kafka_server_fetchsessioncache_numincrementalfetchsessions: 'GAUGE',
  kafka_server_fetchsessioncache_numincrementalfetchpartitionscached: 'GAUGE',
  kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total: 'COUNTER',
  kafka_controller_kafkacontroller_activecontrollercount: 'GAUGE',
  kafka_controller_kafkacontroller_offlinepartitionscount: 'GAUGE',
  kafka_controller_kafkacontroller_globaltopiccount: 'GAUGE',
  kafka_controller_kafkacontroller_globalpartitioncount: 'GAUGE',
  kafka_log_log_size: 'GAUGE',
  kafka_log_log_logstartoffset: 'GAUGE',
  kafka_log_log_logendoffset: 'GAUGE',
  kafka_log_log_numlogsegments: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_numgroups: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_numgroupsstable: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_numgroupspreparingrebalance: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_numgroupscompletingrebalance: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_numgroupsempty: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_numgroupsdead: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_lastrebalancedurationms: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_lastrebalancegeneration: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_lastrebalancejoinendedtimestampms: 'GAUGE',
  kafka_coordinator_group_groupmetadatamanager_lastrebalancereason: 'GAUGE',
  kafka_server_group_coordinator_metrics_group_completed_rebalance_count: 'COUNTER',
  nodejs_eventloop_lag_seconds: 'GAUGE',
  nodejs_heap_size_used_bytes: 'GAUGE',
  nodejs_gc_duration_seconds: 'HISTOGRAM',
  process_cpu_seconds_total: 'COUNTER',
  process_resident_memory_bytes: 'GAUGE',
}

test('a broker serves Kafka\'s metrics at /metrics on metrics.listener, and they move as records flow', async t => {
  const metricsPort = await freePort()
  const metricsUrl = `http://127.0.0.1:${metricsPort}`
  const cluster = await startCluster({ brokers: 1, config: { 'metrics.listener': metricsUrl, 'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 1 } })
  t.after(cluster.cleanup)
  const scrape = async (): Promise<Scrape> => await Scrape.of(`${metricsUrl}/metrics`)
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  t.after(async () => await admin.close())

  await t.test('every family is there, with the JMX exporter\'s name and type; the broker is the active controller', async () => {
    const s = await scrape()
    for (const [name, type] of Object.entries(FAMILIES)) assert.equal(s.family(name)?.type, type, `family ${name}`)
    assert.equal(s.sum('kafka_controller_kafkacontroller_activecontrollercount'), 1)
    assert.equal(s.sum('kafka_controller_kafkacontroller_offlinepartitionscount'), 0)
    assert.deepEqual(s.samples('kafka_server_delayedoperationpurgatory_purgatorysize').map(p => p.labels?.['delayedOperation']).sort(), ['DeleteRecords', 'Fetch', 'Produce'])
    assert.deepEqual(s.samples('kafka_server_replicafetchermanager_maxlag').map(p => p.labels), [{ clientId: 'Replica' }])
    assert.equal(s.sum('kafka_server_replicafetchermanager_maxlag'), 0, 'a broker alone follows nothing')
  })

  await t.test('leadercount and partitioncount follow a created topic', async () => {
    const created = await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }])
    assert.deepEqual(created.map(r => r.errorCode), [0])
    let last: Scrape | undefined
    await waitFor(async () => {
      last = await scrape()
      return last.sum('kafka_server_replicamanager_leadercount') === PARTITIONS
    }, `leadercount to reach ${PARTITIONS} for ${TOPIC}`, { onTimeout: () => `leadercount ${last?.sum('kafka_server_replicamanager_leadercount')}` })
    const s = last!
    assert.equal(s.sum('kafka_server_replicamanager_partitioncount'), PARTITIONS)
    assert.equal(s.sum('kafka_server_replicamanager_underreplicatedpartitions'), 0)
    assert.equal(s.sum('kafka_controller_kafkacontroller_globalpartitioncount'), PARTITIONS)
    assert.equal(s.samples('kafka_log_log_size', { topic: TOPIC }).length, PARTITIONS)
  })

  let bytesIn = 0
  await t.test(`producing ${RECORDS} records: messagesin grows by exactly ${RECORDS}, bytesin by what the logs hold, Produce requests counted and timed`, async () => {
    const before = await scrape()
    const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 5, acks: 'all' })
    await Promise.all(Array.from({ length: RECORDS }, async (_, i) => await producer.send({ topic: TOPIC, key: `k${i}`, value: `value ${i}` })))
    await producer.close()
    const after = await scrape()
    const messagesIn = 'kafka_server_brokertopicmetrics_messagesin_total'
    assert.equal(before.sum(messagesIn, { topic: TOPIC }), 0)
    assert.equal(after.sum(messagesIn, { topic: TOPIC }), RECORDS)
    assert.equal(after.sum(messagesIn, null) - before.sum(messagesIn, null), RECORDS, 'the all-topics series (no topic label)')
    assert.equal(after.sum('kafka_log_log_logendoffset', { topic: TOPIC }), RECORDS)
    bytesIn = after.sum('kafka_server_brokertopicmetrics_bytesin_total', { topic: TOPIC })
    assert.ok(bytesIn > 0)
    assert.equal(bytesIn, after.sum('kafka_log_log_size', { topic: TOPIC }), 'batches are stored as they came')
    const produceRequests = (s: Scrape): number => s.sum('kafka_network_requestmetrics_requests_total', { request: 'Produce' })
    assert.ok(produceRequests(after) > produceRequests(before), `Produce requests ${produceRequests(before)} → ${produceRequests(after)}`)
    assert.equal(after.sum('kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' }), produceRequests(after))
    const percentile = (quantile: string): number => after.sum('kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile })
    assert.ok(percentile('0.50') > 0, 'Produce p50')
    assert.ok(percentile('0.99') >= percentile('0.50'), `Produce p99 ${percentile('0.99')} >= p50 ${percentile('0.50')}`)
  })

  await t.test('consuming them: bytesout covers every byte in, counted as FetchConsumer, not FetchFollower', async () => {
    const before = await scrape()
    const consumer = new Consumer({ 'bootstrap.servers': cluster.bootstrap })
    t.after(async () => await consumer.close())
    consumer.assign(await consumer.partitionsFor(TOPIC))
    consumer.seekToBeginning()
    const records: ConsumerRecord[] = []
    await waitFor(async () => { records.push(...await consumer.poll(500)); return records.length >= RECORDS }, `${RECORDS} records read back`, { timeoutMs: 15_000 })
    const after = await scrape()
    assert.equal(before.sum('kafka_server_brokertopicmetrics_bytesout_total', { topic: TOPIC }), 0)
    assert.ok(after.sum('kafka_server_brokertopicmetrics_bytesout_total', { topic: TOPIC }) >= bytesIn)
    const fetches = (s: Scrape, request: string): number => s.sum('kafka_network_requestmetrics_requests_total', { request })
    assert.ok(fetches(after, 'FetchConsumer') > fetches(before, 'FetchConsumer'))
    assert.equal(fetches(after, 'Fetch') - fetches(before, 'Fetch'), fetches(after, 'FetchConsumer') - fetches(before, 'FetchConsumer'))
    assert.equal(after.samples('kafka_network_requestmetrics_requests_total', { request: 'FetchFollower' }).length, 0, 'no followers here')
    assert.equal(after.sum('kafka_server_brokertopicmetrics_replicationbytesout_total'), 0)

    // At the log end, the consumer's next fetch long-polls: the Fetch purgatory holds it meanwhile.
    const polling = consumer.poll(3000)
    await waitFor(async () => (await scrape()).sum('kafka_server_delayedoperationpurgatory_purgatorysize', { delayedOperation: 'Fetch' }) >= 1,
      'a long-polling fetch in the Fetch purgatory')
    await polling
  })

  await t.test('a consumer group is counted Stable while it consumes, and Empty once it left; its rebalance is timed and counted', async () => {
    const joinedAt = Date.now()
    const member = new GroupConsumer({ 'bootstrap.servers': cluster.bootstrap, 'group.id': 'metered-group', 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100 })
    t.after(async () => await member.close())
    member.subscribe([TOPIC])
    await waitFor(async () => { await member.poll(200); return member.assignment().length === PARTITIONS }, `the group member owning all ${PARTITIONS} partitions`, { timeoutMs: 20_000 })
    const groups = 'kafka_coordinator_group_groupmetadatamanager_numgroups'
    const stable = await scrape()
    assert.equal(stable.sum(groups), 1)
    assert.equal(stable.sum(groups + 'stable'), 1)
    assert.equal(stable.sum('kafka_server_replicamanager_leadercount'), PARTITIONS + 1, 'and the __consumer_offsets partition')
    const last = 'kafka_coordinator_group_groupmetadatamanager_lastrebalance'
    const durationMs = stable.sum(last + 'durationms', { group: 'metered-group' })
    assert.ok(durationMs >= 0 && durationMs <= Date.now() - joinedAt, `the rebalance took ${durationMs} ms, within the ${Date.now() - joinedAt} ms since the member started`)
    assert.equal(stable.samples(last + 'durationms', { group: 'metered-group' }).length, 1)
    assert.equal(stable.sum(last + 'generation', { group: 'metered-group' }), 1)
    const joinEndedMs = stable.sum(last + 'joinendedtimestampms', { group: 'metered-group' })
    assert.ok(joinEndedMs >= joinedAt && joinEndedMs <= Date.now(), `its join phase ended at ${joinEndedMs}, after the member started at ${joinedAt}`)
    assert.deepEqual(stable.samples(last + 'reason').map(p => p.labels), [{ group: 'metered-group', reason: 'member joined' }])
    assert.equal(stable.sum('kafka_server_group_coordinator_metrics_group_completed_rebalance_count'), 1)
    await member.close()
    const empty = await scrape()
    assert.equal(empty.sum(groups + 'stable'), 0)
    assert.equal(empty.sum(groups + 'empty'), 1)
    assert.equal(empty.sum(last + 'generation', { group: 'metered-group' }), 1, 'the group left Empty, not Stable: its last completed rebalance stays')
    assert.equal(empty.sum('kafka_server_group_coordinator_metrics_group_completed_rebalance_count'), 1)
  })

  await t.test('a second broker whose metrics.listener is taken exits 1 naming it, and registers nothing', async () => {
    const twin = await BrokerProcess.create({ zkConnect: cluster.zkConnect, brokerId: 2, config: { 'metrics.listener': metricsUrl } })
    t.after(async () => await twin.cleanup())
    const { code, stderr } = await runServerStart([twin.configFile])
    assert.equal(code, 1)
    assert.match(stderr, new RegExp(`"metrics\\.listener" ${metricsUrl.replaceAll('.', '\\.')}: cannot listen \\(EADDRINUSE\\)`))
    assert.equal(await cluster.zk.exists('/brokers/ids/2'), false)
  })
})

test('a bad metrics.listener is named and the broker exits 1 before anything starts', async t => {
  const broker = await BrokerProcess.create({
    zkConnect: '127.0.0.1:1', // never contacted: validation comes first
    brokerId: 1,
    config: { 'metrics.listener': '127.0.0.1:9404' },
  })
  t.after(async () => await broker.cleanup())
  const { code, stderr } = await runServerStart([broker.configFile], 10_000)
  assert.equal(code, 1)
  assert.match(stderr, /"metrics\.listener" must look like http:\/\/host:port, got "127\.0\.0\.1:9404"/)
  const override = await runServerStart([broker.configFile, '--override', 'metrics.listener=http://127.0.0.1:99999'], 10_000)
  assert.equal(override.code, 1)
  assert.match(override.stderr, /"metrics\.listener" must look like http:\/\/host:port, got "http:\/\/127\.0\.0\.1:99999"/)
  assert.equal(existsSync(join(broker.dir, 'data')), false, 'nothing written')
})
