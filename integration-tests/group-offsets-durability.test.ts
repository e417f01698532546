import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import type { Admin, Producer } from 'kafkajs'
import { partitionForGroup } from '../src/coordinator/offsets-topic.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { groupCoordinatorOf } from './support/cluster-state.js'
import { GroupMember, ownsAll } from './support/group-member.js'
import { kafkajsClients } from './support/kafkajs-clients.js'
import { waitFor } from './support/wait-for.js'

const skip = existsSync('/usr/lib/python3/dist-packages/kafka') && existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
  ? false
  : 'needs python3-kafka and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'

test('committed offsets survive a kill -9 and restart of the only broker (RF=1); a new member resumes from them', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1 } })
  t.after(cluster.cleanup)
  const { admin, producer } = await clients(t, cluster)
  const topic = 'durable'
  const group = 'durable-group'
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
  await produce(producer, topic, 3, 10)

  const first = GroupMember.start('confluent-kafka', { bootstrap: cluster.bootstrap, group, topic })
  t.after(async () => await first.kill())
  await waitForCommitted(admin, group, topic, 3, 10, () => first.describe())
  await first.kill('SIGTERM')
  await admin.setOffsets({ groupId: 'standalone', topic, partitions: [{ partition: 0, offset: '3' }] })

  const broker = cluster.brokers[0]!
  await broker.kill('SIGKILL')
  await broker.start()
  await waitForCommitted(admin, group, topic, 3, 10, () => 'after the restart')
  assert.deepEqual(await committed(admin, 'standalone', topic), [3, -1, -1], 'a standalone commit (generation -1) survives too')

  await produce(producer, topic, 3, 5)
  const second = GroupMember.start('kafka-python', { bootstrap: cluster.bootstrap, group, topic })
  t.after(async () => await second.kill())
  await waitForCommitted(admin, group, topic, 3, 15, () => second.describe())
  assert.ok(second.processed.length > 0 && second.processed.every(r => r.offset >= 10), `the new member starts at the committed offsets: ${JSON.stringify(second.processed)}`)
})

test('kill -9 of the coordinator with RF=3: the new leader of the offsets partition loads it; no commit is lost, members carry on', { skip }, async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 3 } })
  t.after(cluster.cleanup)
  const { admin, producer } = await clients(t, cluster)
  const topic = 'replicated'
  const group = 'replicated-group'
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true })
  const members = [0, 1].map(() => GroupMember.start('confluent-kafka', { bootstrap: cluster.bootstrap, group, topic }))
  t.after(async () => { await Promise.all(members.map(async m => await m.kill())) })
  const describe = (): string => members.map(m => m.describe()).join('\n')
  await waitFor(() => ownsAll(members, 6, [3, 3]), 'two members owning three partitions each', { timeoutMs: 20_000, onTimeout: describe })
  await produce(producer, topic, 6, 10)
  await waitForCommitted(admin, group, topic, 6, 10, describe)

  const coordinatorId = await groupCoordinatorOf(cluster, group)
  const offsetsPartition = await partitionState(cluster, '__consumer_offsets', partitionForGroup(group, 5))
  assert.equal(offsetsPartition.leader, coordinatorId, 'the coordinator is the leader of abs(hash(group)) % 5')
  assert.equal(offsetsPartition.isr.length, 3, 'the offsets partition is fully replicated before the kill')
  await cluster.broker(coordinatorId).kill('SIGKILL')

  await waitFor(async () => { try { return (await groupCoordinatorOf(cluster, group)) !== coordinatorId } catch { return false } }, 'a new coordinator', { timeoutMs: 15_000 })
  assert.deepEqual(await committed(admin, group, topic), Array(6).fill(10), 'the new coordinator has every commit')
  await produce(producer, topic, 6, 10)
  // The members' sessions time out while the coordinator is gone: they rejoin under new member ids,
  // and the new coordinator waits for the old ids' sessions to end before the rebalance completes.
  // A commit caught by that (UNKNOWN_MEMBER_ID) is refused; the member carries on, as consumers do.
  await waitForCommitted(admin, group, topic, 6, 20, describe, 45_000)
  assert.ok(members.every(m => m.running), `both members still running:\n${describe()}`)
  for (let p = 0; p < 6; p++) {
    const seen = new Set(members.flatMap(m => m.processed.filter(r => r.partition === p).map(r => r.offset)))
    assert.deepEqual(Array.from({ length: 20 }, (_, i) => i).filter(o => !seen.has(o)), [], `every record of ${topic}-${p} processed`)
  }
})

async function clients (t: { after: (fn: () => Promise<void>) => void }, cluster: Cluster): Promise<{ admin: Admin, producer: Producer }> {
  return await kafkajsClients(t, cluster.bootstrap, 'group-durability-test', { retry: { retries: 20, initialRetryTime: 200 } })
}

async function produce (producer: Producer, topic: string, partitions: number, perPartition: number): Promise<void> {
  await producer.send({ topic, acks: -1, messages: Array.from({ length: partitions * perPartition }, (_, i) => ({ partition: i % partitions, value: `v${i}` })) })
}

/** Committed offset per partition (-1: none). */
async function committed (admin: Admin, group: string, topic: string): Promise<number[]> {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  return (t?.partitions ?? []).sort((a, b) => a.partition - b.partition).map(p => Number(p.offset))
}

async function waitForCommitted (admin: Admin, group: string, topic: string, partitions: number, end: number, describe: () => string, timeoutMs = 20_000): Promise<void> {
  let last: number[] | string = []
  await waitFor(async () => {
    try {
      last = await committed(admin, group, topic)
    } catch (err) {
      last = (err as Error).message
      return false // the coordinator may be loading or moving
    }
    return last.length === partitions && last.every(o => o === end)
  }, `committed offsets of ${group} to reach ${end}`, { timeoutMs, onTimeout: () => `${JSON.stringify(last)}\n${describe()}` })
}

async function partitionState (cluster: Cluster, topic: string, partition: number): Promise<{ leader: number, isr: number[] }> {
  const node = await cluster.zk.getData(`/brokers/topics/${topic}/partitions/${partition}/state`)
  assert.ok(node !== null, `state of ${topic}-${partition}`)
  return JSON.parse(node.data.toString()) as { leader: number, isr: number[] }
}
