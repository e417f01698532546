import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readPartitionState, writePartitionState } from '../cluster/support/znode-fixtures.js'
import { createTopic, requestTopicDeletion } from '../cluster/topic-admin.js'
import { controllerZnode, deleteTopicZnode, entityConfigZnode, isrChangeNotificationZnode, topicZnode } from '../cluster/znodes.js'
import { cluster } from './support/controller-cluster.js'

test('the first broker to start is elected controller; on its session\'s end another takes over with the next epoch', async () => {
  const { server, brokers, kill, activeController } = await cluster([1, 2])
  assert.equal(activeController()?.id, 1)
  assert.equal(brokers.get(1)!.controller.controllerEpoch, 1)
  assert.equal(await brokers.get(2)!.controller.controlledShutdown(1), undefined, 'a broker that is not controller does not act on requests')

  brokers.get(1)!.session.expire()
  assert.equal(activeController(), undefined, 'the controller resigns as soon as its session expires')
  await server.settled()
  const next = activeController()
  assert.notEqual(next, undefined, 'someone was elected in the new sessions')
  assert.equal(next?.controller.controllerEpoch, 2)
  assert.equal(controllerZnode.decode(Buffer.from(server.read(controllerZnode.path)!)), next?.id)

  kill(next!.id)
  await server.settled()
  assert.equal(activeController()?.controller.controllerEpoch, 3)
})

test('BrokerChange: the dead broker\'s partitions get leaders from their ISRs, and it leaves the ISRs of the others', async () => {
  const { server, admin, kill } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [2, 3]], [1, [3, 2]], [2, [1, 2, 3]]]), {})
  await server.settled()
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 2, leaderEpoch: 0, isr: [2, 3], controllerEpoch: 1, version: 0 })

  kill(2)
  await server.settled()
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 3, leaderEpoch: 1, isr: [3], controllerEpoch: 1, version: 1 })
  assert.deepEqual(await readPartitionState(admin, 't', 1), { leader: 3, leaderEpoch: 1, isr: [3], controllerEpoch: 1, version: 1 })
  assert.deepEqual(await readPartitionState(admin, 't', 2), { leader: 1, leaderEpoch: 1, isr: [1, 3], controllerEpoch: 1, version: 1 })
})

test('IsrChangeNotification: the controller takes the ISR a leader wrote and deletes the notification', async () => {
  const { server, admin, kill } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [2, 1, 3]]]), {})
  await server.settled()
  // Leader 2 drops follower 3, as writeIsr does: the state, then a notification.
  await writePartitionState(admin, 't', 0, { leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 1 })
  await admin.create(isrChangeNotificationZnode.path, isrChangeNotificationZnode.encode([{ topic: 't', partition: 0 }]), 'persistent_sequential')
  await server.settled()
  assert.deepEqual(server.children(isrChangeNotificationZnode.rootPath), [])

  kill(2)
  await server.settled()
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 1, leaderEpoch: 1, isr: [1], controllerEpoch: 1, version: 2 }, 'broker 3, out of the ISR, is not elected')
})

test('a topic deletion request removes the topic\'s znodes, then the request', async () => {
  const { server, admin } = await cluster([1])
  await createTopic(admin, 't', new Map([[0, [1]]]), { 'retention.ms': '1000' })
  await server.settled()
  await requestTopicDeletion(admin, 't')
  await server.settled()
  assert.equal(server.read(topicZnode.path('t')), undefined)
  assert.equal(server.read(entityConfigZnode.path('topics', 't')), undefined)
  assert.deepEqual(server.children(deleteTopicZnode.rootPath), [])
})

test('a topic\'s config and deletion request are gone by the time its assignment is seen gone, so it can be created again at once', async () => {
  const { server, admin, brokers } = await cluster([1])
  await createTopic(admin, 't', new Map([[0, [1]]]), { 'retention.ms': '1000' })
  await server.settled()
  // Over a network, other sessions' watches may fire between two of the controller's requests.
  const session = brokers.get(1)!.session
  const remove = session.remove.bind(session)
  session.remove = async (...args) => {
    await new Promise(resolve => setImmediate(resolve))
    await remove(...args)
  }
  // what a broker's metadata cache watches, before it answers DeleteTopics
  let seen: (value: { config: boolean, request: boolean }) => void
  const seenGone = new Promise<{ config: boolean, request: boolean }>(resolve => { seen = resolve })
  await admin.exists(topicZnode.path('t'), () => seen({ config: server.read(entityConfigZnode.path('topics', 't')) !== undefined, request: server.children(deleteTopicZnode.rootPath).length > 0 }))
  await requestTopicDeletion(admin, 't')
  assert.deepEqual(await seenGone, { config: false, request: false })
  await server.settled()
  await createTopic(admin, 't', new Map([[0, [1]]]), {})
})
