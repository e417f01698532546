import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

const sessionTimeoutMs = 4000

test('a controller whose ZooKeeper session expires resigns first, then re-registers with a new session', async t => {
  const cluster = await startCluster({ brokers: 2, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs } })
  t.after(cluster.cleanup)
  await waitFor(async () => await cluster.zk.exists('/controller'), 'a controller')
  const controllerId = (JSON.parse((await cluster.zk.getData('/controller'))?.data.toString() ?? '{}') as { brokerid: number }).brokerid
  const paused = cluster.broker(controllerId)
  const other = cluster.broker(controllerId === 1 ? 2 : 1)
  const before = await cluster.zk.getData(`/brokers/ids/${controllerId}`)
  assert.ok(before !== null)

  // A frozen process sends no heartbeats: ZooKeeper expires its session while it cannot react.
  paused.child?.kill('SIGSTOP')
  t.after(() => { paused.child?.kill('SIGCONT') })
  await waitFor(async () => !(await cluster.zk.exists(`/brokers/ids/${controllerId}`)), 'the frozen broker\'s znode to expire', { timeoutMs: sessionTimeoutMs + 5000 })
  await waitFor(async () => (JSON.parse((await cluster.zk.getData('/controller'))?.data.toString() ?? '{}') as { brokerid?: number }).brokerid === other.spec.brokerId, 'the other broker to become controller', { timeoutMs: 5000 })
  paused.child?.kill('SIGCONT')

  await waitFor(async () => await cluster.zk.exists(`/brokers/ids/${controllerId}`), 'the broker to re-register after its session expired', { timeoutMs: 10_000 })
  const after = await cluster.zk.getData(`/brokers/ids/${controllerId}`)
  assert.ok(after !== null)
  assert.notEqual(after.ephemeralOwner, before.ephemeralOwner, 'registered by a new session')
  await waitFor(() => paused.lines.some(l => l.includes('"message":"resigned as controller"')), 'the expired controller to log its resignation')
  const resignedAt = paused.lines.findIndex(l => l.includes('"message":"resigned as controller"'))
  const reregisteredAt = paused.lines.findLastIndex(l => l.includes('"message":"registered broker"'))
  assert.ok(resignedAt < reregisteredAt, 'resigned before registering again')
  assert.equal((JSON.parse((await cluster.zk.getData('/controller'))?.data.toString() ?? '{}') as { brokerid: number }).brokerid, other.spec.brokerId, 'still exactly one controller: the other broker')
  assert.ok(paused.running, 'the broker kept running through the expiry')
})
