import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/messages/api-versions.js'
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../src/protocol/messages/incremental-alter-configs.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { createTopic } from './support/admin.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { partitionState } from './support/cluster-state.js'
import { kafkajsClients } from './support/kafkajs-clients.js'
import { waitFor } from './support/wait-for.js'
import { produceRequest, WireConnection } from './support/wire-connection.js'

const IDLE_MS = 1500

async function answers (conn: WireConnection, timeoutMs = 10_000): Promise<boolean> {
  const r = await conn.request(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'limits', clientSoftwareVersion: '1' }, timeoutMs)
  return r.errorCode === ErrorCode.NONE
}

/** A cluster whose brokers have a second listener, CLIENT, beside PLAINTEXT (the inter-broker one). */
async function withClientListener (t: { after: (fn: () => Promise<void>) => void }, brokers: number, config: Record<string, string | number>): Promise<Cluster> {
  const cluster = await startCluster({ brokers, extraListeners: ['CLIENT'], config: { 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT', ...config } })
  t.after(cluster.cleanup)
  return cluster
}

/** `conn`'s request is held back, unanswered and the connection open, until `release` closes another connection. */
async function heldUntil (conn: WireConnection, release: () => void, what: string): Promise<void> {
  await assert.rejects(answers(conn, 1000), /timed out/, what)
  assert.equal(conn.isClosed, false, what)
  release()
  await conn.readFrame(10_000, `the answer once a connection closed (${what})`)
}

/** Sets broker-wide defaults (kafka-configs --entity-default) over `admin`, and waits until the broker applies them. */
async function setDefaults (cluster: Cluster, admin: WireConnection, configs: Record<string, string | null>): Promise<void> {
  const applied = cluster.broker(1).lines.filter(l => l.includes('"message":"connection limits changed"')).length
  const r = await admin.request(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 1, {
    resources: [{ resourceType: 4, resourceName: '', configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: value === null ? 1 : 0, value })) }],
    validateOnly: false,
  })
  assert.equal(r.responses[0]?.errorCode, ErrorCode.NONE, r.responses[0]?.errorMessage ?? '')
  await waitFor(() => cluster.broker(1).lines.filter(l => l.includes('"message":"connection limits changed"')).length > applied, `the broker to apply ${JSON.stringify(configs)}`)
}

test('connections.max.idle.ms closes a connection nothing was read from or written to for that long, and a real client reconnects', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'connections.max.idle.ms': IDLE_MS } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'idle', { partitions: 1 })
  const { producer } = await kafkajsClients(t, cluster.bootstrap, 'idle-test')
  await producer.send({ topic: 'idle', messages: [{ value: 'before' }] })

  const busy = await WireConnection.open(cluster.bootstrap)
  t.after(() => busy.close())
  const quiet = await WireConnection.open(cluster.bootstrap)
  t.after(() => quiet.close())
  assert.ok(await answers(quiet))
  const lastRequest = Date.now()
  // the busy one sends a request every IDLE_MS / 3 until the quiet one is closed
  let busyAnswered = 0
  const keepBusy = (async () => {
    while (!quiet.isClosed) {
      if (await answers(busy)) busyAnswered++
      await new Promise(resolve => setTimeout(resolve, IDLE_MS / 3))
    }
  })()
  await quiet.waitClosed(IDLE_MS + 10_000, 'the broker to close the idle connection')
  const idleFor = Date.now() - lastRequest
  await keepBusy
  assert.ok(idleFor >= IDLE_MS - 100, `closed after ${idleFor} ms idle, not before connections.max.idle.ms`)
  assert.equal(busy.isClosed, false, 'a connection in use is kept')
  assert.ok(busyAnswered >= 3, `the busy connection was answered ${busyAnswered} times meanwhile`)

  // the producer's connections were idle longer than the quiet one: closed too, and KafkaJS reconnects
  await producer.send({ topic: 'idle', messages: [{ value: 'after' }] })
})

test('max.connections.per.ip and its overrides refuse the connection over the limit at once; max.connections holds new ones back and, lowered, closes the least recently used', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const opened: WireConnection[] = []
  const open = async (): Promise<WireConnection> => {
    const c = await WireConnection.open(cluster.bootstrap)
    opened.push(c)
    return c
  }
  t.after(() => { for (const c of opened) c.close() })
  const admin = await open()

  await setDefaults(cluster, admin, { 'max.connections.per.ip': '3' })
  const a = await open()
  const b = await open()
  assert.ok(await answers(a) && await answers(b), 'the second and third connections from 127.0.0.1')
  const fourth = await open()
  await fourth.waitClosed(5000, 'the broker to close the fourth connection from 127.0.0.1')
  assert.ok(cluster.broker(1).lines.some(l => l.includes('Rejected connection from 127.0.0.1, address already has the configured maximum of 3 connections.')), 'Kafka\'s log line')
  a.close()
  let again: WireConnection | undefined
  await waitFor(async () => {
    again = await open()
    try {
      return await answers(again, 2000)
    } catch {
      return false
    }
  }, 'a connection to be accepted once one of the three closed')

  // admin, b and again are open: an override of 1 for this address refuses the next, and keeps those
  await setDefaults(cluster, admin, { 'max.connections.per.ip.overrides': '127.0.0.1:1' })
  const overLimit = await open()
  await overLimit.waitClosed(5000, 'the broker to close a connection over the override')
  assert.ok(cluster.broker(1).lines.some(l => l.includes('address already has the configured maximum of 1 connections.')))
  assert.ok(await answers(b), 'connections already open stay')

  await setDefaults(cluster, admin, { 'max.connections.per.ip.overrides': null, 'max.connections.per.ip': null })
  b.close()
  again?.close()
  // admin, then c and d: c is the least recently used when the limit drops below three
  const c = await open()
  const d = await open()
  assert.ok(await answers(c) && await answers(d) && await answers(admin))
  await setDefaults(cluster, admin, { 'max.connections': '2' })
  await c.waitClosed(5000, 'the least recently used connection to be closed')
  assert.ok(await answers(d) && await answers(admin), 'the two most recently used stay')
  assert.ok(cluster.broker(1).lines.some(l => l.includes('max.connections reached: closing the least recently used connection')))

  await heldUntil(await open(), () => d.close(), 'at max.connections, a new connection is held back, unread')
})

test('at max.connections, the inter-broker listener still admits a restarted follower (KIP-402), and the least recently used client connection gives way', async t => {
  const cluster = await withClientListener(t, 2, { 'max.connections': 2 })
  await createTopic(cluster.bootstrap, 'replicated', { assignments: [[1, 2]] })
  await waitFor(async () => (await partitionState(cluster, 'replicated', 0)).isr.length === 2, 'broker 2 to follow partition 0')
  assert.equal(await cluster.broker(2).stop(), 0)
  await waitFor(async () => (await partitionState(cluster, 'replicated', 0)).isr.length === 1, 'broker 2 to leave the ISR')

  // client connections up to max.connections: the first two are answered, the third is held back
  const client = cluster.broker(1).bootstrapFor('CLIENT')
  const clients = await Promise.all([0, 1, 2].map(async () => await WireConnection.open(client)))
  t.after(() => { for (const c of clients) c.close() })
  const [oldest, newer, held] = clients as [WireConnection, WireConnection, WireConnection]
  assert.ok(await answers(oldest))
  assert.ok(await answers(newer))
  await assert.rejects(answers(held, 1000), /timed out/, 'broker 1 is at max.connections')

  await cluster.broker(2).start()
  await waitFor(async () => (await partitionState(cluster, 'replicated', 0)).isr.length === 2, 'broker 2 back in the ISR, over the inter-broker listener of a broker at max.connections', { timeoutMs: 20_000 })
  await oldest.waitClosed(15_000, 'the least recently used client connection to give way to the follower')
  assert.ok(cluster.broker(1).lines.some(l => l.includes('max.connections reached: closing the least recently used connection')))
  const interBroker = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => interBroker.close())
  const produced = await interBroker.request(ProduceRequest, ProduceResponse, 7, produceRequest('replicated', 0, 'both replicas', -1))
  assert.equal(produced.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE, 'acks=all with both replicas')
})

test('listener.name.<l>.max.connections holds back that listener\'s connections only', async t => {
  const cluster = await withClientListener(t, 1, { 'listener.name.client.max.connections': 1 })
  const client = cluster.broker(1).bootstrapFor('CLIENT')
  const first = await WireConnection.open(client)
  const second = await WireConnection.open(client)
  const other = await WireConnection.open(cluster.bootstrap)
  t.after(() => { for (const c of [first, second, other]) c.close() })
  assert.ok(await answers(first))
  assert.ok(await answers(other), 'PLAINTEXT has no limit of its own')
  await heldUntil(second, () => first.close(), 'the second CLIENT connection waits')
})

test('max.connection.creation.rate (KIP-612) spaces a listener\'s new connections out; the inter-broker listener is not held back by it', async t => {
  // 2 windows of 1 s: 2 connections per second, the third waits half a second, the fourth a second
  const cluster = await withClientListener(t, 1, { 'quota.window.num': 2, 'quota.window.size.seconds': 1, 'max.connection.creation.rate': 2 })
  const opened: WireConnection[] = []
  t.after(() => { for (const c of opened) c.close() })
  const start = Date.now()
  const answeredAfter = async (address: string): Promise<number> => {
    const c = await WireConnection.open(address)
    opened.push(c)
    assert.ok(await answers(c, 15_000))
    return Date.now() - start
  }
  const [client, interBroker] = await Promise.all([
    Promise.all(Array.from({ length: 6 }, async () => await answeredAfter(cluster.broker(1).bootstrapFor('CLIENT')))),
    Promise.all(Array.from({ length: 6 }, async () => await answeredAfter(cluster.bootstrap))),
  ])
  t.diagnostic(`CLIENT answered after ${client.sort((a, b) => a - b).join(', ')} ms; PLAINTEXT (inter-broker) after ${interBroker.sort((a, b) => a - b).join(', ')} ms`)
  assert.ok(Math.max(...client) >= 1000, 'six connections at 2 per second take more than a second to be admitted')
  assert.ok(Math.max(...interBroker) < Math.max(...client), 'the inter-broker listener\'s six were not spaced out')
})
