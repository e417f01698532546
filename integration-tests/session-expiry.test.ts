import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { startAckedProducer } from './support/acked-producer.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { agreesWithZooKeeper, controllerOf, metadataView, partitionStates, readAllWithKcat } from './support/cluster-state.js'
import { waitFor } from './support/wait-for.js'
import { produceRequest, WireConnection } from './support/wire-connection.js'

const sessionTimeoutMs = 4000
const TOPIC = 'ledger'
const PARTITIONS = 4

test('a controller whose ZooKeeper session expires resigns first, then re-registers with a new session', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs } })
  t.after(cluster.cleanup)
  await waitFor(async () => await cluster.zk.exists('/controller'), 'a controller')
  const controllerId = await controllerOf(cluster)
  const paused = cluster.broker(controllerId)
  const other = cluster.broker(controllerId === 1 ? 2 : 1)
  const before = await cluster.zk.getData(`/brokers/ids/${controllerId}`)
  assert.ok(before !== null)

  // A frozen process sends no heartbeats: ZooKeeper expires its session while it cannot react.
  paused.child?.kill('SIGSTOP')
  t.after(() => { paused.child?.kill('SIGCONT') })
  await waitFor(async () => !(await cluster.zk.exists(`/brokers/ids/${controllerId}`)), 'the frozen broker\'s znode to expire', { timeoutMs: sessionTimeoutMs + 5000 })
  await waitFor(async () => await controllerOf(cluster) === other.spec.brokerId, 'the other broker to become controller', { timeoutMs: 5000 })
  paused.child?.kill('SIGCONT')

  await waitFor(async () => await cluster.zk.exists(`/brokers/ids/${controllerId}`), 'the broker to re-register after its session expired', { timeoutMs: 10_000 })
  const after = await cluster.zk.getData(`/brokers/ids/${controllerId}`)
  assert.ok(after !== null)
  assert.notEqual(after.ephemeralOwner, before.ephemeralOwner, 'registered by a new session')
  await waitFor(() => paused.lines.some(l => l.includes('"message":"resigned as controller"')), 'the expired controller to log its resignation')
  const resignedAt = paused.lines.findIndex(l => l.includes('"message":"resigned as controller"'))
  const reregisteredAt = paused.lines.findLastIndex(l => l.includes('"message":"registered broker"'))
  assert.ok(resignedAt < reregisteredAt, 'resigned before registering again')
  assert.equal(await controllerOf(cluster), other.spec.brokerId, 'still exactly one controller: the other broker')
  assert.ok(paused.running, 'the broker kept running through the expiry')
})

test('a leader back from a session expiry drops its stale view at once: refuses writes it no longer leads, agrees with ZooKeeper, rejoins every ISR; no acks=all record lost', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'replica.lag.time.max.ms': 2000 } })
  t.after(cluster.cleanup)
  // Both brokers lead two partitions each, and follow the other two.
  await createTopic(cluster.bootstrap, TOPIC, { assignments: [[1, 2], [2, 1], [1, 2], [2, 1]] })
  await waitFor(async () => (await partitionStates(cluster, TOPIC, PARTITIONS)).every(s => s.isr.length === 2 && s.leader >= 0), `every ${TOPIC} partition led with an ISR of 2`)
  const victimId = await controllerOf(cluster)
  const victim = cluster.broker(victimId)
  const survivorId = victimId === 1 ? 2 : 1
  const ledByVictim = (await partitionStates(cluster, TOPIC, PARTITIONS)).flatMap((s, p) => s.leader === victimId ? [p] : [])
  assert.equal(ledByVictim.length, 2, 'the paused broker leads two partitions')

  const producer = await startAckedProducer([cluster.broker(survivorId).bootstrap], TOPIC, PARTITIONS, 'session-expiry-test')
  // Also when an assertion failed: the loop ends before the brokers stop.
  t.after(producer.stop)
  const acked = producer.acked
  await waitFor(() => acked.length >= 40, '40 acknowledged acks=all records before the pause', { timeoutMs: 20_000 })

  victim.child?.kill('SIGSTOP')
  t.after(() => { victim.child?.kill('SIGCONT') })
  await waitFor(async () => !(await cluster.zk.exists(`/brokers/ids/${victimId}`)), 'the paused broker\'s session to expire', { timeoutMs: sessionTimeoutMs + 5000 })
  await waitFor(async () => (await partitionStates(cluster, TOPIC, PARTITIONS)).every(s => s.leader === survivorId), `broker ${survivorId} to lead every partition`, { timeoutMs: 10_000 })

  // Sent while the broker is frozen: it reads this acks=1 write first thing when it resumes, before it hears from ZooKeeper.
  const stale = await WireConnection.open(victim.bootstrap)
  t.after(() => stale.close())
  const staleWrite = stale.request(ProduceRequest, ProduceResponse, 7, produceRequest(TOPIC, ledByVictim[0]!, 'stale-write', 1), 15_000)
  const resumedAt = Date.now()
  victim.child?.kill('SIGCONT')
  const staleAnswer = (await staleWrite).responses[0]?.partitionResponses[0]
  assert.equal(staleAnswer?.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, `an acks=1 write reaching the resumed broker is refused: ${JSON.stringify(staleAnswer)}`)

  const deadline = sessionTimeoutMs + 2000
  const conn = await WireConnection.open(victim.bootstrap)
  t.after(() => conn.close())
  let lastView = ''
  await waitFor(async () => {
    const zkStates = await partitionStates(cluster, TOPIC, PARTITIONS)
    const view = await metadataView(conn, TOPIC, PARTITIONS)
    lastView = JSON.stringify({ zookeeper: zkStates, metadata: view })
    return agreesWithZooKeeper(view, zkStates)
  }, `the resumed broker's Metadata to agree with ZooKeeper within ${deadline} ms`, { timeoutMs: deadline, onTimeout: () => lastView })
  const agreedMs = Date.now() - resumedAt
  for (const p of ledByVictim) {
    const answer = (await conn.request(ProduceRequest, ProduceResponse, 7, produceRequest(TOPIC, p, `late-${p}`, 1))).responses[0]?.partitionResponses[0]
    assert.equal(answer?.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, `produce to ${TOPIC}-${p}, now led by broker ${survivorId}, is refused by the resumed broker`)
    const offsets = await conn.request(ListOffsetsRequest, ListOffsetsResponse, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: p, timestamp: -1 }] }] })
    assert.equal(offsets.topics[0]?.partitions[0]?.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, `ListOffsets for ${TOPIC}-${p} is no longer answered as leader`)
  }
  await waitFor(async () => (await partitionStates(cluster, TOPIC, PARTITIONS)).every(s => s.isr.includes(victimId)), `broker ${victimId} back in every ISR within ${deadline} ms of resuming`, { timeoutMs: Math.max(1000, deadline - (Date.now() - resumedAt)) })
  t.diagnostic(`resumed → Metadata agreeing with ZooKeeper after ${agreedMs} ms, back in every ISR after ${Date.now() - resumedAt} ms`)

  const ackedAtResume = acked.length
  await waitFor(() => acked.length >= ackedAtResume + 20, 'acks=all producing to go on after the resume', { timeoutMs: 20_000 })
  await producer.stop()

  // kcat (librdkafka) reads every partition back from the leaders.
  const seen = new Set(readAllWithKcat(cluster.bootstrap, TOPIC).map(r => r.value))
  assert.deepEqual(acked.filter(v => !seen.has(v)), [], `every one of ${acked.length} acknowledged acks=all records is there`)
  assert.ok(!seen.has('stale-write'), 'the refused stale write is nowhere')
})
