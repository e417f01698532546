import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/init-producer-id.js'
import { MetadataRequest, MetadataResponse } from '../protocol/messages/metadata.js'
import { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js'
import { decodeRecordBatches } from '../protocol/records/record.js'
import { ConfigError } from '../errors.js'
import { Producer } from './producer.js'
import { FakeBroker, type FakeRequest } from './support/fake-broker.js'

interface Received { producerId: number, producerEpoch: number, baseSequence: number, values: string[], answer: number }

/**
 * A one-broker cluster leading topic t's one partition: InitProducerId hands out ids 100, 101, ...;
 * a Produce is answered with the next code of `answers` while there is one, then as a broker
 * checks sequences: the next one is appended, any other refused with OUT_OF_ORDER_SEQUENCE_NUMBER.
 * Every Produce is recorded.
 */
async function cluster (t: { after: (fn: () => Promise<void>) => void }, answers: number[]): Promise<{ broker: FakeBroker, received: Received[], initCount: () => number }> {
  const received: Received[] = []
  const nextSequence = new Map<number, number>()
  let nextOffset = 0
  let nextId = 100
  const broker = await FakeBroker.start((req: FakeRequest) => {
    if (req.header.apiKey === MetadataRequest.apiKey) {
      req.reply(MetadataResponse, {
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
        clusterId: 'c',
        controllerId: 1,
        topics: [{ errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
      })
    } else if (req.header.apiKey === InitProducerIdRequest.apiKey) {
      req.reply(InitProducerIdResponse, { throttleTimeMs: 0, errorCode: 0, producerId: nextId++, producerEpoch: 0 })
    } else if (req.header.apiKey === ProduceRequest.apiKey) {
      const batch = decodeRecordBatches(req.body(ProduceRequest).topicData[0]!.partitionData[0]!.records!)[0]!
      const inSequence = batch.producerId < 0 || batch.baseSequence === (nextSequence.get(batch.producerId) ?? 0)
      const answer = answers.shift() ?? (inSequence ? ErrorCode.NONE : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
      received.push({ producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence, values: batch.records.map(r => r.value!.toString()), answer })
      const baseOffset = answer === ErrorCode.NONE ? nextOffset : -1
      if (answer === ErrorCode.NONE) {
        nextOffset += batch.records.length
        nextSequence.set(batch.producerId, batch.baseSequence + batch.records.length)
      }
      req.reply(ProduceResponse, { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: answer, baseOffset }] }] })
    }
  })
  t.after(async () => await broker.stop())
  return { broker, received, initCount: () => nextId - 100 }
}

function producer (t: { after: (fn: () => Promise<void>) => void }, broker: FakeBroker, props: Record<string, string | number | boolean> = {}): Producer {
  const p = new Producer({ 'bootstrap.servers': broker.bootstrap, 'retry.backoff.ms': 1, 'retry.backoff.max.ms': 5, 'batch.size': 40, ...props })
  t.after(async () => await p.close())
  return p
}

test('idempotent by default: batches carry the producer id and gapless sequences; a retry keeps its sequence, and those refused for its gap go again after it, in order', async t => {
  // the first batch meets a leader change; the three pipelined behind it are refused for the gap it left
  const { broker, received } = await cluster(t, [ErrorCode.NOT_LEADER_OR_FOLLOWER])
  const p = producer(t, broker)
  assert.equal(p.idempotent, true)
  // batch.size 40 is less than a batch's header: each record is a batch of its own
  const values = ['r0', 'r1', 'r2', 'r3']
  const offsets = (await Promise.all(values.map(value => p.send({ topic: 't', partition: 0, value })))).map(m => m.offset)
  assert.deepEqual(offsets, [0, 1, 2, 3], 'every record once, in order')
  const pipelined = received.slice(0, 4)
  assert.deepEqual(pipelined.map(r => [r.producerId, r.producerEpoch, r.baseSequence, r.values.join()]), [[100, 0, 0, 'r0'], [100, 0, 1, 'r1'], [100, 0, 2, 'r2'], [100, 0, 3, 'r3']])
  assert.deepEqual(pipelined.map(r => r.answer), [ErrorCode.NOT_LEADER_OR_FOLLOWER, ...Array(3).fill(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)])
  assert.deepEqual(received.slice(4).map(r => [r.baseSequence, r.answer]), [[0, 0], [1, 0], [2, 0], [3, 0]], 'the retries, in sequence order, each accepted')
})

test('a batch that fails for good leaves a gap: the producer takes a new id, and its sequences start again at 0', async t => {
  const { broker, received, initCount } = await cluster(t, [ErrorCode.INVALID_RECORD])
  const p = producer(t, broker)
  await assert.rejects(p.send({ topic: 't', partition: 0, value: 'refused' }), (err: { code: number }) => err.code === ErrorCode.INVALID_RECORD)
  const meta = await p.send({ topic: 't', partition: 0, value: 'next' })
  assert.equal(meta.offset, 0)
  assert.equal(initCount(), 2)
  assert.deepEqual(received.map(r => [r.producerId, r.baseSequence, r.values.join()]), [[100, 0, 'refused'], [101, 0, 'next']])
})

test('enable.idempotence as Java\'s ProducerConfig settles it: asked for, a conflicting key is an error naming it; by default, idempotence gives way', async t => {
  const { broker, received } = await cluster(t, [])
  assert.throws(() => new Producer({ 'bootstrap.servers': broker.bootstrap, 'enable.idempotence': true, acks: '1' }),
    (err: ConfigError) => err instanceof ConfigError && /Must set acks to all in order to use the idempotent producer/.test(err.message))
  assert.throws(() => new Producer({ 'bootstrap.servers': broker.bootstrap, 'enable.idempotence': 'true', 'max.in.flight.requests.per.connection': 6 }),
    /Must set max.in.flight.requests.per.connection to at most 5/)
  const p = producer(t, broker, { acks: '1' })
  assert.equal(p.idempotent, false)
  await p.send({ topic: 't', partition: 0, value: 'plain' })
  assert.deepEqual(received.map(r => [r.producerId, r.baseSequence]), [[-1, -1]], 'no producer id')
})
