import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { setTimeout as pause } from 'node:timers/promises'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { startAckedProducer } from './support/acked-producer.js'
import { createTopic } from './support/admin.js'
import { agreesWithZooKeeper, controllerOf, logDigests, metadataView, partitionStates, readAllWithKcat } from './support/cluster-state.js'
import { namespacesUnsupported } from './support/network-namespaces.js'
import { startNetworkedCluster } from './support/networked-cluster.js'
import { waitFor } from './support/wait-for.js'
import { produceRequest, WireConnection } from './support/wire-connection.js'

// The deployment of docs/deployment.md on one machine: ZooKeeper and three brokers on hosts of
// their own (Linux network namespaces, support/network-namespaces.ts), each broker listening on
// 0.0.0.0:9092 of its host and advertising that host's address; the test's clients, in the
// machine's own namespace, know only the advertised addresses.

const skip = await namespacesUnsupported()
const TOPIC = 'orders'
const PORT = 9092

test('three brokers on three hosts, ZooKeeper on a fourth: clients reach them through the advertised listeners; one broker cut from ZooKeeper only loses its session and its leaderships, its acks=all writes fail rather than get lost, and it rejoins cleanly', { skip }, async t => {
  const sessionTimeoutMs = 4000
  const { network, cluster, beforeCleanup } = await startNetworkedCluster(t, 3, {
    'zookeeper.session.timeout.ms': sessionTimeoutMs,
    'replica.lag.time.max.ms': 2000,
    'min.insync.replicas': 2,
  }, {
    brokerPort: PORT,
    brokerConfig: (id, host) => ({ listeners: `PLAINTEXT://0.0.0.0:${PORT}`, 'advertised.listeners': `PLAINTEXT://${host.address}:${PORT}`, 'broker.rack': `rack-${id}` }),
  })
  const address = (id: number): string => `${network.host(`broker-${id}`).address}:${PORT}`
  const bootstrap = [1, 2, 3].map(address)

  // A client that knows one broker finds the others by the addresses they advertise, with their racks.
  const listing = execFileSync('kcat', ['-L', '-b', address(1), '-m', '10'], { encoding: 'utf8', timeout: 20_000 })
  for (const id of [1, 2, 3]) assert.match(listing, new RegExp(`broker ${id} at ${address(id).replaceAll('.', '\\.')}`), `kcat -L names broker ${id} by its advertised address`)
  const registration = JSON.parse((await cluster.zk.getData('/brokers/ids/2'))?.data.toString() ?? '{}') as { endpoints: string[], rack: string }
  assert.deepEqual([registration.endpoints, registration.rack], [[`PLAINTEXT://${address(2)}`], 'rack-2'], 'registered with the advertised listener, not 0.0.0.0')

  // Each broker leads one partition; every partition has all three replicas.
  await createTopic(address(1), TOPIC, { assignments: [[1, 2, 3], [2, 3, 1], [3, 1, 2]] })
  await waitFor(async () => (await partitionStates(cluster, TOPIC, 3)).every((s, p) => s.leader === p + 1 && s.isr.length === 3), `every ${TOPIC} partition led by its first replica with an ISR of 3`)
  const controllerId = await controllerOf(cluster)
  const victimId = controllerId === 3 ? 2 : 3
  const victimPartition = victimId - 1
  const registered = await cluster.zk.getData(`/brokers/ids/${victimId}`)
  assert.ok(registered !== null)

  const producer = await startAckedProducer(bootstrap, TOPIC, 3, 'multi-host-test')
  // acks=all writes sent straight to the broker that will be cut off, for the partition it leads.
  const direct = await WireConnection.open(address(victimId))
  const directWrites: Array<{ value: string, sentMs: number, errorCode: number }> = []
  let stop = false
  const directLoop = (async () => {
    for (let i = 0; !stop; i++) {
      const value = `direct-${i}`
      const sentMs = Date.now()
      const request = { ...produceRequest(TOPIC, victimPartition, value, -1), timeoutMs: 1500 }
      const answer = await direct.request(ProduceRequest, ProduceResponse, 7, request, 10_000)
      directWrites.push({ value, sentMs, errorCode: answer.responses[0]?.partitionResponses[0]?.errorCode ?? -1 })
      await pause(50) // pacing
    }
  })()
  beforeCleanup(async () => {
    stop = true
    await Promise.allSettled([producer.stop(), directLoop])
    direct.close()
  })
  await waitFor(() => producer.acked.length >= 30 && directWrites.filter(w => w.errorCode === ErrorCode.NONE).length >= 5, '30 acknowledged records and 5 acknowledged direct acks=all writes before the cut', { timeoutMs: 20_000 })

  await network.cut(`broker-${victimId}`, 'zookeeper')
  const cutMs = Date.now()
  await waitFor(async () => !(await cluster.zk.exists(`/brokers/ids/${victimId}`)), 'ZooKeeper to expire the cut-off broker\'s session', { timeoutMs: sessionTimeoutMs + 5000 })
  const expiredMs = Date.now()
  let states = await partitionStates(cluster, TOPIC, 3)
  await waitFor(async () => (states = await partitionStates(cluster, TOPIC, 3)).every(s => s.leader !== victimId && !s.isr.includes(victimId)), `the controller to move broker ${victimId}'s leadership and drop it from every ISR`, { timeoutMs: 10_000, onTimeout: () => JSON.stringify(states) })
  const movedMs = Date.now()
  assert.ok(network.host(`broker-${victimId}`) !== undefined && cluster.broker(victimId).running, 'the cut-off broker kept running, and clients still reach it')
  await waitFor(() => directWrites.filter(w => w.sentMs > movedMs).length >= 5, '5 direct writes sent after the leadership moved', { timeoutMs: 30_000 })
  const afterMove = directWrites.filter(w => w.sentMs > movedMs)
  assert.deepEqual(afterMove.filter(w => w.errorCode === ErrorCode.NONE).map(w => w.value), [], 'no acks=all write to the cut-off broker is acknowledged once its partition moved')
  t.diagnostic(`cut → session expired after ${expiredMs - cutMs} ms, leaderships moved after ${movedMs - cutMs} ms; direct writes after the move answered ${[...new Set(afterMove.map(w => errorName(w.errorCode)))].join(', ')}`)

  await network.heal(`broker-${victimId}`, 'zookeeper')
  const healedMs = Date.now()
  await waitFor(async () => (await cluster.zk.getData(`/brokers/ids/${victimId}`)) !== null, `broker ${victimId} to register again`, { timeoutMs: sessionTimeoutMs + 5000 })
  assert.notEqual((await cluster.zk.getData(`/brokers/ids/${victimId}`))?.ephemeralOwner, registered.ephemeralOwner, 'registered by a new session')
  const conn = await WireConnection.open(address(victimId))
  beforeCleanup(() => conn.close())
  let lastView = ''
  await waitFor(async () => {
    const zkStates = await partitionStates(cluster, TOPIC, 3)
    const view = await metadataView(conn, TOPIC, 3)
    lastView = JSON.stringify({ zookeeper: zkStates, metadata: view })
    return agreesWithZooKeeper(view, zkStates) && zkStates.every(s => s.isr.includes(victimId))
  }, `broker ${victimId} back in every ISR, its Metadata agreeing with ZooKeeper`, { timeoutMs: 20_000, onTimeout: () => lastView })
  t.diagnostic(`heal → back in every ISR after ${Date.now() - healedMs} ms`)

  const ackedAtHeal = producer.acked.length
  await waitFor(() => producer.acked.length >= ackedAtHeal + 20, 'acks=all producing to go on after the heal', { timeoutMs: 20_000 })
  stop = true
  await Promise.all([producer.stop(), directLoop])

  for (let p = 0; p < 3; p++) await waitFor(() => new Set(logDigests(cluster, TOPIC, p)).size === 1, `the three replicas of ${TOPIC}-${p} to hold identical logs`)
  const seen = new Set(readAllWithKcat(address(1), TOPIC).map(r => r.value))
  assert.deepEqual(producer.acked.filter(v => !seen.has(v)), [], `every one of ${producer.acked.length} records acknowledged through the advertised listeners is there`)
  const acknowledgedDirect = directWrites.filter(w => w.errorCode === ErrorCode.NONE)
  assert.deepEqual(acknowledgedDirect.filter(w => !seen.has(w.value)).map(w => w.value), [], `every one of ${acknowledgedDirect.length} direct acks=all writes the cut-off broker acknowledged is there`)
  // What it took alone after its partition moved was truncated when it rejoined (KIP-101): refused, and not there.
  assert.deepEqual(afterMove.filter(w => seen.has(w.value)).map(w => w.value), [], 'no write refused after the move is anywhere')
})
