import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, type Cluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

const sessionTimeoutMs = 6000

async function controllerOf (cluster: Cluster): Promise<{ id: number, epoch: number } | null> {
  const node = await cluster.zk.getData('/controller')
  const epoch = await cluster.zk.getData('/controller_epoch')
  if (node === null || epoch === null) return null
  return { id: (JSON.parse(node.data.toString()) as { brokerid: number }).brokerid, epoch: Number(epoch.data.toString()) }
}

test('three brokers elect exactly one controller; kill -9 it and another takes over with epoch + 1', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs } })
  t.after(cluster.cleanup)
  await waitFor(async () => (await controllerOf(cluster)) !== null, 'a controller to be elected')
  const first = await controllerOf(cluster)
  assert.ok(first !== null)
  assert.ok([1, 2, 3].includes(first.id))
  const electedLines = cluster.brokers.flatMap(b => b.lines.filter(l => l.includes('"message":"elected controller"')))
  assert.equal(electedLines.length, 1, 'exactly one broker believes it is controller')

  const killedAt = Date.now()
  await cluster.broker(first.id).kill('SIGKILL')
  await waitFor(async () => {
    const c = await controllerOf(cluster)
    return c !== null && c.id !== first.id
  }, 'another broker to become controller', { timeoutMs: sessionTimeoutMs + 2000 + 2000 })
  const elapsedMs = Date.now() - killedAt
  const second = await controllerOf(cluster)
  assert.ok(second !== null)
  assert.equal(second.epoch, first.epoch + 1, '/controller_epoch grew by one')
  assert.ok(elapsedMs <= sessionTimeoutMs + 2000, `took over in ${elapsedMs} ms, within session timeout + 2 s`)
})

test('a controller that shuts down cleanly hands over without waiting for a session timeout', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': 30000 } })
  t.after(cluster.cleanup)
  await waitFor(async () => (await controllerOf(cluster)) !== null, 'a controller to be elected')
  const first = await controllerOf(cluster)
  assert.ok(first !== null)
  assert.equal(await cluster.broker(first.id).stop(), 0)
  await waitFor(async () => (await controllerOf(cluster))?.id === (first.id === 1 ? 2 : 1), 'the other broker to become controller', { timeoutMs: 5000 })
})
