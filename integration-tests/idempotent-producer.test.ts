import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { Producer } from '../src/client/producer.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { InitProducerIdRequest, InitProducerIdResponse } from '../src/protocol/messages/init-producer-id.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch, decodeRecordBatches, type DecodedBatch } from '../src/protocol/records/record.js'
import { createTopic } from './support/admin.js'
import { asLeader } from './support/as-leader.js'
import { projectRoot } from './support/broker.js'
import { sampleRecords, toJsonLines, type SampleRecord } from './support/client-records.js'
import { startCluster } from './support/cluster.js'
import { partitionState, readAllWithKcat } from './support/cluster-state.js'
import { buildGoClient, goClientMissing } from './support/go-client.js'
import { runProcess } from './support/run-process.js'
import { waitFor } from './support/wait-for.js'
import { WireConnection, waitForTopic } from './support/wire-connection.js'

const PYTHON = '/usr/bin/python3'
const CONFLUENT_SCRIPT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const KCAT = '/usr/bin/kcat'

test('InitProducerId from any broker hands out ids from blocks reserved in ZooKeeper; bad sequences and epochs get Kafka\'s codes and append nothing; retries get their original offsets, also after restarts', async t => {
  const cluster = await startCluster({ brokers: 2 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'idem', { assignments: [[1]] })
  await waitForTopic(cluster.bootstrap, 'idem', 1)
  const [b1, b2] = cluster.brokers.map(b => b.bootstrap) as [string, string]
  let conn = await WireConnection.open(b1)
  const other = await WireConnection.open(b2)
  t.after(() => { conn.close(); other.close() })

  // Every version clients send (librdkafka v1-4, Java up to v5, Sarama and KafkaJS v0), from both brokers.
  const ids: number[] = []
  for (const c of [conn, other]) {
    for (let version = 0; version <= 5; version++) {
      const res = await c.request(InitProducerIdRequest, InitProducerIdResponse, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
      assert.equal(res.errorCode, ErrorCode.NONE, `InitProducerId v${version} from ${c.address}: ${errorName(res.errorCode)}`)
      assert.equal(res.producerEpoch, 0)
      ids.push(res.producerId)
    }
  }
  assert.equal(new Set(ids).size, ids.length, `every id once: ${ids.join(',')}`)
  const blocks = new Set(ids.map(id => Math.floor(id / 1000)))
  assert.equal(blocks.size, 2, `one block of 1000 per broker: ${ids.join(',')}`)
  const znode = await cluster.zk.getData('/latest_producer_id_block')
  const block = JSON.parse(znode!.data.toString()) as Record<string, unknown>
  assert.deepEqual(Object.keys(block).sort(), ['block_end', 'block_start', 'broker', 'version'])
  assert.equal(block.version, 1)
  assert.equal(block.block_start, '1000', 'longs are strings, as Kafka writes them')
  assert.equal(block.block_end, '1999')
  assert.equal(znode!.version, 2, 'two conditional updates of the znode created empty at start-up')

  const pid = ids[0]!
  const batch = (seq: number, epoch = 0, count = 3): Buffer => buildRecordBatch({ producerId: pid, producerEpoch: epoch, baseSequence: seq, records: Array.from({ length: count }, (_, i) => ({ value: `e${epoch}s${seq + i}` })) })
  const produce = async (records: Buffer): Promise<{ errorCode: number, baseOffset: number }> => {
    const res = await asLeader('Produce to idem-0', async () => await conn.request(ProduceRequest, ProduceResponse, 8, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'idem', partitionData: [{ index: 0, records }] }] }),
      r => [r.responses[0]!.partitionResponses[0]!.errorCode])
    const p = res.responses[0]!.partitionResponses[0]!
    return { errorCode: p.errorCode, baseOffset: p.baseOffset }
  }
  const ok = (baseOffset: number): { errorCode: number, baseOffset: number } => ({ errorCode: ErrorCode.NONE, baseOffset })
  const failed = (errorCode: number): { errorCode: number, baseOffset: number } => ({ errorCode, baseOffset: -1 })

  assert.deepEqual(await produce(batch(0)), ok(0))
  assert.deepEqual(await produce(batch(3)), ok(3))
  assert.deepEqual(await produce(batch(0)), ok(0), 'a retry is answered with its original offset')
  assert.deepEqual(await produce(batch(7)), failed(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 'a gap')
  assert.deepEqual(await produce(batch(3, 1)), failed(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 'a new epoch starts at 0')
  assert.deepEqual(await produce(Buffer.concat([batch(6), batch(10)])), failed(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 'a gap inside one request refuses it all')
  assert.deepEqual(await produce(Buffer.concat([batch(6), batch(9)])), ok(6))
  assert.deepEqual(await produce(batch(0, 1)), ok(12))
  assert.deepEqual(await produce(batch(12, 0)), failed(ErrorCode.INVALID_PRODUCER_EPOCH), 'the old epoch is fenced')
  assert.deepEqual(await produce(buildRecordBatch({ producerId: pid, producerEpoch: 1, baseSequence: -1, records: [{ value: 'x' }] })), failed(ErrorCode.INVALID_RECORD), 'an idempotent batch needs a sequence')
  const expected = ['e0s0', 'e0s1', 'e0s2', 'e0s3', 'e0s4', 'e0s5', 'e0s6', 'e0s7', 'e0s8', 'e0s9', 'e0s10', 'e0s11', 'e1s0', 'e1s1', 'e1s2']
  assert.deepEqual(values(await fetchAll(conn, 'idem', 0)), expected, 'nothing refused or retried was appended')

  const broker = cluster.broker(1)
  for (const [signal, when] of [['SIGKILL', 'after kill -9 (the log replayed)'], ['SIGTERM', 'after a clean restart (the snapshot at the log end)']] as const) {
    await broker.kill(signal)
    await broker.start()
    conn.close()
    await waitForTopic(cluster.bootstrap, 'idem', 1)
    conn = await WireConnection.open(b1)
    assert.deepEqual(await produce(batch(0, 1)), ok(12), `${when}: the last batch's retry gets its offset`)
    assert.deepEqual(await produce(batch(5, 1)), failed(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), `${when}: the sequence continues where it was`)
  }
  assert.deepEqual(await produce(batch(3, 1)), ok(15))
  assert.deepEqual(values(await fetchAll(conn, 'idem', 0)), [...expected, 'e1s3', 'e1s4', 'e1s5'])
})

test('real clients produce idempotently: every record once, in batches that carry a producer id and gapless sequences', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  const partitions = 3

  const clients: Array<{ name: string, skip: string | false, produce: (topic: string, sent: SampleRecord[]) => Promise<void> }> = [
    {
      name: 'kcat -X enable.idempotence=true',
      skip: existsSync(KCAT) ? false : 'kcat is not installed (integration-tests/support/ensure-clients.sh)',
      produce: async (topic, sent) => {
        await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', topic, '-K', '\t', '-X', 'enable.idempotence=true', '-q'], { input: sent.map(r => `${r.key}\t${r.value}\n`).join('') })
      },
    },
    {
      name: 'confluent-kafka-python enable.idempotence=true',
      skip: existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? false : 'python3-confluent-kafka is not installed (integration-tests/support/ensure-clients.sh)',
      produce: async (topic, sent) => { await runProcess(PYTHON, [CONFLUENT_SCRIPT, 'produce', cluster.bootstrap, topic, 'idempotent'], { input: toJsonLines(sent) }) },
    },
    {
      name: 'KafkaJS idempotent: true',
      skip: false,
      produce: async (topic, sent) => {
        const kafka = new Kafka({ clientId: 'kafkajs-idempotent', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
        await producer.connect()
        try {
          // Two sends: the second continues each partition's sequence.
          for (const half of [sent.slice(0, 20), sent.slice(20)]) await producer.send({ topic, acks: -1, messages: half.map(r => ({ key: r.key, value: r.value })) })
        } finally {
          await producer.disconnect()
        }
      },
    },
    {
      name: 'Sarama Producer.Idempotent with Net.MaxOpenRequests 1',
      skip: goClientMissing('sarama') ?? false,
      produce: async (topic, sent) => {
        const binary = await buildGoClient('sarama')
        await runProcess(binary, ['produce', '-brokers', cluster.bootstrap, '-topic', topic, '-version', '1.0.0', '-idempotent'], { input: toJsonLines(sent) })
      },
    },
  ]
  for (const client of clients) {
    await t.test(client.name, { skip: client.skip }, async () => {
      const topic = `idem-${client.name.split(' ')[0]!.toLowerCase()}`
      await createTopic(cluster.bootstrap, topic, { partitions })
      await waitForTopic(cluster.bootstrap, topic, partitions)
      const sent = sampleRecords(client.name, 40)
      await client.produce(topic, sent)
      const read: string[] = []
      for (let p = 0; p < partitions; p++) {
        const batches = decodeRecordBatches(await fetchAll(conn, topic, p))
        read.push(...values(batches))
        const producers = new Set(batches.map(b => b.producerId))
        assert.ok(batches.every(b => b.producerId >= 0 && b.producerEpoch >= 0), `partition ${p}: every batch carries a producer id: ${JSON.stringify(batches.map(b => [b.producerId, b.producerEpoch, b.baseSequence]))}`)
        assert.equal(producers.size, Math.min(1, batches.length), `partition ${p}: one producer`)
        let next = 0
        for (const b of batches) {
          assert.equal(b.baseSequence, next, `partition ${p}: the batch at ${b.baseOffset} continues the sequence`)
          next += b.records.length
        }
      }
      assert.deepEqual(read.sort(), sent.map(r => r.value).sort(), 'every record exactly once')
    })
  }
})

function values (batches: Buffer | DecodedBatch[]): string[] {
  const decoded = Buffer.isBuffer(batches) ? decodeRecordBatches(batches) : batches
  return decoded.flatMap(b => b.records.map(r => r.value?.toString() ?? 'null'))
}

/** Every batch of topic-partition up to the high watermark, with Fetch v11. */
async function fetchAll (conn: WireConnection, topic: string, partition: number): Promise<Buffer> {
  const parts: Buffer[] = []
  for (let offset = 0; ;) {
    const res = await asLeader(`Fetch ${topic}-${partition} at ${offset}`, async () => await conn.request(FetchRequest, FetchResponse, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    }), r => [r.responses[0]!.partitions[0]!.errorCode])
    const p = res.responses[0]!.partitions[0]!
    assert.equal(p.errorCode, ErrorCode.NONE, `Fetch ${topic}-${partition} at ${offset}: ${errorName(p.errorCode)}`)
    if (offset >= p.highWatermark) return Buffer.concat(parts)
    const batches = decodeRecordBatches(p.records ?? Buffer.alloc(0))
    assert.ok(batches.length > 0, `Fetch at ${offset} below the high watermark ${p.highWatermark} returned no batch`)
    parts.push(p.records!)
    const last = batches.at(-1)!
    offset = last.baseOffset + last.lastOffsetDelta + 1
  }
}

test('our own producer, idempotent by default, through a kill -9 of its leader: every record written once, in order', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': 6000, 'min.insync.replicas': 2 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'once', { assignments: [[1, 2, 3]] })
  await waitFor(async () => (await partitionState(cluster, 'once', 0)).isr.length === 3, 'all three replicas in sync')
  const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'linger.ms': 5, 'batch.size': 2048, 'request.timeout.ms': 5000, 'client.id': 'our-idempotent' })
  t.after(async () => await producer.close())
  assert.equal(producer.idempotent, true)

  const total = 20_000
  let acked = 0
  const failures: string[] = []
  const all: Array<Promise<void>> = []
  for (let i = 0; i < total; i++) {
    if (i === total / 4) await waitFor(() => acked >= total / 8, `${total / 8} records acknowledged before the kill`, { timeoutMs: 30_000 })
    if (i === total / 4) await cluster.broker(1).kill('SIGKILL')
    if (!producer.hasRoom) await producer.waitForRoom()
    all.push(producer.send({ topic: 'once', partition: 0, value: `v${i}` }).then(() => { acked++ }, (err: Error) => { failures.push(err.message) }))
  }
  await Promise.all(all)
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} sends failed`)
  assert.equal(acked, total)
  const values = readAllWithKcat(cluster.bootstrap, 'once').map(r => r.value)
  assert.equal(values.length, total, `${values.length - new Set(values).size} records written twice`)
  assert.deepEqual(values, Array.from({ length: total }, (_, i) => `v${i}`), 'in the order sent')
})
