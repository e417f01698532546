import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../logger.js'
import { ensurePersistentPaths } from '../cluster/broker-registration.js'
import { FakeZooKeeper } from '../cluster/support/fake-zookeeper.js'
import { isrChangeNotificationZnode } from '../cluster/znodes.js'
import { IsrChangePropagator } from './isr-writer.js'

test('ISR changes of one turn reach the controller many to a notification, each notification under 8 KiB, every partition once', async t => {
  const server = new FakeZooKeeper()
  const zk = server.open()
  await ensurePersistentPaths(zk)
  const propagator = new IsrChangePropagator(zk, silentLogger())
  t.after(() => propagator.stop())
  const topic = (i: number): string => `a-topic-with-a-long-name-of-some-sixty-characters-${String(i).padStart(6, '0')}`
  for (let i = 0; i < 1000; i++) propagator.record(topic(i), 0)
  propagator.record(topic(0), 0) // again in the same turn: once
  await new Promise(resolve => setImmediate(resolve))
  await server.settled()

  const root = isrChangeNotificationZnode.rootPath
  const names = server.children(root)
  const sizes = names.map(n => Buffer.byteLength(server.read(`${root}/${n}`)!))
  assert.ok(names.length > 1 && names.length < 20, `1,000 partitions in ${names.length} notifications`)
  assert.ok(sizes.every(s => s <= 8 * 1024 + 64), `sizes ${sizes.join(', ')}`)
  const told = names.flatMap(n => isrChangeNotificationZnode.decode(Buffer.from(server.read(`${root}/${n}`)!)))
  assert.equal(told.length, 1000)
  assert.deepEqual(new Set(told.map(p => p.topic)), new Set(Array.from({ length: 1000 }, (_, i) => topic(i))))

  propagator.stop()
  propagator.record(topic(1), 0)
  await new Promise(resolve => setImmediate(resolve))
  await server.settled()
  assert.equal(server.children(root).length, names.length, 'nothing written once stopped')
})
