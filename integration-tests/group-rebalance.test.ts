import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs'
import { startCluster } from './support/cluster.js'
import { GroupMember, ownsAll, type GroupClient } from './support/group-member.js'
import { waitFor } from './support/wait-for.js'

const PARTITIONS = 6
const SESSION_TIMEOUT_MS = 6000
const skipPython = existsSync('/usr/lib/python3/dist-packages/kafka') && existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
  ? false
  : 'needs python3-kafka and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'

for (const client of ['kafka-python', 'confluent-kafka', 'kafkajs'] as const) {
  test(`${client} group: three members share six partitions; a killed member is replaced within the session timeout, a leaving one at once`, { skip: client === 'kafkajs' ? false : skipPython }, async t => {
    const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1 } })
    t.after(cluster.cleanup)
    const kafka = new Kafka({ clientId: 'group-rebalance-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    t.after(async () => await admin.disconnect())
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    t.after(async () => await producer.disconnect())
    await rebalanceScenario(client, cluster.bootstrap, admin, producer)
  })
}

async function rebalanceScenario (client: GroupClient, bootstrap: string, admin: Admin, producer: Producer): Promise<void> {
  const topic = `rebalance-${client}`
  const group = `group-${client}`
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
  const members = [0, 1, 2].map(() => GroupMember.start(client, { bootstrap, group, topic, sessionTimeoutMs: SESSION_TIMEOUT_MS }))
  const describe = (): string => members.map(m => m.describe()).join('\n')
  try {
    await waitFor(() => ownsAll(members, PARTITIONS, [2, 2, 2]), `three ${client} members owning two partitions each:\n${describe()}`, { timeoutMs: 20_000 })

    await produce(producer, topic, 10)
    await waitForCommitted(admin, group, topic, 10, describe)

    const [victim, ...survivors] = members as [GroupMember, GroupMember, GroupMember]
    const killedAt = Date.now()
    await victim.kill('SIGKILL')
    await waitFor(() => ownsAll(survivors, PARTITIONS, [3, 3]), `the two surviving ${client} members owning all six partitions:\n${describe()}`, { timeoutMs: SESSION_TIMEOUT_MS + 2000 })
    const takeoverMs = Date.now() - killedAt

    await produce(producer, topic, 10)
    await waitForCommitted(admin, group, topic, 20, describe)
    for (let p = 0; p < PARTITIONS; p++) {
      const seen = new Set(members.flatMap(m => m.processed.filter(r => r.partition === p).map(r => r.offset)))
      const missing = Array.from({ length: 20 }, (_, i) => i).filter(o => !seen.has(o))
      assert.deepEqual(missing, [], `every record of ${topic}-${p} processed at least once`)
    }

    const [leaving, last] = survivors as [GroupMember, GroupMember]
    const leftAt = Date.now()
    await leaving.kill('SIGTERM')
    assert.ok(leaving.closed, `the ${client} member closed cleanly: ${leaving.describe()}`)
    await waitFor(() => ownsAll([last], PARTITIONS, [6]), `the last ${client} member owning all six after a clean leave:\n${describe()}`, { timeoutMs: SESSION_TIMEOUT_MS - 1000 })
    const leaveMs = Date.now() - leftAt
    assert.ok(leaveMs < SESSION_TIMEOUT_MS, `a LeaveGroup rebalances without waiting for the session timeout (took ${leaveMs} ms, kill took ${takeoverMs} ms)`)
  } finally {
    await Promise.all(members.map(async m => await m.kill('SIGKILL')))
  }
}

/** `perPartition` more records on every partition, acks=all. */
async function produce (producer: Producer, topic: string, perPartition: number): Promise<void> {
  const messages = Array.from({ length: PARTITIONS * perPartition }, (_, i) => ({ partition: i % PARTITIONS, value: `record-${i}` }))
  await producer.send({ topic, acks: -1, messages })
}

/** Until the group's committed offset of every partition is the log end offset `end`. */
async function waitForCommitted (admin: Admin, group: string, topic: string, end: number, describe: () => string): Promise<void> {
  let last = ''
  await waitFor(async () => {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const high = await admin.fetchTopicOffsets(topic)
    last = JSON.stringify({ committed: committed?.partitions, high: high.map(h => [h.partition, h.high]) })
    return high.every(h => Number(h.high) === end) && committed?.partitions.length === PARTITIONS && committed.partitions.every(p => Number(p.offset) === end)
  }, `committed offsets of ${group} at the log end offset ${end} (${last}):\n${describe()}`, { timeoutMs: 15_000 })
}
