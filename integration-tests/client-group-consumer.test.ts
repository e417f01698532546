import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs'
import { startCluster } from './support/cluster.js'
import { GroupMember, ownsAll } from './support/group-member.js'
import { waitFor } from './support/wait-for.js'

const PARTITIONS = 6
const SESSION_TIMEOUT_MS = 6000
const config = { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1 }
const skipPython = existsSync('/usr/lib/python3/dist-packages/kafka') ? false : 'needs python3-kafka (integration-tests/support/ensure-clients.sh)'

for (const assignor of ['range', 'cooperative-sticky'] as const) {
  test(`our group consumer (${assignor}): three members own two partitions each; a SIGKILLed one is replaced within the session timeout with no gap; a leaving one at once`, async t => {
    const { admin, producer, bootstrap } = await setup(t)
    const topic = `ours-${assignor}`
    const group = `group-${assignor}`
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
    const members = [0, 1, 2].map(() => GroupMember.start('ours', { bootstrap, group, topic, assignor, sessionTimeoutMs: SESSION_TIMEOUT_MS }))
    t.after(async () => { await Promise.all(members.map(async m => await m.kill('SIGKILL'))) })
    const describe = (): string => members.map(m => m.describe()).join('\n')
    await waitFor(() => ownsAll(members, PARTITIONS, [2, 2, 2]), `three of our members owning two partitions each:\n${describe()}`, { timeoutMs: 20_000 })

    await produce(producer, topic, 10)
    await waitForCommitted(admin, group, topic, 10, describe)

    const [victim, ...survivors] = members as [GroupMember, GroupMember, GroupMember]
    const before = survivors.map(m => [...m.assignment])
    const killedAt = Date.now()
    await victim.kill('SIGKILL')
    await waitFor(() => ownsAll(survivors, PARTITIONS, [3, 3]), `the two survivors owning all six partitions:\n${describe()}`, { timeoutMs: SESSION_TIMEOUT_MS + 2000 })
    const takeoverMs = Date.now() - killedAt
    if (assignor === 'cooperative-sticky') {
      survivors.forEach((m, i) => assert.ok(before[i]!.every(p => m.assignment.includes(p)), `a survivor keeps what it owned (KIP-429): had [${before[i]!.join(',')}], now [${m.assignment.join(',')}]`))
    }

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
    assert.ok(leaving.closed, `the member closed cleanly: ${leaving.describe()}`)
    await waitFor(() => ownsAll([last], PARTITIONS, [6]), `the last member owning all six after a clean leave:\n${describe()}`, { timeoutMs: SESSION_TIMEOUT_MS - 1000 })
    const leaveMs = Date.now() - leftAt
    assert.ok(leaveMs < SESSION_TIMEOUT_MS, `LeaveGroup rebalances without waiting for the session timeout (took ${leaveMs} ms; the kill took ${takeoverMs} ms)`)
  })
}

test('our group consumer in one range group with kafka-python and KafkaJS: two partitions each, every record read once', { skip: skipPython }, async t => {
  const { admin, producer, bootstrap } = await setup(t)
  const topic = 'mixed'
  const group = 'mixed-with-ours'
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
  const members = (['ours', 'kafka-python', 'kafkajs'] as const).map(client => GroupMember.start(client, { bootstrap, group, topic, assignor: 'range', sessionTimeoutMs: SESSION_TIMEOUT_MS }))
  t.after(async () => { await Promise.all(members.map(async m => await m.kill('SIGKILL'))) })
  const describe = (): string => members.map(m => m.describe()).join('\n')
  await waitFor(() => ownsAll(members, PARTITIONS, [2, 2, 2]), `ours, kafka-python and KafkaJS owning two partitions each:\n${describe()}`, { timeoutMs: 25_000 })
  await produce(producer, topic, 10)
  await waitFor(() => members.every(m => m.processed.length === 20), `each member processing its 20 records:\n${describe()}`)
  await waitForCommitted(admin, group, topic, 10, describe)
})

async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<{ admin: Admin, producer: Producer, bootstrap: string }> {
  const cluster = await startCluster({ brokers: 1, config })
  t.after(cluster.cleanup)
  const kafka = new Kafka({ clientId: 'client-group-consumer-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  return { admin, producer, bootstrap: cluster.bootstrap }
}

/** `perPartition` more records on every partition, acks=all. */
async function produce (producer: Producer, topic: string, perPartition: number): Promise<void> {
  await producer.send({ topic, acks: -1, messages: Array.from({ length: PARTITIONS * perPartition }, (_, i) => ({ partition: i % PARTITIONS, value: `record-${i}` })) })
}

/** Until the group's committed offset of every partition is the log end offset `end`. */
async function waitForCommitted (admin: Admin, group: string, topic: string, end: number, describe: () => string): Promise<void> {
  let last = ''
  await waitFor(async () => {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    last = JSON.stringify(committed?.partitions)
    return committed?.partitions.length === PARTITIONS && committed.partitions.every(p => Number(p.offset) === end)
  }, `committed offsets of ${group} at the log end offset ${end} (${last}):\n${describe()}`, { timeoutMs: 15_000 })
}
