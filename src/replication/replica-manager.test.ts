import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toKafkaConfig } from '../config/kafka-config.js'
import { silentLogger } from '../logger.js'
import { ensurePersistentPaths } from '../cluster/broker-registration.js'
import { MetadataCache } from '../cluster/metadata-cache.js'
import { FakeZooKeeper, type FakeZkSession } from '../cluster/support/fake-zookeeper.js'
import { readPartitionState, registerTestBroker, writePartitionState } from '../cluster/support/znode-fixtures.js'
import { createTopic, readAssignment, writeEntityConfig } from '../cluster/topic-admin.js'
import { isrChangeNotificationZnode, topicZnode, type PartitionState } from '../cluster/znodes.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { defaultLogConfig } from '../storage/log-config.js'
import { LogManager } from '../storage/log-manager.js'
import { buildTestBatch } from '../storage/support/sample-batch.js'
import { ManualScheduler } from '../support/manual-scheduler.js'
import type { Partition } from './partition.js'
import { ReplicaManager } from './replica-manager.js'

const LAG_TIME_MAX_MS = 10_000

interface Setup { server: FakeZooKeeper, controller: FakeZkSession, followers: Map<number, FakeZkSession>, scheduler: ManualScheduler, logManager: LogManager, replicas: ReplicaManager, partition: () => Partition }

/**
 * Broker 1's ReplicaManager on its own metadata cache and log dir; topic t, partition 0 on brokers
 * 1, 2 and 3 in `initial` state. The `controller` session writes what the controller would;
 * brokers 2 and 3 are registered from sessions of their own (`followers`).
 */
async function setup (t: { after: (fn: () => void) => void }, initial: PartitionState): Promise<Setup> {
  const server = new FakeZooKeeper()
  const controller = server.open()
  await ensurePersistentPaths(controller)
  await createTopic(controller, 't', new Map([[0, [1, 2, 3]]]), {})
  await writePartitionState(controller, 't', 0, initial)
  const followers = new Map([2, 3].map(id => [id, server.open()]))
  for (const [id, session] of followers) await registerTestBroker(session, id)

  const logDir = mkdtempSync(join(tmpdir(), 'replica-manager-'))
  const { config } = toKafkaConfig({ 'broker.id': 1, 'zookeeper.connect': 'fake-zookeeper:2181', 'log.dirs': logDir, 'replica.lag.time.max.ms': LAG_TIME_MAX_MS })
  assert.ok(config !== undefined)
  const session = server.open()
  const metadata = new MetadataCache(session, silentLogger())
  await metadata.start()
  const logManager = LogManager.open({ logDirs: [logDir], logConfig: () => defaultLogConfig, logger: silentLogger() })
  const scheduler = new ManualScheduler()
  const replicas = new ReplicaManager(1, logManager, metadata, session, config, silentLogger(), scheduler)
  replicas.start()
  t.after(async () => {
    replicas.stop()
    metadata.stop()
    await logManager.shutdown()
    rmSync(logDir, { recursive: true, force: true })
  })
  const partition = (): Partition => {
    const p = replicas.partition('t', 0)
    assert.ok(p !== undefined, 'broker 1 hosts t-0')
    return p
  }
  return { server, controller, followers, scheduler, logManager, replicas, partition }
}

test('the replica becomes leader or follower as the controller writes the partition state', async t => {
  const { server, controller, partition } = await setup(t, { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 })
  assert.equal(partition().isLeader, true)
  assert.equal(partition().appendRecordsAsLeader(buildTestBatch({ recordCount: 3 }), 1).errorCode, ErrorCode.NONE)

  await writePartitionState(controller, 't', 0, { leader: 2, leaderEpoch: 1, isr: [2, 3], controllerEpoch: 1 })
  await server.settled()
  assert.equal(partition().isLeader, false)
  assert.equal(partition().leaderId, 2)
  assert.equal(partition().appendRecordsAsLeader(buildTestBatch(), 1).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER)

  await writePartitionState(controller, 't', 0, { leader: 1, leaderEpoch: 2, isr: [1, 2, 3], controllerEpoch: 1 })
  await server.settled()
  assert.equal(partition().isLeader, true)
  assert.deepEqual(partition().log.leaderEpochCache.epochEntries.at(-1), { epoch: 2, startOffset: 3 }, 'KIP-101: the new epoch starts at the log end')
})

test('the high watermark is the smallest log end offset over the ISR; a follower that lags past replica.lag.time.max.ms leaves the ISR, and rejoins once caught up and registered', async t => {
  const { server, controller, followers, scheduler, replicas, partition } = await setup(t, { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 })
  const p = partition()
  p.appendRecordsAsLeader(buildTestBatch({ recordCount: 5 }), 1)
  replicas.followerFetched(p, 2, 3)
  replicas.followerFetched(p, 3, 4)
  assert.equal(p.log.highWatermark, 3)
  replicas.followerFetched(p, 2, 5)
  assert.equal(p.log.highWatermark, 4, 'follower 3 holds it back')

  // Follower 3 stops fetching; follower 2 keeps up.
  scheduler.advance(LAG_TIME_MAX_MS)
  replicas.followerFetched(p, 2, 5)
  await server.settled()
  assert.deepEqual((await readPartitionState(controller, 't', 0))?.isr, [1, 2, 3], 'not before replica.lag.time.max.ms has passed')
  scheduler.advance(LAG_TIME_MAX_MS / 2)
  await server.settled()
  assert.deepEqual(await readPartitionState(controller, 't', 0), { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1, version: 1 })
  assert.equal(server.children(isrChangeNotificationZnode.rootPath).length, 1, 'the controller is told')
  assert.deepEqual(p.isr, [1, 2])
  assert.equal(p.log.highWatermark, 5, 'the shrunk ISR lets the high watermark advance')
  assert.equal(replicas.stats.isrShrinks, 1)

  // Broker 3's session expired, yet it still fetches (a process paused past the session timeout).
  followers.get(3)?.expire()
  await server.settled()
  replicas.followerFetched(p, 3, 5)
  await server.settled()
  assert.deepEqual(p.isr, [1, 2], 'caught up, but not registered: KIP-841 keeps it out')
  assert.equal(replicas.stats.isrExpands, 0)

  await registerTestBroker(server.open(), 3)
  await server.settled()
  replicas.followerFetched(p, 3, 5)
  await server.settled()
  assert.deepEqual((await readPartitionState(controller, 't', 0))?.isr, [1, 2, 3])
  assert.equal(replicas.stats.isrExpands, 1)
})

test('the logs of a deleted topic are deleted', async t => {
  const { server, controller, logManager, replicas } = await setup(t, { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 })
  assert.notEqual(logManager.getLog('t', 0), undefined)
  await controller.removeRecursive(topicZnode.path('t'))
  await server.settled()
  assert.equal(replicas.partition('t', 0), undefined)
  assert.equal(logManager.getLog('t', 0), undefined)
})

test('reassigned: a broker the topic znode no longer lists stops following and deletes its log; listed again, it follows from scratch', async t => {
  const { server, controller, logManager, replicas } = await setup(t, { leader: 2, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 })
  assert.equal(replicas.partition('t', 0)?.isLeader, false)
  // Only the topic znode changes (the controller's last step of a reassignment): the metadata cache
  // tells the replica manager anyway, since who hosts the partition changed.
  const { topicId } = (await readAssignment(controller, 't'))!.assignment
  await controller.setData(topicZnode.path('t'), topicZnode.encode({ topicId, partitions: new Map([[0, [2, 3]]]) }))
  await server.settled()
  assert.equal(replicas.partition('t', 0), undefined)
  assert.equal(logManager.getLog('t', 0), undefined)

  await controller.setData(topicZnode.path('t'), topicZnode.encode({ topicId, partitions: new Map([[0, [2, 3, 1]]]), addingReplicas: new Map([[0, [1]]]) }))
  await server.settled()
  assert.equal(replicas.partition('t', 0)?.leaderId, 2, 'a new replica starts following the leader')
  assert.notEqual(logManager.getLog('t', 0), undefined)
})

test('throttled replicas follow the topic\'s throttle configs naming this broker; the rates follow the dynamic broker config', async t => {
  const { server, controller, replicas } = await setup(t, { leader: 2, leaderEpoch: 0, isr: [2, 3], controllerEpoch: 1 })
  await writeEntityConfig(controller, 'topics', 't', { 'leader.replication.throttled.replicas': '0:2', 'follower.replication.throttled.replicas': '0:1,1:1,0:3' })
  await server.settled()
  assert.deepEqual([replicas.leaderQuota.isThrottled('t', 0), replicas.followerQuota.isThrottled('t', 0), replicas.followerQuota.isThrottled('t', 1)], [false, true, true])
  await writeEntityConfig(controller, 'topics', 't', {})
  await server.settled()
  assert.equal(replicas.followerQuota.isThrottled('t', 0), false)
  const { config } = toKafkaConfig({ 'broker.id': 1, 'zookeeper.connect': 'fake-zookeeper:2181', 'log.dirs': '/unused' }, { dynamicBroker: { 'follower.replication.throttled.rate': '1000' }, dynamicDefault: {} })
  assert.ok(config !== undefined)
  replicas.reconfigure(config)
  assert.equal(replicas.followerQuota.bound, 1000)
})
