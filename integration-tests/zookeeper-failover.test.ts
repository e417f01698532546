import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

test('three-node ZooKeeper ensemble: kill its leader; brokers stay registered and one controller remains', async t => {
  if (process.env.ZK_CONNECT !== undefined) {
    t.skip('ZK_CONNECT points at an external ensemble whose nodes this test cannot kill')
    return
  }
  const cluster = await startCluster({ brokers: 2, ensemble: 3, config: { 'zookeeper.session.timeout.ms': 15000 } })
  t.after(cluster.cleanup)
  const before = (await cluster.zk.getData('/controller'))?.data.toString()
  assert.ok(before !== undefined, 'a controller before the ZooKeeper failure')

  const leader = await cluster.zookeeper.leaderIndex()
  await cluster.zookeeper.kill(leader)
  await waitFor(async () => {
    try { return (await cluster.zookeeper.leaderIndex()) !== leader } catch { return false }
  }, 'the ZooKeeper ensemble to elect a new leader', { timeoutMs: 20_000 })

  await waitFor(async () => {
    try { return (await cluster.zk.getChildren('/brokers/ids')).length === 2 } catch { return false }
  }, 'both brokers registered after the ZooKeeper leader change', { timeoutMs: 20_000 })
  assert.deepEqual((await cluster.zk.getChildren('/brokers/ids')).sort(), ['1', '2'])
  const after = (await cluster.zk.getData('/controller'))?.data.toString()
  assert.equal(after, before, 'the same controller, never two')
  for (const b of cluster.brokers) assert.ok(b.running, `broker ${b.spec.brokerId} still running`)
  const elected = cluster.brokers.flatMap(b => b.lines.filter(l => l.includes('"message":"elected controller"')))
  assert.equal(elected.length, 1, 'no second election happened')
})
