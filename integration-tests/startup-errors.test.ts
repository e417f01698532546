import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BrokerProcess, runServerStart } from './support/broker.js'
import { startCluster } from './support/cluster.js'

test('a second broker with a registered broker.id exits non-zero naming the id, and writes nothing', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const twin = await BrokerProcess.create({ zkConnect: cluster.zkConnect, brokerId: 1 })
  t.after(async () => await twin.cleanup())
  const { code, stderr } = await runServerStart([twin.configFile])
  assert.equal(code, 1)
  assert.match(stderr, /broker\.id 1 is already registered/)
  assert.equal(existsSync(join(twin.dir, 'data')), false, 'no log dir was created')
  assert.ok(await cluster.zk.exists('/brokers/ids/1'), 'the first broker is still registered')
})

test('a log dir that belongs to another cluster is refused by name', async t => {
  const cluster = await startCluster({ brokers: 0 })
  t.after(cluster.cleanup)
  const broker = await BrokerProcess.create({ zkConnect: cluster.zkConnect, brokerId: 7 })
  t.after(async () => await broker.cleanup())
  const dataDir = join(broker.dir, 'data')
  mkdirSync(dataDir)
  const foreign = '#\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nversion=0\nbroker.id=7\n'
  writeFileSync(join(dataDir, 'meta.properties'), foreign)
  const { code, stderr } = await runServerStart([broker.configFile])
  assert.equal(code, 1)
  assert.match(stderr, /belongs to cluster AAAAAAAAAAAAAAAAAAAAAA/)
  assert.equal(await cluster.zk.exists('/brokers/ids/7'), false, 'not registered')
})

test('unknown keys and bad values are all reported by name before anything starts', async t => {
  const broker = await BrokerProcess.create({
    zkConnect: '127.0.0.1:1', // never contacted: validation comes first
    brokerId: 1,
    config: { 'log.segment.byte': 1024, 'min.insync.replicas': 0, 'num.partitions': 'many' },
  })
  t.after(async () => await broker.cleanup())
  const { code, stderr } = await runServerStart([broker.configFile], 10_000)
  assert.equal(code, 1)
  assert.match(stderr, /unknown key "log\.segment\.byte" \(did you mean "log\.segment\.bytes"\?\)/)
  assert.match(stderr, /"min\.insync\.replicas" must be an integer >= 1, got 0/)
  assert.match(stderr, /"num\.partitions" must be an integer >= 1, got "many"/)
  assert.equal(existsSync(join(broker.dir, 'data')), false, 'nothing written')
})

test('a bad --override and a missing config file are named', async () => {
  const bad = await runServerStart(['config/does-not-exist.yaml'], 10_000)
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /does-not-exist\.yaml: cannot read config file/)
  const usage = await runServerStart([], 10_000)
  assert.equal(usage.code, 1)
  assert.match(usage.stderr, /USAGE: kafka-server-start/)
})
