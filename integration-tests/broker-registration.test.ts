import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BrokerProcess } from './support/broker.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

test('a started broker registers /brokers/ids/<id> with Kafka\'s JSON, the cluster id and meta.properties', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'broker.rack': 'rack-a' } })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)

  const node = await cluster.zk.getData('/brokers/ids/1')
  assert.ok(node !== null, '/brokers/ids/1 exists')
  assert.notEqual(node.ephemeralOwner, 0n, 'the broker znode is ephemeral')
  const info = JSON.parse(node.data.toString()) as Record<string, unknown>
  assert.equal(info.version, 5)
  assert.equal(info.host, '127.0.0.1')
  assert.equal(info.port, broker.port)
  assert.deepEqual(info.endpoints, [`PLAINTEXT://127.0.0.1:${broker.port}`])
  assert.deepEqual(info.listener_security_protocol_map, { PLAINTEXT: 'PLAINTEXT' })
  assert.equal(info.rack, 'rack-a')
  assert.match(String(info.timestamp), /^\d{13}$/)

  const clusterNode = await cluster.zk.getData('/cluster/id')
  assert.ok(clusterNode !== null)
  const clusterId = (JSON.parse(clusterNode.data.toString()) as { id: string }).id
  assert.match(clusterId, /^[A-Za-z0-9_-]{22}$/)
  const meta = readFileSync(join(broker.dir, 'data', 'meta.properties'), 'utf8')
  assert.match(meta, new RegExp(`^cluster\\.id=${clusterId}$`, 'm'))
  assert.match(meta, /^broker\.id=1$/m)
})

test('broker.id=-1 takes a generated id above reserved.broker.max.id from /brokers/seqid', async t => {
  const cluster = await startCluster({ brokers: 0 })
  t.after(cluster.cleanup)
  const broker = await BrokerProcess.create({ zkConnect: cluster.zkConnect, brokerId: -1 })
  t.after(async () => await broker.cleanup())
  await broker.start()
  const ids = await cluster.zk.getChildren('/brokers/ids')
  assert.deepEqual(ids, ['1001'])
  const meta = readFileSync(join(broker.dir, 'data', 'meta.properties'), 'utf8')
  assert.match(meta, /^broker\.id=1001$/m, 'the generated id is kept in meta.properties for restarts')
})

test('kill -9: the znode goes with the session; restarted, the broker registers again', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  await broker.kill('SIGKILL')
  assert.ok(await cluster.zk.exists('/brokers/ids/1'), 'still there right after kill -9, until the session times out')
  await waitFor(async () => !(await cluster.zk.exists('/brokers/ids/1')), '/brokers/ids/1 to vanish after the session timeout', { timeoutMs: 6000 + 4000 })
  await broker.start()
  assert.ok(await cluster.zk.exists('/brokers/ids/1'), 'registered again after restart')
})

test('SIGTERM deregisters at once and exits 0', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const code = await cluster.broker(1).stop()
  assert.equal(code, 0)
  assert.equal(await cluster.zk.exists('/brokers/ids/1'), false, 'deregistered without waiting for the session timeout')
  assert.equal(await cluster.zk.exists('/controller'), false, 'resigned as controller')
})

test('restarted at once after kill -9, a broker waits for its previous session to expire and registers', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  const before = await cluster.zk.getData('/brokers/ids/1')
  await broker.kill('SIGKILL')
  await broker.start(6000 + 10_000)
  const after = await cluster.zk.getData('/brokers/ids/1')
  assert.ok(before !== null && after !== null)
  assert.notEqual(after.ephemeralOwner, before.ephemeralOwner, 'registered by the new process\'s session')
  assert.ok(broker.lines.some(l => l.includes('previous session')), 'it said what it was waiting for')
})

test('SIGTERM still stops a broker whose ZooKeeper is gone', async t => {
  if (process.env.ZK_CONNECT !== undefined) {
    t.skip('ZK_CONNECT points at an external ensemble this test cannot stop')
    return
  }
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await cluster.zookeeper.kill(0)
  const stoppedAt = Date.now()
  const code = await cluster.broker(1).stop()
  assert.equal(code, 0)
  assert.ok(Date.now() - stoppedAt < 15_000, `exited within the bounded shutdown steps (${Date.now() - stoppedAt} ms)`)
})
