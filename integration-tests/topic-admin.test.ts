import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../src/protocol/messages/create-partitions.js'
import { CreateTopicsRequest, CreateTopicsResponse } from '../src/protocol/messages/create-topics.js'
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../src/protocol/messages/delete-topics.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'
import { WireConnection } from './support/wire-connection.js'

test('CreateTopics refuses bad names, duplicates and bad counts with Kafka\'s codes; CreatePartitions adds; DeleteTopics removes logs everywhere', async t => {
  const cluster = await startCluster({ brokers: 2 })
  t.after(cluster.cleanup)
  const conn = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => conn.close())
  const create = async (name: string, numPartitions: number, replicationFactor: number): Promise<number> => {
    const r = await conn.request(CreateTopicsRequest, CreateTopicsResponse, 4, { topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false })
    return r.topics[0]?.errorCode ?? -1
  }
  assert.equal(await create('bad name!', 1, 1), ErrorCode.INVALID_TOPIC_EXCEPTION)
  assert.equal(await create('..', 1, 1), ErrorCode.INVALID_TOPIC_EXCEPTION)
  assert.equal(await create('x'.repeat(250), 1, 1), ErrorCode.INVALID_TOPIC_EXCEPTION)
  assert.equal(await create('zero', 0, 1), ErrorCode.INVALID_PARTITIONS)
  assert.equal(await create('too-many-replicas', 1, 3), ErrorCode.INVALID_REPLICATION_FACTOR)
  assert.equal(await create('spread', 4, 2), ErrorCode.NONE)
  assert.equal(await create('spread', 4, 2), ErrorCode.TOPIC_ALREADY_EXISTS)

  const added = await conn.request(CreatePartitionsRequest, CreatePartitionsResponse, 1, { topics: [{ name: 'spread', count: 6, assignments: null }], timeoutMs: 10_000, validateOnly: false })
  assert.equal(added.results[0]?.errorCode, ErrorCode.NONE)
  const fewer = await conn.request(CreatePartitionsRequest, CreatePartitionsResponse, 1, { topics: [{ name: 'spread', count: 2, assignments: null }], timeoutMs: 10_000, validateOnly: false })
  assert.equal(fewer.results[0]?.errorCode, ErrorCode.INVALID_PARTITIONS)
  await waitFor(async () => (await cluster.zk.getChildren('/brokers/topics/spread/partitions')).length === 6, 'six partition states')
  const dirs = cluster.brokers.flatMap(b => Array.from({ length: 6 }, (_, p) => join(b.dir, 'data', `spread-${p}`)))
  await waitFor(() => dirs.filter(d => existsSync(d)).length === 12, 'every replica of spread to have its log dir (RF 2 x 6)')

  const deleted = await conn.request(DeleteTopicsRequest, DeleteTopicsResponse, 4, { topics: [], topicNames: ['spread'], timeoutMs: 10_000 })
  assert.equal(deleted.responses[0]?.errorCode, ErrorCode.NONE)
  assert.equal(await cluster.zk.exists('/brokers/topics/spread'), false)
  await waitFor(() => dirs.every(d => !existsSync(d)), 'the logs of spread to be removed on both brokers')
})

test('Produce: a bad CRC is CORRUPT_MESSAGE, an oversized batch MESSAGE_TOO_LARGE, a partition led elsewhere NOT_LEADER_OR_FOLLOWER', async t => {
  const cluster = await startCluster({ brokers: 2 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'checked', { assignments: [[1], [2]], configs: { 'max.message.bytes': '2000' } })
  const conn = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => conn.close())
  const produce = async (partition: number, records: Buffer): Promise<number> => {
    const r = await conn.request(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'checked', partitionData: [{ index: partition, records }] }] })
    return r.responses[0]?.partitionResponses[0]?.errorCode ?? -1
  }
  const offsets = async (timestamp: number): Promise<number | undefined> => {
    const r = await conn.request(ListOffsetsRequest, ListOffsetsResponse, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'checked', partitions: [{ partitionIndex: 0, timestamp }] }] })
    return r.topics[0]?.partitions[0]?.offset
  }
  assert.deepEqual([await offsets(-2), await offsets(-1)], [0, 0], 'an empty partition: earliest and latest are both 0')
  const good = buildRecordBatch({ records: [{ value: Buffer.from('fine') }] })
  assert.equal(await produce(0, good), ErrorCode.NONE)
  assert.deepEqual([await offsets(-2), await offsets(-1)], [0, 1])
  const corrupt = Buffer.from(good)
  corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff
  assert.equal(await produce(0, corrupt), ErrorCode.CORRUPT_MESSAGE)
  assert.equal(await produce(0, buildRecordBatch({ records: [{ value: Buffer.alloc(5000, 1) }] })), ErrorCode.MESSAGE_TOO_LARGE)
  assert.equal(await produce(1, good), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'partition 1 is led by broker 2')
  assert.equal(await produce(7, good), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
})

test('a broker that was down while its topic was deleted and re-created drops the stray log', async t => {
  const cluster = await startCluster({ brokers: 2 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'phoenix', { assignments: [[1, 2]] })
  const strayDir = join(cluster.broker(2).dir, 'data', 'phoenix-0')
  await waitFor(() => existsSync(strayDir), 'broker 2 to host phoenix-0')
  const oldId = (JSON.parse((await cluster.zk.getData('/brokers/topics/phoenix'))?.data.toString() ?? '{}') as { topic_id: string }).topic_id
  assert.equal(await cluster.broker(2).stop(), 0)

  const conn = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => conn.close())
  const deleted = await conn.request(DeleteTopicsRequest, DeleteTopicsResponse, 4, { topics: [], topicNames: ['phoenix'], timeoutMs: 10_000 })
  assert.equal(deleted.responses[0]?.errorCode, ErrorCode.NONE)
  await createTopic(cluster.bootstrap, 'phoenix', { assignments: [[1]] }) // broker 2 is down: not assignable
  const newId = (JSON.parse((await cluster.zk.getData('/brokers/topics/phoenix'))?.data.toString() ?? '{}') as { topic_id: string }).topic_id
  assert.notEqual(newId, oldId)

  await cluster.broker(2).start()
  assert.ok(cluster.broker(2).lines.some(l => l.includes('"message":"deleted stray log"') && l.includes(oldId)), 'broker 2 deleted the old phoenix-0 at start-up')
  assert.equal(existsSync(strayDir), false)
  const produced = await conn.request(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'phoenix', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from('new') }] }) }] }] })
  assert.deepEqual([produced.responses[0]?.partitionResponses[0]?.errorCode, produced.responses[0]?.partitionResponses[0]?.baseOffset], [ErrorCode.NONE, 0], 'the new topic starts from offset 0')
})
