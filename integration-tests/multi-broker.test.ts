import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { projectRoot } from './support/broker.js'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord, type Delivery } from './support/client-records.js'
import { waitFor } from './support/wait-for.js'
import { startCluster } from './support/cluster.js'
import { readWithKafkaJs } from './support/kafkajs-simple-consumer.js'
import { parseJsonLines, runProcess } from './support/run-process.js'
import { storedBatches } from './support/segment-files.js'
import { controllerId, topicMetadata, waitForTopic } from './support/wire-connection.js'
import { createTopic } from './support/admin.js'

const PYTHON = '/usr/bin/python3'
const KAFKA_PYTHON = join(projectRoot, 'integration-tests/clients/python/kafka_python_client.py')
const CONFLUENT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const skip = existsSync('/usr/lib/python3/dist-packages/kafka') && existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
  ? false
  : 'needs python3-kafka and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'
const PARTITIONS = 6

test('3 brokers: a 6-partition topic led by all three; clients bootstrapped from one broker produce and consume across all', { skip }, async t => {
  const cluster = await startCluster({ brokers: 3 })
  t.after(cluster.cleanup)
  const [one, two, three] = cluster.brokers.map(b => b.bootstrap)
  const topic = 'spread'
  let controllerIdInMetadata = -1
  await waitFor(async () => (controllerIdInMetadata = await controllerId(one!)) >= 0, 'a controller in broker 1\'s metadata')
  const controller = cluster.broker(controllerIdInMetadata)
  await createTopic(controller.bootstrap, topic, { partitions: PARTITIONS })
  const metadata = await waitForTopic(cluster.bootstrap, topic, PARTITIONS)

  await t.test('leaders are spread over the brokers, and Metadata agrees with ZooKeeper', async () => {
    const leaders = metadata.partitions.map(p => p.leaderId)
    const perBroker = [1, 2, 3].map(id => leaders.filter(l => l === id).length)
    assert.deepEqual(perBroker, [2, 2, 2], `Kafka's assignment gives each broker 2 of 6 leaders: ${JSON.stringify(leaders)}`)
    for (const p of metadata.partitions) {
      const state = await cluster.zk.getData(`/brokers/topics/${topic}/partitions/${p.partitionIndex}/state`)
      assert.ok(state !== null, `state znode of ${topic}-${p.partitionIndex}`)
      const { leader, isr } = JSON.parse(state.data.toString()) as { leader: number, isr: number[] }
      assert.equal(leader, p.leaderId, `ZooKeeper and Metadata agree on the leader of ${topic}-${p.partitionIndex}`)
      assert.deepEqual(isr, [leader])
    }
    for (const address of [two!, three!]) {
      const { topic: seen } = await topicMetadata(address, topic)
      assert.deepEqual(seen?.partitions.map(p => p.leaderId), leaders, `broker ${address} reports the same leaders`)
    }
  })

  const sent = sampleRecords('multi-broker', 60)
  let deliveries: Delivery[] = []
  await t.test('kafka-python, bootstrapped from broker 1 only, produces to every leader', async () => {
    const produced = await runProcess(PYTHON, [KAFKA_PYTHON, 'produce', one!, topic], { input: toJsonLines(sent) })
    deliveries = parseJsonLines<Delivery>(produced.stdout)
    const leaderOf = new Map(metadata.partitions.map(p => [p.partitionIndex, p.leaderId]))
    for (const broker of cluster.brokers) {
      const onDisk = new Set(storedBatches(join(broker.dir, 'data'), topic).map(b => b.partition))
      const led = new Set(deliveries.map(d => d.partition).filter(p => leaderOf.get(p) === broker.spec.brokerId))
      assert.deepEqual(onDisk, led, `broker ${broker.spec.brokerId} stores exactly the written partitions it leads`)
      assert.ok(led.size > 0, `broker ${broker.spec.brokerId} received records`)
    }
  })

  await t.test('confluent-kafka, bootstrapped from broker 2, reads every partition back', async () => {
    const read = await runProcess(PYTHON, [CONFLUENT, 'consume', two!, topic, String(sent.length)])
    assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(read.stdout), { partitions: PARTITIONS, headers: true, timestamps: 'exact', deliveries })
  })

  await t.test('KafkaJS, bootstrapped from broker 3, produces and reads across all brokers', async () => {
    const kafka = new Kafka({ clientId: 'multi-broker-test', brokers: [three!], logLevel: logLevel.NOTHING, retry: { retries: 3 } })
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      const more = sampleRecords('kafkajs-multi-broker', 60)
      const jsTopic = 'spread-kafkajs'
      await createTopic(controller.bootstrap, jsTopic, { partitions: PARTITIONS })
      const jsMetadata = await waitForTopic(cluster.bootstrap, jsTopic, PARTITIONS)
      assert.equal(new Set(jsMetadata.partitions.map(p => p.leaderId)).size, 3)
      await producer.send({ topic: jsTopic, acks: -1, messages: more.map(r => ({ key: r.key, value: r.value, headers: Object.fromEntries(r.headers), timestamp: String(r.timestamp) })) })
      assertRoundTrip(more, await readWithKafkaJs(kafka, jsTopic, more.length), { partitions: PARTITIONS, headers: true, timestamps: 'exact' })
    } finally {
      await producer.disconnect()
    }
  })
})
