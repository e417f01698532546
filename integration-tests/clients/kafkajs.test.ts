import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { assertRoundTrip, sampleRecords } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { readWithKafkaJs } from '../support/kafkajs-simple-consumer.js'

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
