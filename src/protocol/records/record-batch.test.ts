import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BatchErrorCode, RecordBatch, recordBatches, validateBatches } from './record-batch.js'
import { buildTestBatch } from '../../storage/support/sample-batch.js'

const limits = { maxMessageBytes: 1_048_588 }

test('reads every header field where it lies', () => {
  const buf = buildTestBatch({ baseOffset: 42, partitionLeaderEpoch: 7, recordCount: 5, firstTimestamp: 1000, timestampStepMs: 10 })
  const batch = new RecordBatch(buf)
  assert.equal(batch.baseOffset, 42)
  assert.equal(batch.sizeInBytes, buf.length)
  assert.equal(batch.partitionLeaderEpoch, 7)
  assert.equal(batch.magic, 2)
  assert.equal(batch.compressionCodec, 0)
  assert.equal(batch.timestampType, 0)
  assert.equal(batch.isTransactional, false)
  assert.equal(batch.isControl, false)
  assert.equal(batch.lastOffsetDelta, 4)
  assert.equal(batch.lastOffset, 46)
  assert.equal(batch.nextOffset, 47)
  assert.equal(batch.firstTimestamp, 1000)
  assert.equal(batch.maxTimestamp, 1040)
  assert.equal(batch.producerId, -1)
  assert.equal(batch.producerEpoch, -1)
  assert.equal(batch.baseSequence, -1)
  assert.equal(batch.recordsCount, 5)
  assert.ok(batch.isValidCrc())
})

test('Sarama-style maxTimestamp -1 falls back to firstTimestamp', () => {
  const batch = new RecordBatch(buildTestBatch({ firstTimestamp: 5000, maxTimestamp: -1 }))
  assert.equal(batch.maxTimestamp, -1)
  assert.equal(batch.effectiveMaxTimestamp, 5000)
})

test('baseOffset and partitionLeaderEpoch setters keep the CRC valid', () => {
  const buf = Buffer.concat([buildTestBatch(), buildTestBatch({ recordCount: 3 })])
  const second = [...recordBatches(buf)][1]!
  second.baseOffset = 2 ** 40 + 3
  second.partitionLeaderEpoch = 12
  assert.equal(second.baseOffset, 2 ** 40 + 3)
  assert.equal(second.partitionLeaderEpoch, 12)
  assert.ok(second.isValidCrc())
  second.baseOffset = -1
  assert.equal(second.baseOffset, -1)
  assert.equal(validateBatches(buf, limits).errorCode, BatchErrorCode.NONE)
})

test('recordBatches iterates whole batches and ignores a partial tail', () => {
  const a = buildTestBatch({ baseOffset: 0, recordCount: 2 })
  const b = buildTestBatch({ baseOffset: 2, recordCount: 3 })
  const full = Buffer.concat([a, b])
  assert.deepEqual([...recordBatches(full)].map(x => x.baseOffset), [0, 2])
  assert.deepEqual([...recordBatches(full.subarray(0, full.length - 1))].map(x => x.baseOffset), [0])
  assert.deepEqual([...recordBatches(full.subarray(0, a.length + 20))].map(x => x.baseOffset), [0])
})

test('validateBatches accepts a set and sums records and timestamps', () => {
  const buf = Buffer.concat([buildTestBatch({ recordCount: 2, firstTimestamp: 10 }), buildTestBatch({ recordCount: 3, firstTimestamp: 30, maxTimestamp: -1 })])
  assert.deepEqual(validateBatches(buf, limits), { errorCode: 0, batchCount: 2, recordCount: 5, maxTimestamp: 30 })
})

test('a bad CRC in the second batch is CORRUPT_MESSAGE', () => {
  const second = buildTestBatch({ recordCount: 3 })
  second[second.length - 1]! ^= 0xff
  const result = validateBatches(Buffer.concat([buildTestBatch(), second]), limits)
  assert.equal(result.errorCode, BatchErrorCode.CORRUPT_MESSAGE)
  assert.ok('batchIndex' in result && result.batchIndex === 1)
})

test('truncated batches and headers are CORRUPT_MESSAGE; empty input too', () => {
  const buf = buildTestBatch({ recordCount: 4 })
  assert.equal(validateBatches(buf.subarray(0, buf.length - 3), limits).errorCode, BatchErrorCode.CORRUPT_MESSAGE)
  assert.equal(validateBatches(buf.subarray(0, 30), limits).errorCode, BatchErrorCode.CORRUPT_MESSAGE)
  assert.equal(validateBatches(Buffer.alloc(0), limits).errorCode, BatchErrorCode.CORRUPT_MESSAGE)
  const tooShort = Buffer.from(buf)
  tooShort.writeInt32BE(10, 8)
  assert.equal(validateBatches(tooShort, limits).errorCode, BatchErrorCode.CORRUPT_MESSAGE)
})

test('magic other than 2 is reported as INVALID_RECORD with the reason', () => {
  const buf = buildTestBatch()
  buf.writeInt8(1, 16)
  const result = validateBatches(buf, limits)
  assert.equal(result.errorCode, BatchErrorCode.INVALID_RECORD)
  assert.match('reason' in result ? result.reason : '', /magic 1/)
})

test('a batch above max.message.bytes is MESSAGE_TOO_LARGE for clients, accepted from replication', () => {
  const buf = buildTestBatch({ recordCount: 10, valueBytes: 100 })
  assert.equal(validateBatches(buf, { maxMessageBytes: buf.length }).errorCode, BatchErrorCode.NONE)
  assert.equal(validateBatches(buf, { maxMessageBytes: buf.length - 1 }).errorCode, BatchErrorCode.MESSAGE_TOO_LARGE)
  assert.equal(validateBatches(buf, { maxMessageBytes: 100, origin: 'replication' }).errorCode, BatchErrorCode.NONE)
})

test('recordsCount that disagrees with lastOffsetDelta is INVALID_RECORD from clients only', () => {
  const buf = buildTestBatch({ recordCount: 3 })
  buf.writeInt32BE(5, 23) // lastOffsetDelta (CRC-covered, so fix the CRC to isolate the check)
  const batch = new RecordBatch(buf)
  buf.writeUInt32BE(batch.computeCrc(), 17)
  assert.equal(validateBatches(buf, limits).errorCode, BatchErrorCode.INVALID_RECORD)
  assert.equal(validateBatches(buf, { ...limits, origin: 'replication' }).errorCode, BatchErrorCode.NONE)
})

test('timestamp limits (CreateTime): a first or largest timestamp outside them is INVALID_TIMESTAMP with Kafka\'s message; -1 and Long.MAX_VALUE limits pass', () => {
  const nowMs = 1_700_000_000_000
  const hour = 3_600_000
  const batch = (firstTimestamp: number, step = 0): Buffer => buildTestBatch({ recordCount: 3, firstTimestamp, timestampStepMs: step })
  const check = (buf: Buffer, beforeMaxMs: number, afterMaxMs: number): ReturnType<typeof validateBatches> =>
    validateBatches(buf, { ...limits, timestampLimits: { nowMs, beforeMaxMs, afterMaxMs } })
  assert.equal(check(batch(nowMs - hour, hour), hour, hour).errorCode, BatchErrorCode.NONE, 'both ends within: [now - 1 h, now + 1 h]')
  assert.deepEqual(check(batch(nowMs, hour), hour, hour / 2), {
    errorCode: BatchErrorCode.INVALID_TIMESTAMP,
    reason: `Timestamp ${nowMs + 2 * hour} of message with offset 2 is out of range. The timestamp should be within [${nowMs - hour}, ${nowMs + hour / 2}]`,
    batchIndex: 0,
  })
  assert.match((check(batch(nowMs - 2 * hour), hour, Number.MAX_SAFE_INTEGER) as { reason: string }).reason,
    new RegExp(`^Timestamp ${nowMs - 2 * hour} of message with offset 0 .* within \\[${nowMs - hour}, ${BigInt(nowMs) + 2n ** 63n - 1n}\\]$`))
  assert.equal(check(batch(-1), hour, hour).errorCode, BatchErrorCode.NONE, 'no timestamp (-1) is never out of range')
  assert.equal(check(batch(-(2 ** 62)), Number.MAX_SAFE_INTEGER, hour).errorCode, BatchErrorCode.NONE, 'no limit before now')
  assert.equal(check(batch(2 ** 62), hour, Number.MAX_SAFE_INTEGER).errorCode, BatchErrorCode.NONE, 'no limit after now')
})
