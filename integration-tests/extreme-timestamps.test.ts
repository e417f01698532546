import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { crc32c } from '../src/protocol/primitives/crc32c.js'
import { recordBatches } from '../src/protocol/records/record-batch.js'
import { buildRecordBatch, decodeRecordBatches } from '../src/protocol/records/record.js'
import { createTopic } from './support/admin.js'
import { asLeader } from './support/as-leader.js'
import { startCluster } from './support/cluster.js'
import { WireConnection, waitForTopic } from './support/wire-connection.js'

const FAR = 2n ** 62n
const LONG_MAX = 2n ** 63n - 1n
const HOUR = 3_600_000

test('batches stamped 2^62 and Long.MAX_VALUE are stored; ListOffsets by timestamp and Fetch answer on their partition, also after restarts', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  // An index entry after every batch: the time index holds the extreme timestamps too.
  await createTopic(cluster.bootstrap, 'far', { partitions: 1, configs: { 'index.interval.bytes': '0' } })
  await waitForTopic(cluster.bootstrap, 'far', 1)
  const now = BigInt(Date.now())
  let conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  await produce(conn, 'far', batchAt(now, 'now'), ErrorCode.NONE)
  await produce(conn, 'far', batchAt(FAR, 'far'), ErrorCode.NONE)
  await produce(conn, 'far', batchAt(now + 1n, 'later'), ErrorCode.NONE)
  assert.deepEqual(await offsetForTime(conn, Number(now) + 1), { offset: 1, timestamp: 2 ** 62 }, 'the first record at or after now + 1 is the far one')
  await produce(conn, 'far', batchAt(LONG_MAX, 'max'), ErrorCode.NONE)
  await produce(conn, 'far', batchAt(LONG_MAX - 1n, 'max again'), ErrorCode.NONE) // same segment: a time index entry at Long.MAX_VALUE

  const check = async (when: string): Promise<void> => {
    assert.deepEqual(await offsetForTime(conn, Number(now) - 60_000), { offset: 0, timestamp: Number(now) }, when)
    assert.deepEqual(await offsetForTime(conn, 2 ** 62), { offset: 1, timestamp: 2 ** 62 }, when)
    assert.deepEqual(await offsetForTime(conn, 2 ** 62 + 2 ** 11), { offset: 3, timestamp: 2 ** 63 }, `${when}: Long.MAX_VALUE reads as 2^63`)
    assert.deepEqual(await offsetForTime(conn, 2 ** 63), { offset: 3, timestamp: 2 ** 63 }, `${when}: a target of Long.MAX_VALUE`)
    const records = await fetchAll(conn)
    const batches = [...recordBatches(records)]
    assert.deepEqual(batches.map(b => b.baseOffset), [0, 1, 2, 3, 4], when)
    assert.deepEqual(batches.map(b => b.buffer.readBigInt64BE(b.position + 35)), [now, FAR, now + 1n, LONG_MAX, LONG_MAX - 1n], `${when}: the max timestamps as produced, to the bit`)
    assert.deepEqual(decodeRecordBatches(records).map(b => b.records[0]?.value?.toString()), ['now', 'far', 'later', 'max', 'max again'], when)
  }
  await check('after producing')
  assert.equal(conn.isClosed, false, 'the connection stays open')

  const broker = cluster.brokers[0]!
  for (const [signal, when] of [['SIGTERM', 'after a clean restart'], ['SIGKILL', 'after recovery rebuilt the indexes']] as const) {
    await broker.kill(signal)
    await broker.start()
    conn.close()
    await waitForTopic(cluster.bootstrap, 'far', 1)
    conn = await WireConnection.open(cluster.bootstrap)
    await check(when)
  }
})

test('message.timestamp.after.max.ms / before.max.ms (and the deprecated difference) refuse a batch outside them with INVALID_TIMESTAMP', async t => {
  // The broker's deprecated difference stands in for before.max.ms, which nobody set (KIP-937).
  const cluster = await startCluster({ brokers: 1, config: { 'log.message.timestamp.difference.max.ms': 24 * HOUR } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'bounded', { partitions: 1, configs: { 'message.timestamp.after.max.ms': String(HOUR) } })
  await createTopic(cluster.bootstrap, 'stamped', { partitions: 1, configs: { 'message.timestamp.after.max.ms': String(HOUR), 'message.timestamp.type': 'LogAppendTime' } })
  await waitForTopic(cluster.bootstrap, 'bounded', 1)
  await waitForTopic(cluster.bootstrap, 'stamped', 1)
  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  const now = BigInt(Date.now())

  const refused = await produce(conn, 'bounded', batchAt(FAR, 'far'), ErrorCode.INVALID_TIMESTAMP)
  assert.match(refused ?? '', /^Timestamp 4611686018427387904 of message with offset 0 is out of range\. The timestamp should be within \[(\d+), (\d+)\]$/)
  const [, low, high] = /\[(\d+), (\d+)\]/.exec(refused ?? '') ?? []
  assert.ok(Number(high) - Number(low) === 25 * HOUR && Number(high) >= Number(now) + HOUR, `the window is [now - 24 h, now + 1 h]: ${refused}`)
  await produce(conn, 'bounded', batchAt(now - 48n * BigInt(HOUR), 'two days ago'), ErrorCode.INVALID_TIMESTAMP)
  await produce(conn, 'bounded', batchAt(now + 30n * 60_000n, 'in half an hour'), ErrorCode.NONE)
  await produce(conn, 'bounded', batchAt(now - 12n * BigInt(HOUR), 'twelve hours ago'), ErrorCode.NONE)
  await produce(conn, 'stamped', batchAt(FAR, 'far'), ErrorCode.NONE)
})

/** A CRC-valid batch of one record stamped `timestamp` exactly (baseTimestamp = maxTimestamp, delta 0). */
function batchAt (timestamp: bigint, value: string): Buffer {
  const batch = buildRecordBatch({ records: [{ value }], baseTimestamp: 0 })
  batch.writeBigInt64BE(timestamp, 27)
  batch.writeBigInt64BE(timestamp, 35)
  batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17)
  return batch
}

/** Produces one batch (v8, acks=all), checks the error code and returns the error message. */
async function produce (conn: WireConnection, topic: string, batch: Buffer, expected: number): Promise<string | null> {
  const res = await asLeader(`Produce to ${topic}`, async () => await conn.request(ProduceRequest, ProduceResponse, 8, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] }),
    r => [r.responses[0]!.partitionResponses[0]!.errorCode])
  const answer = res.responses[0]!.partitionResponses[0]!
  assert.equal(answer.errorCode, expected, `produce to ${topic}: ${errorName(answer.errorCode)} ${answer.errorMessage ?? ''}`)
  return answer.errorMessage
}

/** ListOffsets v5 by timestamp on far-0. */
async function offsetForTime (conn: WireConnection, timestamp: number): Promise<{ offset: number, timestamp: number }> {
  const res = await asLeader(`ListOffsets at ${timestamp}`, async () => await conn.request(ListOffsetsRequest, ListOffsetsResponse, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'far', partitions: [{ partitionIndex: 0, timestamp }] }] }),
    r => [r.topics[0]!.partitions[0]!.errorCode])
  const p = res.topics[0]!.partitions[0]!
  assert.equal(p.errorCode, ErrorCode.NONE, `ListOffsets at ${timestamp}: ${errorName(p.errorCode)}`)
  return { offset: p.offset, timestamp: p.timestamp }
}

/**
 * Fetch v11 of far-0 from offset 0 up to the high watermark: a read stays within one segment, and
 * a batch stamped far ahead rolls one (segment.ms counts from the first batch's timestamp, as Kafka's).
 */
async function fetchAll (conn: WireConnection): Promise<Buffer> {
  const parts: Buffer[] = []
  for (let offset = 0; ;) {
    const res = await asLeader(`Fetch at ${offset}`, async () => await conn.request(FetchRequest, FetchResponse, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'far', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    }), r => [r.responses[0]!.partitions[0]!.errorCode])
    const p = res.responses[0]!.partitions[0]!
    assert.equal(p.errorCode, ErrorCode.NONE, `Fetch at ${offset}: ${errorName(p.errorCode)}`)
    const batches = [...recordBatches(p.records ?? Buffer.alloc(0))]
    assert.ok(batches.length > 0, `Fetch at ${offset} below the high watermark ${p.highWatermark} returned no batch`)
    parts.push(p.records!)
    offset = batches.at(-1)!.nextOffset
    if (offset >= p.highWatermark) return Buffer.concat(parts)
  }
}
