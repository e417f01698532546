import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as pause } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { startAckedProducer } from './support/acked-producer.js'
import { createTopic } from './support/admin.js'
import { agreesWithZooKeeper, controllerOf, logDigests, metadataView, partitionStates, readAllWithKcat } from './support/cluster-state.js'
import { namespacesUnsupported } from './support/network-namespaces.js'
import { startNetworkedCluster } from './support/networked-cluster.js'
import { waitFor } from './support/wait-for.js'
import { produceRequest, WireConnection } from './support/wire-connection.js'

// Network partitions made with Linux network namespaces (support/network-namespaces.ts): ZooKeeper
// and every broker run on hosts of their own, and the test cuts the links between them while the
// test itself (its clients, its ZooKeeper session for assertions) still reaches every host.

const skip = await namespacesUnsupported()
const TOPIC = 'ledger'

test('a broker cut off from ZooKeeper but not from clients or the other broker: fenced by its session lease, leaderships move, no acks=all record lost; healed, it re-registers, agrees with ZooKeeper and rejoins every ISR', { skip }, async t => {
  const sessionTimeoutMs = 4000
  const { network, cluster, beforeCleanup } = await startNetworkedCluster(t, 2, { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'replica.lag.time.max.ms': 2000 })
  // Both brokers lead two partitions each, and follow the other two.
  await createTopic(cluster.bootstrap, TOPIC, { assignments: [[1, 2], [2, 1], [1, 2], [2, 1]] })
  await waitFor(async () => (await partitionStates(cluster, TOPIC, 4)).every(s => s.isr.length === 2 && s.leader >= 0), `every ${TOPIC} partition led with an ISR of 2`)
  // The controller keeps its link to ZooKeeper: it is the one that moves the cut-off broker's leaderships.
  const survivorId = await controllerOf(cluster)
  const victimId = survivorId === 1 ? 2 : 1
  const victim = cluster.broker(victimId)
  const ledByVictim = (await partitionStates(cluster, TOPIC, 4)).flatMap((s, p) => s.leader === victimId ? [p] : [])
  assert.equal(ledByVictim.length, 2, `broker ${victimId} leads two partitions`)
  const registered = await cluster.zk.getData(`/brokers/ids/${victimId}`)
  assert.ok(registered !== null)

  const producer = await startAckedProducer(cluster.bootstrap.split(','), TOPIC, 4, 'network-partition-test')
  const acked = producer.acked

  // acks=1 writes sent straight to the cut-off broker, for a partition it led, all through the
  // partition: when each was sent and what the broker answered.
  const stale = await WireConnection.open(victim.bootstrap)
  const staleWrites: Array<{ value: string, sentMs: number, errorCode: number }> = []
  let stopStale = false
  const staleLoop = (async () => {
    for (let i = 0; !stopStale; i++) {
      const value = `stale-${i}`
      const sentMs = Date.now()
      const answer = await stale.request(ProduceRequest, ProduceResponse, 7, produceRequest(TOPIC, ledByVictim[0]!, value, 1))
      staleWrites.push({ value, sentMs, errorCode: answer.responses[0]?.partitionResponses[0]?.errorCode ?? -1 })
      await pause(25) // pacing, so that the broker's log does not fill with these
    }
  })()
  // Also when an assertion failed: the loops end before their connections close and the brokers stop.
  beforeCleanup(async () => {
    stopStale = true
    await Promise.allSettled([producer.stop(), staleLoop])
    stale.close()
  })
  await waitFor(() => acked.length >= 40 && staleWrites.some(w => w.errorCode === ErrorCode.NONE), '40 acknowledged acks=all records and an accepted acks=1 write before the cut', { timeoutMs: 20_000 })

  await network.cut(`broker-${victimId}`, 'zookeeper')
  const cutMs = Date.now()
  await waitFor(async () => !(await cluster.zk.exists(`/brokers/ids/${victimId}`)), 'ZooKeeper to expire the cut-off broker\'s session', { timeoutMs: sessionTimeoutMs + 5000 })
  const expiredMs = Date.now()
  await waitFor(async () => (await partitionStates(cluster, TOPIC, 4)).every(s => s.leader === survivorId), `broker ${survivorId} to lead every partition`, { timeoutMs: 10_000 })
  const movedMs = Date.now()
  // The partition lasts 4.5 session timeouts: long enough for TCP's retransmission timer on the cut
  // link to back off to seconds (it doubles from 200 ms with each loss). All along, the cut-off
  // broker, which still believes it leads and has heard nothing to the contrary, is asked to take writes.
  const cutHoldMs = 4.5 * sessionTimeoutMs
  await waitFor(() => Date.now() - cutMs >= cutHoldMs, `the partition to last ${cutHoldMs} ms`, { timeoutMs: cutHoldMs + 1000 })
  assert.ok(victim.running, 'the cut-off broker kept running')

  // Its lease ran out zookeeper.session.timeout.ms after it sent the last request ZooKeeper answered,
  // which was before the cut; ZooKeeper expired the session no earlier than that (ZkSession.hasLease).
  const accepted = staleWrites.filter(w => w.errorCode === ErrorCode.NONE)
  const lastAcceptedMs = accepted.at(-1)?.sentMs ?? 0
  assert.ok(lastAcceptedMs < cutMs + sessionTimeoutMs, `the cut-off broker accepts no acks=1 write sent later than zookeeper.session.timeout.ms (${sessionTimeoutMs} ms) after the cut; the last one it accepted was sent ${lastAcceptedMs - cutMs} ms after`)
  const afterExpiry = staleWrites.filter(w => w.sentMs >= expiredMs)
  assert.ok(afterExpiry.length >= 5, `${afterExpiry.length} acks=1 writes sent after the session expired`)
  assert.deepEqual(afterExpiry.filter(w => w.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER).map(w => `${w.value}: ${errorName(w.errorCode)}`), [],
    'every acks=1 write sent after the session expired is refused with NOT_LEADER_OR_FOLLOWER')
  t.diagnostic(`cut → session expired after ${expiredMs - cutMs} ms, leaderships moved after ${movedMs - cutMs} ms; last acks=1 write accepted ${lastAcceptedMs - cutMs} ms after the cut`)

  await network.heal(`broker-${victimId}`, 'zookeeper')
  const healedMs = Date.now()
  const deadline = sessionTimeoutMs + 2000
  await waitFor(async () => (await cluster.zk.getData(`/brokers/ids/${victimId}`))?.ephemeralOwner !== undefined, `broker ${victimId} to register again within ${deadline} ms of the heal`, { timeoutMs: deadline })
  const reregistered = await cluster.zk.getData(`/brokers/ids/${victimId}`)
  assert.notEqual(reregistered?.ephemeralOwner, registered.ephemeralOwner, 'registered by a new session')
  const conn = await WireConnection.open(victim.bootstrap)
  beforeCleanup(() => conn.close())
  let lastView = ''
  await waitFor(async () => {
    const zkStates = await partitionStates(cluster, TOPIC, 4)
    const view = await metadataView(conn, TOPIC, 4)
    lastView = JSON.stringify({ zookeeper: zkStates, metadata: view })
    return agreesWithZooKeeper(view, zkStates)
  }, `broker ${victimId}'s Metadata to agree with ZooKeeper within ${deadline} ms of the heal`, { timeoutMs: Math.max(1, deadline - (Date.now() - healedMs)), onTimeout: () => lastView })
  const agreedMs = Date.now()
  await waitFor(async () => (await partitionStates(cluster, TOPIC, 4)).every(s => s.isr.includes(victimId)), `broker ${victimId} back in every ISR`, { timeoutMs: 15_000 })
  t.diagnostic(`heal → re-registered and agreeing with ZooKeeper after ${agreedMs - healedMs} ms, back in every ISR after ${Date.now() - healedMs} ms`)
  for (const p of ledByVictim) {
    const answer = (await conn.request(ProduceRequest, ProduceResponse, 7, produceRequest(TOPIC, p, `late-${p}`, 1))).responses[0]?.partitionResponses[0]
    assert.equal(answer?.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, `produce to ${TOPIC}-${p}, now led by broker ${survivorId}, is refused by the healed broker`)
  }

  const ackedAtHeal = acked.length
  await waitFor(() => acked.length >= ackedAtHeal + 20, 'acks=all producing to go on after the heal', { timeoutMs: 20_000 })
  stopStale = true
  await Promise.all([producer.stop(), staleLoop])

  const seen = new Set(readAllWithKcat(cluster.bootstrap, TOPIC).map(r => r.value))
  assert.deepEqual(acked.filter(v => !seen.has(v)), [], `every one of ${acked.length} acknowledged acks=all records is there`)
  assert.deepEqual(staleWrites.filter(w => w.errorCode !== ErrorCode.NONE && seen.has(w.value)).map(w => w.value), [], 'no refused write is anywhere')
  // The healed broker truncated what it alone had taken (KIP-101): both replicas hold the same bytes.
  for (let p = 0; p < 4; p++) {
    await waitFor(() => new Set(logDigests(cluster, TOPIC, p)).size === 1, `both replicas of ${TOPIC}-${p} to hold identical logs`)
  }
})

test('a leader cut off from both followers but not from ZooKeeper or clients: the ISR shrinks to the leader alone, acks=all is refused, nothing acknowledged is lost; healed, the ISR regrows to 3 with identical logs', { skip }, async t => {
  const lagMs = 2000
  const { network, cluster, beforeCleanup } = await startNetworkedCluster(t, 3, { 'zookeeper.session.timeout.ms': 6000, 'replica.lag.time.max.ms': lagMs, 'min.insync.replicas': 2 })
  await createTopic(cluster.bootstrap, TOPIC, { assignments: [[1, 2, 3]] })
  await waitFor(async () => { const [s] = await partitionStates(cluster, TOPIC, 1); return s?.leader === 1 && s.isr.length === 3 }, `${TOPIC}-0 led by broker 1 with an ISR of 3`)
  const { leader_epoch: leaderEpoch } = (await partitionStates(cluster, TOPIC, 1))[0]!
  const controllerId = await controllerOf(cluster)
  const direct = await WireConnection.open(cluster.broker(1).bootstrap)
  const parkedConn = await WireConnection.open(cluster.broker(1).bootstrap)
  beforeCleanup(() => { direct.close(); parkedConn.close() })
  const produceDirect = async (conn: WireConnection, value: string, acks: number, timeoutMs = 5000): Promise<number> =>
    (await conn.request(ProduceRequest, ProduceResponse, 7, { ...produceRequest(TOPIC, 0, value, acks), timeoutMs }, timeoutMs + 5000)).responses[0]?.partitionResponses[0]?.errorCode ?? -1
  assert.equal(errorName(await produceDirect(direct, 'direct-before', -1)), 'NONE', 'acks=all to the leader with a full ISR')

  // The other client path: kafkajs bootstrapped from the followers, which the test still reaches;
  // they name broker 1 as the leader, so its requests go there too.
  const kafka = new Kafka({ clientId: 'network-partition-test', brokers: [cluster.broker(2).bootstrap, cluster.broker(3).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 } })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const acked: Array<{ value: string, ackedMs: number }> = []
  const failures: Array<{ value: string, sentMs: number, error: string }> = []
  let stop = false
  const produceLoop = (async () => {
    for (let i = 0; !stop; i++) {
      const value = `v${i}`
      const sentMs = Date.now()
      try {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 3000, messages: [{ value }] })
        acked.push({ value, ackedMs: Date.now() })
      } catch (err) {
        failures.push({ value, sentMs, error: kafkaJsErrorType(err) })
      }
    }
  })()
  beforeCleanup(async () => {
    stop = true
    await produceLoop
    await producer.disconnect()
  })
  await waitFor(() => acked.length >= 30, '30 acknowledged acks=all records before the cut', { timeoutMs: 20_000 })

  await network.cut('broker-1', 'broker-2')
  await network.cut('broker-1', 'broker-3')
  const cutMs = Date.now()
  // Parked in the leader's purgatory (Kafka's DelayedProduce) until the ISR changes or 15 s pass.
  const parked = produceDirect(parkedConn, 'parked', -1, 15_000)

  // Kafka's rule, which this cluster follows: followers that have not caught up for
  // replica.lag.time.max.ms leave the ISR, however small it gets. min.insync.replicas does not hold
  // the ISR up; the leader refuses acks=all while the ISR is below it. (KIP-966's eligible leader
  // replicas, KRaft only, do not change this: the ISR still shrinks, the followers it drops stay
  // eligible to lead.)
  await waitFor(async () => JSON.stringify((await partitionStates(cluster, TOPIC, 1))[0]?.isr) === '[1]', 'the leader to shrink the ISR to itself', { timeoutMs: lagMs * 2 + 5000 })
  const shrunkMs = Date.now()
  assert.ok(shrunkMs - cutMs >= lagMs, `the ISR shrank ${shrunkMs - cutMs} ms after the cut, not before replica.lag.time.max.ms (${lagMs} ms)`)
  const during = (await partitionStates(cluster, TOPIC, 1))[0]!
  assert.deepEqual({ leader: during.leader, leaderEpoch: during.leader_epoch }, { leader: 1, leaderEpoch }, 'the leader keeps its leadership and epoch: its ZooKeeper session lives')
  assert.equal(await controllerOf(cluster), controllerId, 'the controller did not change')
  for (const id of [1, 2, 3]) assert.ok(await cluster.zk.exists(`/brokers/ids/${id}`), `broker ${id} still registered`)

  // What the leader appended but could not replicate is not acknowledged: the parked write learns
  // that the ISR fell below min.insync.replicas (Kafka's Partition.checkEnoughReplicasReachOffset).
  assert.equal(errorName(await parked), 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'the acks=all write parked when the followers were cut off')
  const refused = ['refused-0', 'refused-1', 'refused-2']
  for (const value of refused) assert.equal(errorName(await produceDirect(direct, value, -1)), 'NOT_ENOUGH_REPLICAS', 'acks=all to the leader alone')
  // acks=1 does not look at min.insync.replicas (Kafka's Partition.appendRecordsToLeader): the leader alone takes it.
  const alone = ['alone-0', 'alone-1', 'alone-2']
  for (const value of alone) assert.equal(errorName(await produceDirect(direct, value, 1)), 'NONE', 'acks=1 to the leader alone')
  await waitFor(() => failures.filter(f => f.sentMs > shrunkMs).length >= 3, 'the other client path to have 3 acks=all sends fail while the leader is alone', { timeoutMs: 20_000 })

  await network.heal('broker-1', 'broker-2')
  await network.heal('broker-1', 'broker-3')
  const healedMs = Date.now()
  const whileAlone = acked.filter(a => a.ackedMs >= shrunkMs && a.ackedMs < healedMs)
  assert.deepEqual(whileAlone, [], 'nothing acknowledged with acks=all while the leader was alone')
  const failedAlone = failures.filter(f => f.sentMs > shrunkMs && f.sentMs < healedMs)
  assert.deepEqual(failedAlone.filter(f => f.error !== 'NOT_ENOUGH_REPLICAS'), [], 'the other path\'s sends while the leader was alone fail with NOT_ENOUGH_REPLICAS')

  await waitFor(async () => JSON.stringify([...(await partitionStates(cluster, TOPIC, 1))[0]!.isr].sort()) === '[1,2,3]', 'the ISR to regrow to 3', { timeoutMs: 20_000 })
  t.diagnostic(`cut → ISR [1] after ${shrunkMs - cutMs} ms; heal → ISR [1,2,3] after ${Date.now() - healedMs} ms`)
  const ackedAtRegrow = acked.length
  await waitFor(() => acked.length >= ackedAtRegrow + 20, 'acks=all producing to go on after the heal', { timeoutMs: 20_000 })
  assert.equal(errorName(await produceDirect(direct, 'direct-after', -1)), 'NONE', 'acks=all to the leader with the ISR back')
  stop = true
  await produceLoop

  await waitFor(() => new Set(logDigests(cluster, TOPIC, 0)).size === 1, `the three replicas of ${TOPIC}-0 to hold identical logs`)
  const values = readAllWithKcat(cluster.bootstrap, TOPIC).map(r => r.value)
  const seen = new Set(values)
  assert.deepEqual(acked.map(a => a.value).filter(v => !seen.has(v)), [], `every one of ${acked.length} acknowledged acks=all records is there`)
  assert.deepEqual(['direct-before', 'direct-after', ...alone].filter(v => !seen.has(v)), [], 'the acknowledged direct writes are there, acks=1 ones taken by the leader alone included')
  assert.deepEqual(refused.filter(v => seen.has(v)), [], 'no write refused with NOT_ENOUGH_REPLICAS is anywhere')
  // NOT_ENOUGH_REPLICAS_AFTER_APPEND, as in Kafka: the record stays in the leader's log and reaches
  // the followers after the heal; the producer was only told it is not acknowledged.
  assert.ok(seen.has('parked'), 'the write answered NOT_ENOUGH_REPLICAS_AFTER_APPEND is in the log')
})

/** The Kafka error type kafkajs reports, also when it is wrapped in a retries-exceeded error. */
function kafkaJsErrorType (err: unknown): string {
  const e = err as { type?: string, cause?: { type?: string }, originalError?: { type?: string }, message?: string }
  return e.type ?? e.cause?.type ?? e.originalError?.type ?? e.message ?? String(err)
}
