import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FakeZkSession, FakeZooKeeper } from '../cluster/support/fake-zookeeper.js'
import { readPartitionState, writePartitionState } from '../cluster/support/znode-fixtures.js'
import { createTopic } from '../cluster/topic-admin.js'
import { isrChangeNotificationZnode, reassignPartitionsZnode, topicZnode } from '../cluster/znodes.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { cluster } from './support/controller-cluster.js'

/** The topic znode's JSON as Kafka 2.4+ stores it. */
function topicJson (server: FakeZooKeeper, topic: string): { partitions: Record<string, number[]>, adding_replicas: Record<string, number[]>, removing_replicas: Record<string, number[]> } {
  return JSON.parse(server.read(topicZnode.path(topic))!)
}

/** What a leader does when a follower caught up: the state with the new ISR, then a notification for the controller. */
async function leaderWritesIsr (admin: FakeZkSession, topic: string, partition: number, isr: number[]): Promise<void> {
  const s = (await readPartitionState(admin, topic, partition))!
  await writePartitionState(admin, topic, partition, { leader: s.leader, leaderEpoch: s.leaderEpoch, isr, controllerEpoch: s.controllerEpoch })
  await admin.create(isrChangeNotificationZnode.path, isrChangeNotificationZnode.encode([{ topic, partition }]), 'persistent_sequential')
}

test('growing RF 1 to 3: the new replicas are added with the leader epoch bumped, and the reassignment completes once both are in the ISR', async () => {
  const { server, admin, activeController } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [1]]]), {})
  await server.settled()
  const results = await activeController()!.controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 3] }])
  assert.deepEqual(results, [{ errorCode: ErrorCode.NONE, errorMessage: null }])
  assert.deepEqual(topicJson(server, 't'), { ...topicJson(server, 't'), partitions: { 0: [1, 2, 3] }, adding_replicas: { 0: [2, 3] }, removing_replicas: {} })
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 1, leaderEpoch: 1, isr: [1], controllerEpoch: 1, version: 1 })
  assert.deepEqual(await activeController()!.controller.listPartitionReassignments(null), [{ topic: 't', partition: 0, replicas: [1, 2, 3], addingReplicas: [2, 3], removingReplicas: [] }])

  await leaderWritesIsr(admin, 't', 0, [1, 2])
  await server.settled()
  assert.deepEqual(topicJson(server, 't').adding_replicas, { 0: [2, 3] }, 'not complete while replica 3 is out of the ISR')

  await leaderWritesIsr(admin, 't', 0, [1, 2, 3])
  await server.settled()
  assert.deepEqual(topicJson(server, 't'), { ...topicJson(server, 't'), partitions: { 0: [1, 2, 3] }, adding_replicas: {}, removing_replicas: {} })
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 1, leaderEpoch: 2, isr: [1, 2, 3], controllerEpoch: 1, version: 4 })
  assert.deepEqual(await activeController()!.controller.listPartitionReassignments(null), [])
})

test('a leader that is leaving hands leadership to the first target replica in the ISR; the removed replicas leave the ISR and the assignment', async () => {
  const { server, admin, activeController } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [1, 2]]]), {})
  await server.settled()
  await activeController()!.controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [3, 2] }])
  assert.deepEqual(topicJson(server, 't').partitions, { 0: [3, 2, 1] }, 'target first, then the original replicas leaving')
  assert.deepEqual(topicJson(server, 't').adding_replicas, { 0: [3] })
  assert.deepEqual(topicJson(server, 't').removing_replicas, { 0: [1] })

  await leaderWritesIsr(admin, 't', 0, [1, 2, 3])
  await server.settled()
  assert.deepEqual(topicJson(server, 't').partitions, { 0: [3, 2] })
  assert.deepEqual(topicJson(server, 't').removing_replicas, {})
  const state = await readPartitionState(admin, 't', 0)
  assert.equal(state?.leader, 3)
  assert.deepEqual(state?.isr, [2, 3])
})

test('shrinking the replication factor completes at once: the target is already in the ISR', async () => {
  const { server, admin, activeController } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [1, 2, 3]]]), {})
  await server.settled()
  await activeController()!.controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [2] }])
  assert.deepEqual(topicJson(server, 't').partitions, { 0: [2] })
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 2, leaderEpoch: 2, isr: [2], controllerEpoch: 1, version: 2 })
})

test('a reassignment survives a controller failover: the new controller resumes it from the topic znode', async () => {
  const { server, admin, kill, activeController } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [2]], [1, [3]]]), {})
  await server.settled()
  const first = activeController()!
  assert.equal(first.id, 1)
  await first.controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [3] }, { topic: 't', partition: 1, replicas: [3, 2] }])
  kill(1)
  await server.settled()
  const next = activeController()!
  assert.deepEqual((await next.controller.listPartitionReassignments(null))?.map(r => r.partition), [0, 1])

  await leaderWritesIsr(admin, 't', 0, [2, 3])
  await leaderWritesIsr(admin, 't', 1, [3, 2])
  await server.settled()
  assert.deepEqual(topicJson(server, 't').partitions, { 0: [3], 1: [3, 2] })
  assert.deepEqual(topicJson(server, 't').adding_replicas, {})
  assert.equal((await readPartitionState(admin, 't', 0))?.leader, 3)
  assert.deepEqual((await readPartitionState(admin, 't', 0))?.isr, [3])
})

test('cancelling reverts to the original replicas: the replica being added leaves the ISR and the assignment', async () => {
  const { server, admin, activeController } = await cluster([1, 2, 3])
  await createTopic(admin, 't', new Map([[0, [1, 2]]]), {})
  await server.settled()
  const controller = activeController()!.controller
  await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [3, 2] }])
  const results = await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: null }])
  assert.deepEqual(results, [{ errorCode: ErrorCode.NONE, errorMessage: null }])
  // The original replicas in the full set's order, as Kafka's ReplicaAssignment.revertReassignment leaves them.
  assert.deepEqual(topicJson(server, 't'), { ...topicJson(server, 't'), partitions: { 0: [2, 1] }, adding_replicas: {}, removing_replicas: {} })
  assert.deepEqual(await readPartitionState(admin, 't', 0), { leader: 1, leaderEpoch: 2, isr: [1, 2], controllerEpoch: 1, version: 2 })

  assert.deepEqual(await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: null }]), [{ errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No reassignment in progress for partition t-0.' }])
})

test('a new target replaces the one in progress: the replica only the old one added is dropped from the ISR and the assignment', async () => {
  const { server, admin, activeController } = await cluster([1, 2, 3, 4])
  await createTopic(admin, 't', new Map([[0, [1, 2]]]), {})
  await server.settled()
  const controller = activeController()!.controller
  await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 3, 4] }])
  await leaderWritesIsr(admin, 't', 0, [1, 2, 3])
  await server.settled()
  await controller.alterPartitionReassignments([{ topic: 't', partition: 0, replicas: [1, 2, 4] }])
  assert.deepEqual(topicJson(server, 't').partitions, { 0: [1, 2, 4] })
  assert.deepEqual(topicJson(server, 't').adding_replicas, { 0: [4] })
  assert.deepEqual((await readPartitionState(admin, 't', 0))?.isr, [1, 2])
})

test('bad targets are refused per partition with Kafka\'s codes, and nothing is written for them', async () => {
  const { server, admin, activeController, brokers } = await cluster([1, 2])
  await createTopic(admin, 't', new Map([[0, [1]]]), {})
  await server.settled()
  const before = server.read(topicZnode.path('t'))
  const results = await activeController()!.controller.alterPartitionReassignments([
    { topic: 'nope', partition: 0, replicas: [1] },
    { topic: 't', partition: 7, replicas: [1] },
    { topic: 't', partition: 0, replicas: [] },
    { topic: 't', partition: 0, replicas: [2, 2] },
    { topic: 't', partition: 0, replicas: [-1] },
    { topic: 't', partition: 0, replicas: [1, 9] },
  ])
  assert.deepEqual(results?.map(r => r.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ...Array(4).fill(ErrorCode.INVALID_REPLICA_ASSIGNMENT)])
  assert.match(results?.[5]?.errorMessage ?? '', /brokers that are not alive. Replica list: List\(9\), live broker list: List\(1, 2\)/)
  assert.equal(server.read(topicZnode.path('t')), before)
  assert.equal(await brokers.get(2)!.controller.alterPartitionReassignments([]), undefined, 'a broker that is not controller does not act on it')
})

test('/admin/reassign_partitions starts reassignments; a completed partition leaves it and the empty znode is deleted', async () => {
  const { server, admin } = await cluster([1, 2])
  await createTopic(admin, 't', new Map([[0, [1]], [1, [1]]]), {})
  await server.settled()
  await admin.create(reassignPartitionsZnode.path, reassignPartitionsZnode.encode([{ topic: 't', partition: 0, replicas: [2] }, { topic: 't', partition: 1, replicas: [1, 2] }, { topic: 'gone', partition: 0, replicas: [1] }]))
  await server.settled()
  assert.deepEqual(topicJson(server, 't').adding_replicas, { 0: [2], 1: [2] })
  assert.deepEqual(reassignPartitionsZnode.decode(Buffer.from(server.read(reassignPartitionsZnode.path)!)).map(p => `${p.topic}-${p.partition}`), ['t-0', 't-1'], 'the refused entry is removed')

  await leaderWritesIsr(admin, 't', 0, [1, 2])
  await server.settled()
  assert.deepEqual(reassignPartitionsZnode.decode(Buffer.from(server.read(reassignPartitionsZnode.path)!)).map(p => `${p.topic}-${p.partition}`), ['t-1'])
  await leaderWritesIsr(admin, 't', 1, [1, 2])
  await server.settled()
  assert.equal(server.read(reassignPartitionsZnode.path), undefined)
  assert.deepEqual(topicJson(server, 't').partitions, { 0: [2], 1: [1, 2] })
})
