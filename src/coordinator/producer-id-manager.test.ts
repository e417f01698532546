import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ensurePersistentPaths } from '../cluster/broker-registration.js'
import { FakeZooKeeper } from '../cluster/support/fake-zookeeper.js'
import { silentLogger } from '../logger.js'
import { PRODUCER_ID_BLOCK_SIZE, ProducerIdManager } from './producer-id-manager.js'

test('brokers racing for blocks each get their own: no id is handed out twice, and the znode holds Kafka\'s JSON', async () => {
  const server = new FakeZooKeeper()
  await ensurePersistentPaths(server.open())
  const managers = [1, 2, 3].map(id => new ProducerIdManager(id, server.open(), silentLogger()))
  // Concurrent requests on one broker share the block being reserved; the three brokers race.
  const perBroker = await Promise.all(managers.map(async m => await Promise.all(Array.from({ length: PRODUCER_ID_BLOCK_SIZE + 5 }, async () => await m.generateProducerId()))))
  const ids = perBroker.flat()
  assert.equal(new Set(ids).size, ids.length, 'every id once')
  const blocksOf = perBroker.map(list => new Set(list.map(id => Math.floor(id / PRODUCER_ID_BLOCK_SIZE))))
  assert.deepEqual(blocksOf.map(b => b.size), [2, 2, 2], 'a second block once the first is used up')
  assert.deepEqual([...new Set(blocksOf.flatMap(b => [...b]))].sort(), [0, 1, 2, 3, 4, 5], 'blocks follow one another from 0, each to one broker')
  const znode = JSON.parse(server.read('/latest_producer_id_block')!) as Record<string, unknown>
  assert.deepEqual({ ...znode, broker: 0 }, { version: 1, broker: 0, block_start: '5000', block_end: '5999' })
})

test('the first block starts at 0 even without the znode created at start-up', async () => {
  const server = new FakeZooKeeper()
  const manager = new ProducerIdManager(7, server.open(), silentLogger())
  assert.equal(await manager.generateProducerId(), 0)
  assert.equal(await manager.generateProducerId(), 1)
  assert.deepEqual(JSON.parse(server.read('/latest_producer_id_block')!), { version: 1, broker: 7, block_start: '0', block_end: '999' })
})
