import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { Connection } from '../src/client/connection.js'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { JoinGroupRequest, JoinGroupResponse } from '../src/protocol/messages/join-group.js'
import { OffsetCommitRequest, OffsetCommitResponse } from '../src/protocol/messages/offset-commit.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../src/protocol/messages/offset-fetch.js'
import { startCluster } from './support/cluster.js'
import { GroupMember, ownsAll } from './support/group-member.js'
import { waitFor } from './support/wait-for.js'

const skip = existsSync('/usr/lib/python3/dist-packages/kafka') && existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
  ? false
  : 'needs python3-kafka and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'
const config = { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1 }

test('mixed clients in one range group: kafka-python, confluent-kafka and KafkaJS each own two partitions; admin APIs see the group', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1, config })
  t.after(cluster.cleanup)
  const kafka = new Kafka({ clientId: 'group-membership-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  const topic = 'mixed'
  const group = 'mixed-group'
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true })
  const members = (['kafka-python', 'confluent-kafka', 'kafkajs'] as const).map(client => GroupMember.start(client, { bootstrap: cluster.bootstrap, group, topic }))
  t.after(async () => { await Promise.all(members.map(async m => await m.kill())) })
  const describe = (): string => members.map(m => m.describe()).join('\n')
  await waitFor(() => ownsAll(members, 6, [2, 2, 2]), `three different clients owning two partitions each:\n${describe()}`, { timeoutMs: 20_000 })

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ partition: i % 6, value: `m${i}` })) })
  await waitFor(() => members.every(m => m.processed.length === 20), `each client processing its 20 records:\n${describe()}`)

  const { groups: [described] } = await admin.describeGroups([group])
  assert.equal(described?.state, 'Stable')
  assert.equal(described?.protocol, 'range')
  assert.equal(described?.protocolType, 'consumer')
  assert.equal(described?.members.length, 3)
  assert.ok(described?.members.every(m => m.memberAssignment.length > 0 && m.clientHost === '/127.0.0.1'), 'Stable: assignments are shown')
  assert.ok((await admin.listGroups()).groups.some(g => g.groupId === group && g.protocolType === 'consumer'))

  // A member offering only KafkaJS's RoundRobinAssigner cannot join a range group (KafkaJS's RoundRobinAssigner is its only built-in).
  const connection = new Connection({ host: '127.0.0.1', port: cluster.brokers[0]!.port }, { clientId: 'raw', connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
  await connection.connect()
  t.after(() => connection.close())
  const refused = await connection.send(JoinGroupRequest, JoinGroupResponse, 5, {
    groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }],
  })
  assert.equal(refused.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  const tooShort = await connection.send(JoinGroupRequest, JoinGroupResponse, 5, {
    groupId: group, sessionTimeoutMs: 1000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  })
  assert.equal(tooShort.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, 'below group.min.session.timeout.ms')

  await assert.rejects(admin.deleteGroups([group]), (err: { groups?: Array<{ error?: { type?: string } }> }) => err.groups?.[0]?.error?.type === 'NON_EMPTY_GROUP')
  await Promise.all(members.map(async m => await m.kill('SIGTERM')))
  await waitFor(async () => (await admin.describeGroups([group])).groups[0]?.state === 'Empty', 'the group to be Empty after every member left')
  await admin.deleteGroups([group])
  const [afterDelete] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  assert.ok(afterDelete?.partitions.every(p => p.offset === '-1'), `a deleted group has no offsets: ${JSON.stringify(afterDelete)}`)

  // OffsetCommit/OffsetFetch v0 keep offsets in ZooKeeper, as Kafka 0.8.1 did.
  const commit = await connection.send(OffsetCommitRequest, OffsetCommitResponse, 0, {
    groupId: 'zk-group', memberId: '', topics: [{ name: topic, partitions: [{ partitionIndex: 4, committedOffset: 17, committedMetadata: '' }] }],
  })
  assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE)
  assert.equal((await cluster.zk.getData(`/consumers/zk-group/offsets/${topic}/4`))?.data.toString(), '17')
  const fetched = await connection.send(OffsetFetchRequest, OffsetFetchResponse, 0, { groupId: 'zk-group', topics: [{ name: topic, partitionIndexes: [4, 5] }] })
  assert.deepEqual(fetched.topics[0]?.partitions.map(p => p.committedOffset), [17, -1])
})

test('static membership (group.instance.id): a member killed and restarted within its session gets its partitions back without a rebalance', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1, config })
  t.after(cluster.cleanup)
  const kafka = new Kafka({ clientId: 'group-static-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  const topic = 'static'
  const group = 'static-group'
  await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true })
  const options = { bootstrap: cluster.bootstrap, group, topic, sessionTimeoutMs: 15_000 }
  const a = GroupMember.start('confluent-kafka', { ...options, instanceId: 'static-a' })
  const b = GroupMember.start('confluent-kafka', { ...options, instanceId: 'static-b' })
  let restarted: GroupMember | undefined
  t.after(async () => { await Promise.all([a, b, restarted].map(async m => await m?.kill())) })
  await waitFor(() => ownsAll([a, b], 4, [2, 2]), `two static members owning two partitions each:\n${a.describe()}\n${b.describe()}`, { timeoutMs: 20_000 })
  await waitFor(async () => (await admin.describeGroups([group])).groups[0]?.state === 'Stable', 'the group to be Stable')
  const before = a.assignment
  const rebalancesOfB = b.assignments

  await a.kill('SIGKILL')
  restarted = GroupMember.start('confluent-kafka', { ...options, instanceId: 'static-a' })
  await waitFor(() => restarted!.assignment.length > 0, `the restarted static member to get an assignment:\n${restarted.describe()}`, { timeoutMs: 10_000 })
  assert.deepEqual(restarted.assignment, before, 'the same partitions as before the kill')
  const { groups: [described] } = await admin.describeGroups([group])
  assert.equal(described?.state, 'Stable')
  assert.equal(described?.members.length, 2)
  assert.equal(b.assignments, rebalancesOfB, 'the other member saw no rebalance')
})
