import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Admin } from '../src/client/admin.js'
import { Consumer, type ConsumerRecord } from '../src/client/consumer.js'
import { Producer } from '../src/client/producer.js'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import type { Decoded } from '../src/protocol/schema/index.js'
import { Scrape } from '../src/support/prometheus-scrape.js'
import { startCluster } from './support/cluster.js'
import { freePort } from './support/free-port.js'
import { runProcess } from './support/run-process.js'
import { waitFor } from './support/wait-for.js'
import { produceRequest, WireConnection } from './support/wire-connection.js'

const KCAT = '/usr/bin/kcat'
const SESSIONS = 'kafka_server_fetchsessioncache_numincrementalfetchsessions'
const CACHED = 'kafka_server_fetchsessioncache_numincrementalfetchpartitionscached'

type Answer = Decoded<typeof FetchResponse>

/** Fetch v12 (topics by name) of `partitions` of `topic` at `offsets`, in session `sessionId` at `epoch`. */
async function fetch (wire: WireConnection, sessionId: number, epoch: number, topic: string, offsets: Map<number, number>, forget: number[] = []): Promise<Answer> {
  return await wire.request(FetchRequest, FetchResponse, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch: epoch,
    topics: offsets.size === 0 ? [] : [{ topic, partitions: [...offsets].map(([partition, fetchOffset]) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
    forgottenTopicsData: forget.length === 0 ? [] : [{ topic, partitions: forget }],
    rackId: '',
  })
}

/** Each answered partition as `<partition>:<high watermark>:<record bytes>`. */
function answered (a: Answer): string[] {
  return a.responses.flatMap(t => t.partitions.map(p => `${p.partitionIndex}:${p.highWatermark}:${(p.records?.length ?? 0) > 0 ? 'records' : 'none'}`))
}

test('fetch sessions (KIP-227) on one broker: the wire, our consumer across partition additions and a restart, librdkafka sessionless', async t => {
  const metricsUrl = `http://127.0.0.1:${await freePort()}`
  const cluster = await startCluster({ brokers: 1, config: { 'metrics.listener': metricsUrl } })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  const gauge = async (name: string): Promise<number> => (await Scrape.of(`${metricsUrl}/metrics`)).sum(name)
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  t.after(async () => await admin.close())
  assert.deepEqual((await admin.createTopics([{ name: 'wire', numPartitions: 3, replicationFactor: 1 }, { name: 'consumed', numPartitions: 4, replicationFactor: 1 }])).map(r => r.errorCode), [0, 0])
  const wire = await WireConnection.open(cluster.bootstrap)
  t.after(() => wire.close())
  await waitFor(async () => (await fetch(wire, 0, -1, 'wire', new Map([[0, 0], [1, 0], [2, 0]]))).responses[0]?.partitions.every(p => p.errorCode === 0) === true, 'the broker to lead wire-0..2')

  let sessionId = 0
  await t.test('a full fetch opens a session; incremental fetches answer only partitions with news; forgotten ones leave it', async () => {
    const full = await fetch(wire, 0, 0, 'wire', new Map([[0, 0], [1, 0], [2, 0]]))
    sessionId = full.sessionId
    assert.notEqual(sessionId, 0, 'a session id')
    assert.deepEqual(answered(full), ['0:0:none', '1:0:none', '2:0:none'])
    assert.equal(await gauge(SESSIONS), 1)
    assert.equal(await gauge(CACHED), 3)

    assert.deepEqual(answered(await fetch(wire, sessionId, 1, 'wire', new Map())), [], 'nothing new, nothing answered')
    const produced = await wire.request(ProduceRequest, ProduceResponse, 7, produceRequest('wire', 1, 'news', 1))
    assert.equal(produced.responses[0]?.partitionResponses[0]?.errorCode, 0)
    assert.deepEqual(answered(await fetch(wire, sessionId, 2, 'wire', new Map())), ['1:1:records'], 'the session fetched wire-1 from its cached offset 0')
    assert.deepEqual(answered(await fetch(wire, sessionId, 3, 'wire', new Map([[1, 1]]))), [], 'wire-1 moved to offset 1: no records, same high watermark')
    assert.deepEqual(answered(await fetch(wire, sessionId, 4, 'wire', new Map(), [0, 2])), [])
    assert.equal(await gauge(CACHED), 1, 'wire-0 and wire-2 forgotten')
    assert.equal((await fetch(wire, sessionId, 9, 'wire', new Map())).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH)
    assert.equal((await fetch(wire, sessionId + 1, 1, 'wire', new Map())).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
    assert.deepEqual(answered(await fetch(wire, sessionId, 5, 'wire', new Map([[0, 0]]))), ['0:0:none'], 'added back: its high watermark is news to the session')
  })

  await t.test('kcat (librdkafka 2.0) fetches sessionless: it opens no session', { skip: existsSync(KCAT) ? false : 'kcat is not installed' }, async () => {
    const { stdout } = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', 'wire', '-o', 'beginning', '-e', '-q', '-f', '%p:%s\\n'])
    assert.equal(stdout, '1:news\n')
    assert.equal(await gauge(SESSIONS), 1, 'only the wire test\'s session')
  })

  const consumer = new Consumer({ 'bootstrap.servers': cluster.bootstrap, 'fetch.max.wait.ms': 100, 'metadata.max.age.ms': 1000 })
  t.after(async () => await consumer.close())
  const newProducer = (): Producer => new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'linger.ms': 1, retries: 20, 'retry.backoff.ms': 100 })
  let producer = newProducer()
  t.after(async () => await producer.close())
  const sent = new Map<number, string[]>()
  const read = new Map<number, string[]>()
  const produce = async (label: string, partitions: number): Promise<void> => {
    const deliveries = []
    for (let i = 0; i < 100; i++) {
      const partition = i % partitions
      const value = `${label}-${i}`
      sent.set(partition, [...sent.get(partition) ?? [], value])
      deliveries.push(producer.send({ topic: 'consumed', partition, value }))
    }
    await Promise.all(deliveries)
  }
  const consumeAll = async (what: string): Promise<void> => {
    const want = [...sent.values()].reduce((n, v) => n + v.length, 0)
    let have = [...read.values()].reduce((n, v) => n + v.length, 0)
    await waitFor(async () => {
      const records: ConsumerRecord[] = await consumer.poll(200)
      for (const r of records) read.set(r.partition, [...read.get(r.partition) ?? [], r.value!.toString()])
      have += records.length
      return have >= want
    }, what, { timeoutMs: 60_000, intervalMs: 0, onTimeout: () => `${have} of ${want}` })
    assert.deepEqual(new Map([...read].sort(([a], [b]) => a - b)), new Map([...sent].sort(([a], [b]) => a - b)), `${what}: every record once, in order per partition`)
  }

  await t.test('our consumer reads 4 partitions through its session, then 6 after partitions are added', async () => {
    consumer.assign([0, 1, 2, 3].map(partition => ({ topic: 'consumed', partition })))
    consumer.seekToBeginning()
    await produce('first', 4)
    await consumeAll('the first 100 records')
    assert.equal(await gauge(SESSIONS), 2, 'the wire test\'s session and the consumer\'s')
    assert.deepEqual((await admin.createPartitions([{ name: 'consumed', count: 6 }])).map(r => r.errorCode), [0])
    await waitFor(async () => (await consumer.partitionsFor('consumed')).length === 6, 'the consumer to see 6 partitions')
    await producer.close()
    producer = newProducer() // one that knows the 6 partitions
    consumer.assign([0, 1, 2, 3, 4, 5].map(partition => ({ topic: 'consumed', partition })))
    consumer.seekToBeginning([4, 5].map(partition => ({ topic: 'consumed', partition })))
    await produce('second', 6)
    await consumeAll('the next 100 records, 6 partitions')
    await waitFor(async () => await gauge(CACHED) >= 6, 'the consumer\'s session to hold its 6 partitions')
  })

  await t.test('after a broker restart the old session is unknown (FETCH_SESSION_ID_NOT_FOUND) and a full fetch starts a new one', async () => {
    await broker.stop()
    await broker.start()
    const again = await WireConnection.open(cluster.bootstrap)
    t.after(() => again.close())
    assert.equal((await fetch(again, sessionId, 6, 'wire', new Map())).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
    await produce('after-restart', 6)
    await consumeAll('100 records produced after the restart')
    assert.ok(await gauge(SESSIONS) >= 1, 'the consumer opened a new session')
  })
})

test('followers replicate through fetch sessions: each leader caches the partitions its follower fetches', async t => {
  const metricsPorts = [await freePort(), await freePort()]
  const cluster = await startCluster({ brokers: 2, brokerConfig: id => ({ 'metrics.listener': `http://127.0.0.1:${metricsPorts[id - 1]!}` }) })
  t.after(cluster.cleanup)
  const gauge = async (id: number, name: string): Promise<number> => (await Scrape.of(`http://127.0.0.1:${metricsPorts[id - 1]!}/metrics`)).sum(name)
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  t.after(async () => await admin.close())
  const PARTITIONS = 20
  assert.deepEqual((await admin.createTopics([{ name: 'replicated', numPartitions: PARTITIONS, replicationFactor: 2 }])).map(r => r.errorCode), [0])
  const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'linger.ms': 2, retries: 20, 'retry.backoff.ms': 100 })
  t.after(async () => await producer.close())
  // acks=all completes only as the followers' fetches, incremental after the first, move the high watermarks
  const deliveries = []
  for (let i = 0; i < 2000; i++) deliveries.push(producer.send({ topic: 'replicated', partition: i % PARTITIONS, value: `v${i}` }))
  const offsets = await Promise.all(deliveries)
  assert.equal(offsets.length, 2000)
  const led = (await admin.describeTopics(['replicated']))[0]!.partitions.reduce((n, p) => n + (p.leader === 1 ? 1 : 0), 0)
  await waitFor(async () => await gauge(1, CACHED) === led && await gauge(2, CACHED) === PARTITIONS - led,
    'each leader\'s fetch session cache to hold exactly the partitions it leads (its follower\'s session)',
    { timeoutMs: 20_000, onTimeout: () => `leads ${led} / ${PARTITIONS - led}` })
  assert.equal(await gauge(1, SESSIONS), 1)
  assert.equal(await gauge(2, SESSIONS), 1)
})
