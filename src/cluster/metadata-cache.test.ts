import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../logger.js'
import { ensurePersistentPaths } from './broker-registration.js'
import { MetadataCache, type PartitionMetadata } from './metadata-cache.js'
import { FakeZooKeeper, type FakeZkSession } from './support/fake-zookeeper.js'
import { registerTestBroker, writePartitionState } from './support/znode-fixtures.js'
import { createTopic } from './topic-admin.js'
import { entityConfigZnode, partitionStateZnode, topicZnode } from './znodes.js'

/** Brokers 1 and 2, topic t with partition 0 on both, led by 1; the cache on a session of its own. */
async function setup (t: { after: (fn: () => void) => void }, server = new FakeZooKeeper()): Promise<{ server: FakeZooKeeper, admin: FakeZkSession, session: FakeZkSession, brokers: FakeZkSession[], cache: MetadataCache }> {
  const admin = server.open()
  await ensurePersistentPaths(admin)
  const brokers = [server.open(), server.open()]
  await registerTestBroker(brokers[0]!, 1)
  await registerTestBroker(brokers[1]!, 2)
  await createTopic(admin, 't', new Map([[0, [1, 2]]]), {})
  await writePartitionState(admin, 't', 0, { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 })
  const session = server.open()
  const cache = new MetadataCache(session, silentLogger())
  t.after(() => cache.stop())
  await cache.start()
  return { server, admin, session, brokers, cache }
}

test('reads brokers, topics and partition states at start, then follows them through watches', async t => {
  const { server, admin, brokers, cache } = await setup(t)
  assert.deepEqual(cache.brokers().map(b => b.id), [1, 2])
  assert.deepEqual(pick(cache.partition('t', 0)), { leader: 1, leaderEpoch: 0, isr: [1, 2], stateVersion: 0 })
  const seen: PartitionMetadata[] = []
  cache.on('partition', (p: PartitionMetadata) => seen.push({ ...p }))

  await writePartitionState(admin, 't', 0, { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1 })
  await server.settled()
  assert.deepEqual(pick(cache.partition('t', 0)), { leader: 2, leaderEpoch: 1, isr: [2], stateVersion: 1 })
  assert.equal(seen.length, 1, 'one partition event per state change')

  brokers[0]!.close()
  await server.settled()
  assert.deepEqual(cache.brokers().map(b => b.id), [2], 'a broker whose session ended is gone')

  const topicId = cache.topic('t')?.topicId
  const deleted: unknown[][] = []
  cache.on('topicDeleted', (...args: unknown[]) => deleted.push(args))
  await admin.removeRecursive(topicZnode.path('t'))
  await server.settled()
  assert.deepEqual(deleted, [['t', topicId]])
  assert.equal(cache.topic('t'), undefined)
  assert.equal(cache.topicById(topicId!), undefined)
})

test('after a session expiry the cache is not current until the new session has read everything again, and watches again', async t => {
  const { server, admin, session, cache } = await setup(t)
  assert.equal(cache.isCurrent(), true)
  session.expire()
  assert.equal(cache.isCurrent(), false, 'the new session has not read anything yet')
  await server.settled()
  assert.equal(cache.isCurrent(), true, 'reloaded in the new session')

  // The old session's watches died with it: only the reload's watches can see this change.
  await writePartitionState(admin, 't', 0, { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1 })
  await server.settled()
  assert.equal(cache.partition('t', 0)?.leader, 2)
})

test('the cache is not current once the session lease lapses on the clock, until a probe answers', async t => {
  let nowMs = 0
  const { server, session, cache } = await setup(t, new FakeZooKeeper({ now: () => nowMs, sessionTimeoutMs: 6000 }))
  session.disconnect()
  nowMs = 5999
  assert.equal(cache.isCurrent(), true, 'within the session timeout of the last reply')
  nowMs = 6000
  assert.equal(cache.isCurrent(), false, 'ZooKeeper may have expired the session by now')
  await server.settled()
  assert.equal(cache.isCurrent(), false, 'a probe cannot answer while the connection is lost')

  session.reconnect()
  assert.equal(cache.isCurrent(), false, 'the lease is renewed by a reply, not by the connection')
  await server.settled()
  assert.equal(cache.isCurrent(), true, 'the probe sent at 6000 proves the session alive until 12000')
  nowMs = 12_000
  assert.equal(cache.isCurrent(), false)
})

function pick (p: PartitionMetadata | undefined): Pick<PartitionMetadata, 'leader' | 'leaderEpoch' | 'isr' | 'stateVersion'> | undefined {
  return p === undefined ? undefined : { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr, stateVersion: p.stateVersion }
}

/**
 * As the controller writes a new topic's partitions 0 and 1: the partitions znode, then each
 * partition with its state (led by broker 1 and 2) in one multi.
 */
async function writeNewPartitions (server: FakeZooKeeper, admin: FakeZkSession, topic: string): Promise<void> {
  await admin.mkdirp(partitionStateZnode.partitionsPath(topic))
  await server.settled()
  await admin.multi([0, 1].flatMap(p => [
    { op: 'create' as const, path: partitionStateZnode.partitionPath(topic, p), data: Buffer.alloc(0) },
    { op: 'create' as const, path: partitionStateZnode.path(topic, p), data: partitionStateZnode.encode({ leader: p + 1, leaderEpoch: 0, isr: [p + 1], controllerEpoch: 1 }) },
  ]))
  await server.settled()
}

test('partitions of a new topic are learned from the child watch on its partitions znode, when the controller creates each with its state', async t => {
  const { server, admin, cache } = await setup(t)
  await createTopic(admin, 'fresh', new Map([[0, [1]], [1, [2]]]), {})
  await server.settled()
  assert.equal(cache.partition('fresh', 0)?.stateVersion, -1, 'no state written yet')
  await writeNewPartitions(server, admin, 'fresh')
  assert.deepEqual(pick(cache.partition('fresh', 0)), { leader: 1, leaderEpoch: 0, isr: [1], stateVersion: 0 })
  assert.deepEqual(pick(cache.partition('fresh', 1)), { leader: 2, leaderEpoch: 0, isr: [2], stateVersion: 0 })
})

test('a topic deleted and created again, over and over, leaves the cache no more watches than once', async t => {
  const { server, admin, session, cache } = await setup(t)
  const cycle = async (): Promise<void> => {
    await createTopic(admin, 'again', new Map([[0, [1]], [1, [2]]]), {})
    await server.settled()
    await writeNewPartitions(server, admin, 'again')
    assert.equal(cache.partition('again', 1)?.leader, 2)
    // As TopicDeletionManager does: the subtree, children first.
    await admin.removeRecursive(topicZnode.path('again'))
    await admin.removeRecursive(entityConfigZnode.path('topics', 'again'))
    await server.settled()
    assert.equal(cache.topic('again'), undefined)
  }
  await cycle()
  const once = server.watchCount(session.sessionId)
  for (let i = 0; i < 20; i++) await cycle()
  assert.equal(server.watchCount(session.sessionId), once, 'watches pending after 21 cycles, as after one')
})

test('a state read under way when the cache stops reaches no listener', async t => {
  const { server, admin, session, cache } = await setup(t)
  const seen: PartitionMetadata[] = []
  cache.on('partition', (p: PartitionMetadata) => seen.push(p))
  // The cache stops while its read of the new state is answered (a broker shutting down).
  const getData = session.getData.bind(session)
  session.getData = async (...args) => {
    const node = await getData(...args)
    if (args[0] === partitionStateZnode.path('t', 0)) cache.stop()
    return node
  }
  await writePartitionState(admin, 't', 0, { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1 })
  await server.settled()
  assert.equal(cache.partition('t', 0)?.leader, 2, 'the read was answered')
  assert.deepEqual(seen, [], 'and told no one')
})
