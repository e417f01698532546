import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '../src/client/admin.js'
import { startCluster } from './support/cluster.js'
import { controllerOf, partitionsInMetadata } from './support/cluster-state.js'
import { waitFor } from './support/wait-for.js'

const sessionTimeoutMs = 6000
/** Issue 17's target is session timeout + 3 s (bench/scale.ts measures it); CI machines are busier. */
const failoverMarginMs = 5000
const topics = 200
const perTopic = 10
const total = topics * perTopic

test('2,000 partitions on 3 brokers (RF=3): kill -9 of a broker moves every partition it led to a survivor within the session timeout and a margin', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'auto.leader.rebalance.enable': false } })
  t.after(cluster.cleanup)
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  t.after(async () => await admin.close())
  for (let i = 0; i < topics; i += 50) {
    const batch = Array.from({ length: 50 }, (_, j) => ({ name: `wide-${i + j}`, numPartitions: perTopic, replicationFactor: 3 }))
    const results = await admin.createTopics(batch, { timeoutMs: 0 })
    assert.deepEqual(results.filter(r => r.errorCode !== 0), [], 'every topic created')
  }
  for (const b of cluster.brokers) {
    await waitFor(async () => {
      const rows = await partitionsInMetadata(b.bootstrap, 'wide-')
      return rows !== undefined && rows.length === total && rows.every(r => r.leader > 0 && r.isr.length === 3)
    }, `${total} partitions led with full ISRs in broker ${b.spec.brokerId}'s Metadata`, { timeoutMs: 90_000, intervalMs: 250 })
  }

  // Not the controller: its failover is the broker-failure path, timed here (controller-election
  // covers the other). The one leading most: on a busy machine a broker may have lost its session
  // while creating logs, and its leaderships with it (auto.leader.rebalance.enable is off).
  const controller = await controllerOf(cluster)
  const before = (await partitionsInMetadata(cluster.brokers[0]!.bootstrap, 'wide-'))!
  const ledBy = (id: number): Set<string> => new Set(before.filter(r => r.leader === id).map(r => `${r.topic}-${r.partition}`))
  const victim = cluster.brokers.filter(b => b.spec.brokerId !== controller).sort((a, b) => ledBy(b.spec.brokerId).size - ledBy(a.spec.brokerId).size)[0]!
  const victimId = victim.spec.brokerId
  const led = ledBy(victimId)
  assert.ok(led.size > 0, `broker ${victimId} leads partitions`)

  const killedAt = Date.now()
  await victim.kill('SIGKILL')
  const survivors = cluster.brokers.filter(b => b !== victim)
  let lastSeen = ''
  await waitFor(async () => {
    for (const b of survivors) {
      const rows = await partitionsInMetadata(b.bootstrap, 'wide-')
      const stuck = rows?.filter(r => led.has(`${r.topic}-${r.partition}`) && (r.leader < 0 || r.leader === victimId))
      lastSeen = `broker ${b.spec.brokerId}: ${stuck === undefined ? 'no answer' : `${stuck.length} partitions still led by ${victimId}`}`
      if (stuck === undefined || stuck.length > 0) return false
    }
    return true
  }, `new leaders for the ${led.size} partitions broker ${victimId} led`, { timeoutMs: 60_000, intervalMs: 100, onTimeout: () => lastSeen })
  const failoverMs = Date.now() - killedAt
  t.diagnostic(`kill -9 of broker ${victimId}: ${led.size} partitions led by survivors after ${failoverMs} ms`)
  assert.ok(failoverMs <= sessionTimeoutMs + failoverMarginMs, `failover took ${failoverMs} ms, more than the session timeout ${sessionTimeoutMs} ms + ${failoverMarginMs} ms`)

  // The survivors agree, and the dead broker left every ISR.
  const after = (await partitionsInMetadata(survivors[0]!.bootstrap, 'wide-'))!
  assert.deepEqual(after.filter(r => r.isr.includes(victimId)).map(r => `${r.topic}-${r.partition}`), [], `broker ${victimId} in no ISR`)
})
