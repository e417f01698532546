import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../logger.js'
import { FakeZooKeeper } from './support/fake-zookeeper.js'
import { CHANGE_EXPIRATION_MS, ZkNodeChangeNotificationListener } from './zk-node-change-notification-listener.js'
import { CredentialCache } from './credential-cache.js'
import { ConfigChangeListener } from './config-change-listener.js'
import { configChangeZnode } from './znodes.js'

const log = silentLogger()

test('notifications are handled once each, in order, and deleted once older than 15 minutes (changeExpirationMs), as Kafka\'s ZkNodeChangeNotificationListener does', async () => {
  let now = 1_000_000
  const server = new FakeZooKeeper({ now: () => now })
  const zk = server.open()
  await zk.mkdirp('/changes')
  await zk.create('/changes/change_', Buffer.from('before'), 'persistent_sequential')
  const handled: string[] = []
  let queue = Promise.resolve()
  const schedule = (work: () => Promise<void>): void => { queue = queue.then(work) }
  const listener = new ZkNodeChangeNotificationListener(zk, '/changes', { process: async data => { handled.push(data.toString()) }, schedule, isStopped: () => false, log, now: () => now })
  await listener.catchUp()
  assert.deepEqual(handled, [], 'what was there at start is covered by the owner\'s full read')

  await zk.create('/changes/change_', Buffer.from('one'), 'persistent_sequential')
  await zk.create('/changes/change_', Buffer.from('two'), 'persistent_sequential')
  await server.settled()
  await queue
  assert.deepEqual(handled, ['one', 'two'])
  assert.equal(server.children('/changes').length, 3, 'nothing is 15 minutes old yet')

  now += CHANGE_EXPIRATION_MS // 'before', 'one' and 'two' are now exactly 15 minutes old: kept (Kafka purges only older ones)
  await zk.create('/changes/change_', Buffer.from('three'), 'persistent_sequential')
  await server.settled()
  await queue
  assert.deepEqual(handled, ['one', 'two', 'three'])
  assert.equal(server.children('/changes').length, 4)

  now += 1
  await zk.create('/changes/change_', Buffer.from('four'), 'persistent_sequential')
  await server.settled()
  await queue
  assert.deepEqual(handled, ['one', 'two', 'three', 'four'], 'each handled once')
  assert.deepEqual(server.children('/changes').map(c => server.read(`/changes/${c}`)), ['three', 'four'], 'the three older than 15 minutes are gone, the recent ones stay')
})

test('a reader that is not a broker (purge off) leaves every notification; a broker\'s ConfigChangeListener purges /config/changes at start', async () => {
  // the cache purges by the process's clock, as a broker does; ZooKeeper stamps ctime with this one
  let now = Date.now() - CHANGE_EXPIRATION_MS - 60_000
  const server = new FakeZooKeeper({ now: () => now })
  const zk = server.open()
  await zk.mkdirp(configChangeZnode.rootPath)
  await zk.mkdirp('/config/users')
  await zk.create(configChangeZnode.path, configChangeZnode.encode('topics/t1'), 'persistent_sequential')
  now = Date.now()
  await zk.create(configChangeZnode.path, configChangeZnode.encode('topics/t2'), 'persistent_sequential')
  const reader = new ZkNodeChangeNotificationListener(zk, configChangeZnode.rootPath, { process: async () => {}, schedule: () => {}, isStopped: () => false, purge: false, log })
  await reader.catchUp()
  assert.equal(server.children(configChangeZnode.rootPath).length, 2)
  const listener = await ConfigChangeListener.start(zk, [new CredentialCache(zk, log)], log)
  assert.deepEqual(server.children(configChangeZnode.rootPath).map(c => server.read(`${configChangeZnode.rootPath}/${c}`)), [configChangeZnode.encode('topics/t2').toString()])
  listener.stop()
})
