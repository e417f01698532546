import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { assertRoundTrip, sampleRecords } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { readWithKafkaJs } from '../support/kafkajs-simple-consumer.js'
import { waitFor } from '../support/wait-for.js'

test('KafkaJS 2.2: admin creates the topic; keyed records with headers and timestamps come back', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const kafka = new Kafka({ clientId: 'kafkajs-integration-test', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3 } })
  const topic = 'kafkajs-records'

  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true }), true)

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  const sent = sampleRecords('kafkajs')
  const result = await producer.send({
    topic,
    acks: 1,
    messages: sent.map(r => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers), timestamp: String(r.timestamp) })),
  })
  assert.ok(result.every(r => r.errorCode === 0 && r.baseOffset === '0'), `one batch per partition at offset 0: ${JSON.stringify(result)}`)

  const received = await readWithKafkaJs(kafka, topic, sent.length)
  assertRoundTrip(sent, received, { partitions: 4, headers: true, timestamps: 'exact' })

  const offsets = await admin.fetchTopicOffsets(topic)
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
  assert.equal(total, sent.length, `ListOffsets high - low over all partitions: ${JSON.stringify(offsets)}`)
})

test('KafkaJS 2.2 transactions with sendOffsets: consume-transform-produce commits and aborts alternately; read_committed sees exactly the committed records, group offsets move only with commits', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'transaction.state.log.num.partitions': 3, 'transaction.state.log.replication.factor': 1, 'transaction.state.log.min.isr': 1, 'offsets.topic.num.partitions': 3, 'offsets.topic.replication.factor': 1 } })
  t.after(cluster.cleanup)
  const kafka = new Kafka({ clientId: 'kafkajs-transactions', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  await admin.createTopics({ topics: [{ topic: 'kjs-in', numPartitions: 1 }, { topic: 'kjs-out', numPartitions: 1 }], waitForLeaders: true })
  const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await plain.connect()
  t.after(async () => await plain.disconnect())
  const inputs = Array.from({ length: 20 }, (_, i) => `v${i}`)
  await plain.send({ topic: 'kjs-in', acks: -1, messages: inputs.map(value => ({ value, partition: 0 })) })

  // The consume side: KafkaJS's own fetch; the group's offsets go only through the transactions.
  const consumed = (await readWithKafkaJs(kafka, 'kjs-in', inputs.length)).map(r => r.value!)
  const producer = kafka.producer({ transactionalId: 'kjs-txn', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  const groupOffset = async (): Promise<number> => Number((await admin.fetchOffsets({ groupId: 'kjs-ctp', topics: ['kjs-in'] }))[0]!.partitions[0]!.offset)
  const committed: string[] = []
  let position = 0
  for (let txn = 0; txn < 6; txn++) {
    const commit = txn % 2 === 0
    const values = consumed.slice(position, position + 5).map(v => `out-${v}`)
    const transaction = await producer.transaction()
    await transaction.send({ topic: 'kjs-out', messages: values.map(value => ({ value, partition: 0 })) })
    await transaction.sendOffsets({ consumerGroupId: 'kjs-ctp', topics: [{ topic: 'kjs-in', partitions: [{ partition: 0, offset: String(position + 5) }] }] })
    if (commit) {
      await transaction.commit()
      committed.push(...values)
      position += 5
    } else {
      await transaction.abort()
    }
    // A committed offset is visible once the commit's marker reached __consumer_offsets.
    const expected = position === 0 ? -1 : position
    let seen = NaN
    await waitFor(async () => (seen = await groupOffset()) === expected, `group offset ${expected} after transaction ${txn} (${commit ? 'commit' : 'abort'}), was ${seen}`)
  }
  assert.deepEqual(committed, inputs.slice(0, 15).map(v => `out-${v}`), 'each commit took the records after the previous one; each abort was taken again')

  // A last committed record: once a read_committed consumer sees it, it has seen everything before.
  const end = await producer.transaction()
  await end.send({ topic: 'kjs-out', messages: [{ value: 'end', partition: 0 }] })
  await end.commit()
  const consumer = kafka.consumer({ groupId: 'kjs-reader', readUncommitted: false })
  await consumer.connect()
  t.after(async () => await consumer.disconnect())
  await consumer.subscribe({ topic: 'kjs-out', fromBeginning: true })
  const read: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read_committed did not reach "end" within 30 s: ${read.join(',')}`)), 30_000)
    void consumer.run({ eachMessage: async ({ message }) => { read.push(message.value!.toString()); if (message.value!.toString() === 'end') { clearTimeout(timer); resolve() } } })
  })
  assert.deepEqual(read, [...committed, 'end'], 'read_committed: the committed records in order, no aborted one')
})
