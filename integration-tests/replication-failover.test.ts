import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { Consumer } from '../src/client/consumer.js'
import { Producer } from '../src/client/producer.js'
import { createTopic } from './support/admin.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { logDigests, metadataView, partitionState, readAllWithKcat } from './support/cluster-state.js'
import { WireConnection } from './support/wire-connection.js'
import { waitFor } from './support/wait-for.js'

const sessionTimeoutMs = 6000

async function waitForFullIsr (cluster: Cluster, topic: string, partitions: number, size: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => {
    for (let p = 0; p < partitions; p++) if ((await partitionState(cluster, topic, p)).isr.length !== size) return false
    return true
  }, `ISR of every ${topic} partition to hold ${size} replicas`, { timeoutMs })
}

test('acks=all with the leader of every partition killed in turn (kill -9, restart): nothing acknowledged is lost', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'min.insync.replicas': 2, 'replica.lag.time.max.ms': 10_000 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'orders', { partitions: 3, replicationFactor: 3 })
  await waitForFullIsr(cluster, 'orders', 3, 3)

  const kafka = new Kafka({ clientId: 'failover-test', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 2000 } })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  t.after(async () => await producer.disconnect())

  const acked: string[] = []
  let failures = 0
  let stop = false
  const produceLoop = (async () => {
    for (let i = 0; !stop; i++) {
      const value = `v${i}`
      try {
        await producer.send({ topic: 'orders', acks: -1, messages: [{ key: `k${i % 30}`, value }] })
        acked.push(value)
      } catch {
        failures++
      }
    }
  })()

  for (const victim of [1, 2, 3]) {
    const before = acked.length
    await waitFor(() => acked.length >= before + 50, `50 more acknowledged records before killing broker ${victim}`, { timeoutMs: 30_000 })
    await cluster.broker(victim).kill('SIGKILL')
    const afterKill = acked.length
    await waitFor(() => acked.length >= afterKill + 50, `acks=all to resume after broker ${victim} was killed`, { timeoutMs: sessionTimeoutMs + 15_000 })
    await cluster.broker(victim).start()
    await waitForFullIsr(cluster, 'orders', 3, 3, 30_000)
  }
  stop = true
  await produceLoop

  const records = readAllWithKcat(cluster.bootstrap, 'orders')
  const sent = new Set(acked)
  const stored = new Set(records.map(r => r.value))
  const lost = acked.filter(v => !stored.has(v))
  assert.deepEqual(lost, [], `acknowledged records missing after failovers (${acked.length} acked, ${failures} send failures)`)
  const invented = records.filter(r => !sent.has(r.value) && !/^v\d+$/.test(r.value))
  assert.deepEqual(invented, [], 'records nobody sent')
  for (let p = 0; p < 3; p++) {
    const seq = records.filter(r => r.partition === p).map(r => Number(r.value.slice(1)))
    const firsts = seq.filter((v, i) => seq.indexOf(v) === i)
    assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), `partition ${p} keeps the order of sending`)
  }
})

test('2 of 3 brokers down: acks=all is refused with NOT_ENOUGH_REPLICAS, acks=1 works; back, they catch up to identical logs', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'min.insync.replicas': 2 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'ledger', { assignments: [[1, 2, 3]] })
  await waitForFullIsr(cluster, 'ledger', 1, 3)
  const kafka = new Kafka({ clientId: 'min-isr-test', brokers: [cluster.broker(1).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  await producer.send({ topic: 'ledger', acks: -1, messages: [{ value: 'before' }] })

  await cluster.broker(2).kill('SIGKILL')
  await cluster.broker(3).kill('SIGKILL')
  await waitFor(async () => (await partitionState(cluster, 'ledger', 0)).isr.length === 1, 'the ISR to shrink to the leader alone', { timeoutMs: sessionTimeoutMs + 5000 })
  // ZooKeeper can say so a watch's round trip before the leader does: ask the leader itself
  const leader = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => leader.close())
  await waitFor(async () => (await metadataView(leader, 'ledger', 1))[0]!.isr.length === 1, 'the leader to know its ISR is itself alone', { timeoutMs: 5000 })
  await assert.rejects(producer.send({ topic: 'ledger', acks: -1, messages: [{ value: 'refused' }] }), (err: Error & { type?: string }) => {
    assert.equal(err.type ?? (err as { cause?: { type?: string } }).cause?.type, 'NOT_ENOUGH_REPLICAS', err.message)
    return true
  })
  for (let i = 0; i < 20; i++) await producer.send({ topic: 'ledger', acks: 1, messages: [{ value: `one-${i}` }] })

  await cluster.broker(2).start()
  await cluster.broker(3).start()
  await waitForFullIsr(cluster, 'ledger', 1, 3)
  await producer.send({ topic: 'ledger', acks: -1, messages: [{ value: 'after' }] })
  await waitFor(() => new Set(logDigests(cluster, 'ledger', 0)).size === 1, 'the three replicas of ledger-0 to hold identical logs', { timeoutMs: 10_000 })
  const values = readAllWithKcat(cluster.bootstrap, 'ledger').map(r => r.value)
  assert.deepEqual(values, ['before', ...Array.from({ length: 20 }, (_, i) => `one-${i}`), 'after'])
})

test('a paused follower (SIGSTOP) leaves the ISR after replica.lag.time.max.ms and rejoins after SIGCONT', async t => {
  const lagMs = 1500
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': 30_000, 'replica.lag.time.max.ms': lagMs } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'paused', { assignments: [[1, 2, 3]] })
  await waitForFullIsr(cluster, 'paused', 1, 3)
  const follower = cluster.broker(3)
  follower.child?.kill('SIGSTOP')
  t.after(() => { follower.child?.kill('SIGCONT') })
  const stoppedAt = Date.now()
  await waitFor(async () => !(await partitionState(cluster, 'paused', 0)).isr.includes(3), 'the paused follower to leave the ISR', { timeoutMs: lagMs * 2 + 5000 })
  const tookMs = Date.now() - stoppedAt
  assert.ok(tookMs >= lagMs, `left after ${tookMs} ms, not before replica.lag.time.max.ms`)
  assert.ok(await cluster.zk.exists('/brokers/ids/3'), 'still registered: the ISR change came from lag, not a session timeout')
  follower.child?.kill('SIGCONT')
  await waitForFullIsr(cluster, 'paused', 1, 3)
})

test('our own producer and consumer through a leader kill -9: every acknowledged acks=all record is read back in order', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'min.insync.replicas': 2 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'ours', { partitions: 2, replicationFactor: 3 })
  await waitForFullIsr(cluster, 'ours', 2, 3)
  const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'retry.backoff.ms': 100, 'delivery.timeout.ms': 60_000 })
  t.after(async () => await producer.close())
  const acked: string[] = []
  let stop = false
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      await producer.send({ topic: 'ours', key: `k${i % 10}`, value: `o${i}` }).then(() => { acked.push(`o${i}`) }, () => {})
    }
  })()
  await waitFor(() => acked.length >= 50, '50 acknowledged records')
  const leader = (await partitionState(cluster, 'ours', 0)).leader
  await cluster.broker(leader).kill('SIGKILL')
  const atKill = acked.length
  await waitFor(() => acked.length >= atKill + 50, 'our producer to resume after the leader was killed', { timeoutMs: sessionTimeoutMs + 15_000 })
  stop = true
  await loop

  const consumer = new Consumer({ 'bootstrap.servers': cluster.bootstrap })
  t.after(async () => await consumer.close())
  consumer.assign([{ topic: 'ours', partition: 0 }, { topic: 'ours', partition: 1 }])
  consumer.seekToBeginning()
  const seen: Array<{ partition: number, value: string }> = []
  await waitFor(async () => {
    for (const r of await consumer.poll(500)) seen.push({ partition: r.partition, value: r.value?.toString() ?? '' })
    const values = new Set(seen.map(s => s.value))
    return acked.every(v => values.has(v))
  }, 'our consumer to read back every acknowledged record', { timeoutMs: 20_000 })
  for (const p of [0, 1]) {
    const seq = seen.filter(s => s.partition === p).map(s => Number(s.value.slice(1)))
    const firsts = seq.filter((v, i) => seq.indexOf(v) === i)
    assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), `partition ${p} keeps the order of sending`)
  }
})
