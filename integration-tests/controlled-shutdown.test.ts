import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { Connection } from '../src/client/connection.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../src/protocol/messages/controlled-shutdown.js'
import { ElectLeadersRequest, ElectLeadersResponse } from '../src/protocol/messages/elect-leaders.js'
import { createTopic } from './support/admin.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

async function leaderOf (cluster: Cluster, topic: string, partition: number): Promise<{ leader: number, isr: number[] }> {
  const node = await cluster.zk.getData(`/brokers/topics/${topic}/partitions/${partition}/state`)
  assert.ok(node !== null)
  return JSON.parse(node.data.toString()) as { leader: number, isr: number[] }
}

test('controlled shutdown (SIGTERM) moves leadership before exit: acks=all producing sees no error past a few quick retries', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': 30_000, 'min.insync.replicas': 2, 'auto.leader.rebalance.enable': false } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'moving', { assignments: [[1, 2, 3], [2, 3, 1], [3, 1, 2]] })
  await waitFor(async () => (await leaderOf(cluster, 'moving', 0)).isr.length === 3, 'a full ISR for moving-0')

  const kafka = new Kafka({ clientId: 'shutdown-test', brokers: [cluster.broker(2).bootstrap, cluster.broker(3).bootstrap], logLevel: logLevel.NOTHING })
  // A client that had no request in flight to the stopping broker learns of the move only when its
  // next send there is refused (or, once the broker is gone, its connect): kafkajs then refreshes
  // its metadata and retries. Three retries within about a second cover that on a loaded machine;
  // without controlled shutdown the sends would fail for the whole session timeout (30 s here).
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 100 } })
  await producer.connect()
  let acked = 0
  const failures: string[] = []
  let stop = false
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        await producer.send({ topic: 'moving', acks: -1, messages: [{ key: String(i % 3), value: `m${i}` }] })
        acked++
      } catch (err) { failures.push((err as Error).message) }
    }
  })()
  // Also when an assertion failed: the loop ends before the producer disconnects.
  t.after(async () => {
    stop = true
    await loop
    await producer.disconnect()
  })
  await waitFor(() => acked >= 100, '100 acknowledged records before the shutdown', { timeoutMs: 20_000 })

  const stoppedAt = Date.now()
  const code = await cluster.broker(1).stop()
  const exitMs = Date.now() - stoppedAt
  assert.equal(code, 0)
  assert.notEqual((await leaderOf(cluster, 'moving', 0)).leader, 1, 'leadership of moving-0 moved before the broker exited')
  assert.ok(exitMs < 2000 + 1000, `controlled shutdown took ${exitMs} ms`)
  const afterStop = acked
  await waitFor(() => acked >= afterStop + 100, '100 more acknowledged records after the shutdown', { timeoutMs: 10_000 })
  stop = true
  await loop
  assert.deepEqual(failures, [], 'no send failed after its retries')
  // A broker on its way out that followed a partition under its new leader epoch was taken back into
  // the ISR by the leader, and acks=all then waited for it until replica.lag.time.max.ms.
  for (const partition of [0, 1, 2]) assert.ok(!(await leaderOf(cluster, 'moving', partition)).isr.includes(1), `broker 1 left the ISR of moving-${partition} for good`)
})

test('preferred leader election: automatic after the broker returns, and on request (ElectLeaders)', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': 30_000, 'auto.leader.rebalance.enable': true, 'leader.imbalance.check.interval.seconds': 1 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'pref', { assignments: [[1, 2]] })
  await waitFor(async () => (await leaderOf(cluster, 'pref', 0)).isr.length === 2, 'a full ISR for pref-0')
  await cluster.broker(1).stop()
  assert.equal((await leaderOf(cluster, 'pref', 0)).leader, 2)
  await cluster.broker(1).start()
  await waitFor(async () => (await leaderOf(cluster, 'pref', 0)).leader === 1, 'broker 1, the preferred replica, to lead pref-0 again', { timeoutMs: 15_000 })
})

test('ElectLeaders on the controller moves leadership back to the preferred replica', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': 30_000, 'auto.leader.rebalance.enable': false } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'manual', { assignments: [[1, 2]] })
  await waitFor(async () => (await leaderOf(cluster, 'manual', 0)).isr.length === 2, 'a full ISR for manual-0')
  await cluster.broker(1).stop()
  await cluster.broker(1).start()
  await waitFor(async () => (await leaderOf(cluster, 'manual', 0)).isr.length === 2, 'broker 1 back in the ISR')
  assert.equal((await leaderOf(cluster, 'manual', 0)).leader, 2, 'no automatic move back')

  const controllerId = (JSON.parse((await cluster.zk.getData('/controller'))?.data.toString() ?? '{}') as { brokerid: number }).brokerid
  const controller = cluster.broker(controllerId)
  const connection = new Connection({ host: '127.0.0.1', port: controller.port }, { clientId: 'elect', connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
  await connection.connect()
  t.after(() => connection.close())
  const response = await connection.send(ElectLeadersRequest, ElectLeadersResponse, 1, { electionType: 0, topicPartitions: [{ topic: 'manual', partitions: [0] }], timeoutMs: 10_000 })
  assert.equal(response.errorCode, ErrorCode.NONE)
  assert.equal(response.replicaElectionResults[0]?.partitionResult[0]?.errorCode, ErrorCode.NONE)
  await waitFor(async () => (await leaderOf(cluster, 'manual', 0)).leader === 1, 'broker 1 to lead manual-0 after ElectLeaders')
  const again = await connection.send(ElectLeadersRequest, ElectLeadersResponse, 1, { electionType: 0, topicPartitions: [{ topic: 'manual', partitions: [0] }], timeoutMs: 10_000 })
  assert.equal(again.replicaElectionResults[0]?.partitionResult[0]?.errorCode, ErrorCode.ELECTION_NOT_NEEDED)
})

test('ControlledShutdown with a stale or missing broker epoch gets STALE_BROKER_EPOCH and moves nothing; the broker\'s own shutdown still does', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': 30_000, 'auto.leader.rebalance.enable': false } })
  t.after(cluster.cleanup)
  const controllerId = (JSON.parse((await cluster.zk.getData('/controller'))?.data.toString() ?? '{}') as { brokerid: number }).brokerid
  const other = controllerId === 1 ? 2 : 1
  await createTopic(cluster.bootstrap, 'kept', { assignments: [[other, controllerId]] })
  await waitFor(async () => (await leaderOf(cluster, 'kept', 0)).isr.length === 2, 'a full ISR for kept-0')
  const registration = await cluster.zk.getData(`/brokers/ids/${other}`)
  assert.ok(registration !== null)
  const epoch = registration.czxid

  const connection = new Connection({ host: '127.0.0.1', port: cluster.broker(controllerId).port }, { clientId: 'not-the-broker', connectTimeoutMs: 5000, requestTimeoutMs: 20_000 })
  await connection.connect()
  t.after(() => connection.close())
  // v0-1 carry no epoch at all: refused like a missing one
  const attempts: Array<[string, number, bigint]> = [['a stale epoch', 3, epoch - 1n], ['a missing epoch (-1)', 3, -1n], ['no epoch field (v1)', 1, -1n]]
  for (const [what, version, brokerEpoch] of attempts) {
    const response = await connection.send(ControlledShutdownRequest, ControlledShutdownResponse, version, { brokerId: other, brokerEpoch })
    assert.equal(response.errorCode, ErrorCode.STALE_BROKER_EPOCH, `${what}: ${errorName(response.errorCode)}`)
    assert.equal((await leaderOf(cluster, 'kept', 0)).leader, other, `${what}: broker ${other} still leads kept-0`)
  }

  const code = await cluster.broker(other).stop()
  assert.equal(code, 0)
  assert.equal((await leaderOf(cluster, 'kept', 0)).leader, controllerId, 'its own controlled shutdown moved kept-0 before it exited')
  assert.ok(cluster.broker(other).lines.some(l => l.includes('"message":"controlled shutdown succeeded"')), cluster.broker(other).tail())
})
