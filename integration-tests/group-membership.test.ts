import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { Connection } from '../src/client/connection.js'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { JoinGroupRequest, JoinGroupResponse } from '../src/protocol/messages/join-group.js'
import { LeaveGroupRequest, LeaveGroupResponse } from '../src/protocol/messages/leave-group.js'
import { OffsetCommitRequest, OffsetCommitResponse } from '../src/protocol/messages/offset-commit.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../src/protocol/messages/offset-fetch.js'
import { startCluster } from './support/cluster.js'
import { GroupMember, ownsAll, type GroupClient } from './support/group-member.js'
import { kafkajsClients } from './support/kafkajs-clients.js'
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

// A consumer's commit is refused once its generation is over (its session timed out, or the group
// moved on: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION), as after a coordinator failover. The test's
// members must then carry on as real consumers do, or a failover test stalls with nobody left to commit.
for (const client of ['confluent-kafka', 'kafka-python', 'kafkajs'] as const satisfies readonly GroupClient[]) {
  test(`${client}: a member removed from its group by another client's LeaveGroup keeps consuming: a commit refused meanwhile (UNKNOWN_MEMBER_ID) does not end it; it rejoins and commits the new records`, { skip: client === 'kafkajs' ? false : skip }, async t => {
    const cluster = await startCluster({ brokers: 1, config })
    t.after(cluster.cleanup)
    const { admin, producer } = await kafkajsClients(t, cluster.bootstrap, 'group-refused-commit-test')
    const topic = 'refused'
    const group = `refused-${client}`
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
    const member = GroupMember.start(client, { bootstrap: cluster.bootstrap, group, topic })
    t.after(async () => await member.kill())
    const produce = async (): Promise<void> => { await producer.send({ topic, acks: -1, messages: [0, 1, 2].map(partition => ({ partition, value: 'v' })) }) }
    let last: number[] = []
    const committedUpTo = async (end: number): Promise<boolean> => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
      last = (offsets?.partitions ?? []).sort((a, b) => a.partition - b.partition).map(p => Number(p.offset))
      return last.length === 3 && last.every(o => o === end)
    }
    await waitFor(() => member.assignment.length === 3, 'the member to own the three partitions', { timeoutMs: 20_000, onTimeout: () => member.describe() })
    await produce()
    await waitFor(async () => await committedUpTo(1), 'the first records committed', { timeoutMs: 20_000, onTimeout: () => `${JSON.stringify(last)}\n${member.describe()}` })

    const [described] = (await admin.describeGroups([group])).groups
    const memberId = described?.members[0]?.memberId
    assert.ok(memberId !== undefined, `the member in DescribeGroups: ${JSON.stringify(described)}`)
    const connection = new Connection({ host: '127.0.0.1', port: cluster.brokers[0]!.port }, { clientId: 'group-refused-commit-test', connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
    await connection.connect()
    try {
      const left = await connection.send(LeaveGroupRequest, LeaveGroupResponse, 3, { groupId: group, members: [{ memberId, groupInstanceId: null }] })
      assert.deepEqual([left.errorCode, left.members.map(m => m.errorCode)], [ErrorCode.NONE, [ErrorCode.NONE]], 'the member removed')
    } finally {
      connection.close()
    }
    // Records right away: the member fetches them with its old assignment and commits as a member
    // the group no longer has.
    await produce()
    await waitFor(async () => await committedUpTo(2), 'the new records committed after the member rejoined', { timeoutMs: 30_000, onTimeout: () => `${JSON.stringify(last)}\n${member.describe()}` })
    assert.ok(member.running, `the member still running:\n${member.describe()}`)
    t.diagnostic(`${member.commitFailures.length} commit(s) refused: ${member.commitFailures.join('; ')}`)
  })
}
