import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTopic } from './support/admin.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { controllerOf } from './support/cluster-state.js'
import { waitFor } from './support/wait-for.js'
import { startZooKeeper } from './support/zookeeper.js'

// Long enough that creating a few hundred logs on a loaded two-core machine does not expire a session.
const sessionTimeoutMs = 10_000
// ZooKeeper refuses a request larger than jute.maxbuffer (1 MB by default) and drops the connection.
// At 32 KiB, a hundred or so partition states in one request are enough to cross it, as ~3,300 are at 1 MB.
const JUTE_MAX_BUFFER = 32 * 1024
const PARTITIONS = 300
// A long name makes every state znode's path long: each partition's write weighs ~400 bytes.
const TOPIC = `wide-${'p'.repeat(240)}`

async function leaders (cluster: Cluster): Promise<number[]> {
  return await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => {
    const node = await cluster.zk.getData(`/brokers/topics/${TOPIC}/partitions/${p}/state`)
    return node === null ? -1 : (JSON.parse(node.data.toString()) as { leader: number }).leader
  }))
}

test(`every controller write stays under ZooKeeper's packet limit: ${PARTITIONS} partitions created, and re-elected after a kill -9, with jute.maxbuffer at ${JUTE_MAX_BUFFER} bytes`, async t => {
  const zookeeper = await startZooKeeper({ systemProperties: { 'jute.maxbuffer': String(JUTE_MAX_BUFFER) } })
  t.after(async () => await zookeeper.stop())
  const cluster = await startCluster({ brokers: 3, zookeeper, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs } })
  t.after(cluster.cleanup)

  const createdAt = Date.now()
  await createTopic(cluster.bootstrap, TOPIC, { partitions: PARTITIONS, replicationFactor: 2 })
  await waitFor(async () => (await leaders(cluster)).every(l => l > 0), `all ${PARTITIONS} partitions to have a leader in ZooKeeper`, { timeoutMs: 30_000 })
  const createMs = Date.now() - createdAt

  const controller = await controllerOf(cluster)
  const counts = new Map<number, number>()
  for (const l of await leaders(cluster)) counts.set(l, (counts.get(l) ?? 0) + 1)
  // The busiest broker other than the controller: its partitions all move in one controller event.
  const victimId = [...counts].filter(([id]) => id !== controller).sort((a, b) => b[1] - a[1])[0]![0]
  const moved = counts.get(victimId) ?? 0
  assert.ok(moved * 350 > JUTE_MAX_BUFFER, `broker ${victimId} leads enough partitions (${moved}) that one multi for them would exceed the limit`)

  await cluster.broker(victimId).kill('SIGKILL')
  const killedAt = Date.now()
  let last: number[] = []
  await waitFor(async () => (last = await leaders(cluster)).every(l => l > 0 && l !== victimId), `every partition broker ${victimId} led to have a new leader`, {
    timeoutMs: sessionTimeoutMs + 15_000,
    onTimeout: () => `${last.filter(l => l === victimId || l <= 0).length} partitions still led by ${victimId} or leaderless`,
  })
  const failoverMs = Date.now() - killedAt

  const failures = cluster.brokers.flatMap(b => b.lines.filter(l => l.includes('"message":"controller event failed"') || l.includes('controller event lost its zookeeper connection')))
  assert.deepEqual(failures, [], 'no controller event failed or lost its connection')
  t.diagnostic(`created ${PARTITIONS} partitions (RF=2) in ${createMs} ms; ${moved} leaderships moved ${failoverMs} ms after the kill -9 (session timeout ${sessionTimeoutMs} ms)`)
})
