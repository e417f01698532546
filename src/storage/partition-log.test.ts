import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { recordBatches } from '../protocol/records/record-batch.js'
import { defaultLogConfig, type LogConfig } from './log-config.js'
import { buildTestBatch } from './support/sample-batch.js'
import { batchRanges, openTestLog, readAll } from './support/temp-log.js'

test('appendAsLeader assigns offsets from the log end and stamps the leader epoch in place', (t) => {
  const { log } = openTestLog(t)
  const first = buildTestBatch({ recordCount: 3 })
  assert.deepEqual(log.appendAsLeader(first, 4), { errorCode: 0, baseOffset: 0, lastOffset: 2, logAppendTimeMs: -1, recordCount: 3, logStartOffset: 0 })
  const set = Buffer.concat([buildTestBatch({ recordCount: 2 }), buildTestBatch({ recordCount: 5 })])
  const second = log.appendAsLeader(set, 4)
  assert.equal(second.errorCode, 0)
  assert.ok(second.errorCode === 0 && second.baseOffset === 3 && second.lastOffset === 9)
  assert.equal(log.logEndOffset, 10)
  const read = log.read(0, 1 << 20, 10)
  assert.ok(read.errorCode === 0)
  assert.deepEqual(batchRanges(read.records), [[0, 2], [3, 4], [5, 9]])
  assert.ok([...recordBatches(read.records)].every(b => b.partitionLeaderEpoch === 4 && b.isValidCrc()))
  assert.deepEqual(log.leaderEpochCache.epochEntries, [{ epoch: 4, startOffset: 0 }])
})

test('invalid batches are answered with an error code and leave the log as it was', (t) => {
  const { log } = openTestLog(t, { 'max.message.bytes': 500, 'segment.bytes': 2000 })
  const corrupt = buildTestBatch({ recordCount: 2 })
  corrupt[corrupt.length - 1]! ^= 1
  assert.equal(log.appendAsLeader(corrupt, 0).errorCode, 2)
  assert.equal(log.appendAsLeader(buildTestBatch({ recordCount: 10, valueBytes: 100 }), 0).errorCode, 10)
  const many = Buffer.concat(Array.from({ length: 10 }, () => buildTestBatch({ recordCount: 3, valueBytes: 50 })))
  assert.equal(log.appendAsLeader(many, 0).errorCode, 18)
  assert.equal(log.logEndOffset, 0)
})

test('read returns whole batches: from inside a batch, up to maxBytes, at least one, below maxOffset', (t) => {
  const { log } = openTestLog(t)
  for (let i = 0; i < 5; i++) log.appendAsLeader(buildTestBatch({ recordCount: 10, valueBytes: 20 }), 0)
  const batchBytes = buildTestBatch({ recordCount: 10, valueBytes: 20 }).length
  const at = (offset: number, maxBytes: number, maxOffset = 50, minOne = true): Array<[number, number]> => {
    const r = log.read(offset, maxBytes, maxOffset, minOne)
    assert.equal(r.errorCode, 0)
    return r.errorCode === 0 ? batchRanges(r.records) : []
  }
  assert.deepEqual(at(15, 1 << 20), [[10, 19], [20, 29], [30, 39], [40, 49]], 'an offset inside a batch returns that whole batch')
  assert.deepEqual(at(0, batchBytes * 2 + 10), [[0, 9], [10, 19]], 'maxBytes cuts at a whole batch')
  assert.deepEqual(at(20, 1), [[20, 29]], 'minOneMessage returns one batch larger than maxBytes')
  assert.deepEqual(at(20, 1, 50, false), [])
  assert.deepEqual(at(0, 1 << 20, 30), [[0, 9], [10, 19], [20, 29]], 'maxOffset (high watermark) is exclusive')
  assert.deepEqual(at(30, 1 << 20, 30), [])
  assert.deepEqual(at(50, 1 << 20), [], 'reading at the log end is empty')
  const response = log.read(51, 100, 50)
  assert.deepEqual(response, { errorCode: 1, logStartOffset: 0, logEndOffset: 50 })
})

test('rolls by segment.bytes into 20-digit named segments; reads cross them', (t) => {
  const batch = buildTestBatch({ recordCount: 5, valueBytes: 100 })
  const { log, dir } = openTestLog(t, { 'segment.bytes': batch.length * 3, 'index.interval.bytes': 100 })
  for (let i = 0; i < 10; i++) log.appendAsLeader(buildTestBatch({ recordCount: 5, valueBytes: 100 }), 0)
  assert.deepEqual(log.segmentBaseOffsets, [0, 15, 30, 45])
  assert.ok(readdirSync(dir).includes('00000000000000000015.log'))
  assert.ok(readdirSync(dir).includes('00000000000000000015.index'))
  assert.ok(readdirSync(dir).includes('00000000000000000015.timeindex'))
  assert.equal(readAll(log).length, 10)
  const r = log.read(17, 1 << 20, 50)
  assert.ok(r.errorCode === 0)
  assert.deepEqual(batchRanges(r.records), [[15, 19], [20, 24], [25, 29]], 'one read stays within one segment')
})

test('rolls by segment.ms counted from the first batch timestamp', (t) => {
  let nowMs = 1_000_000
  const { log } = openTestLog(t, { 'segment.ms': 60_000 }, { now: () => nowMs })
  log.appendAsLeader(buildTestBatch({ firstTimestamp: nowMs }), 0)
  nowMs += 30_000
  log.appendAsLeader(buildTestBatch({ firstTimestamp: nowMs }), 0)
  assert.equal(log.segmentCount, 1)
  nowMs += 31_000
  log.appendAsLeader(buildTestBatch({ firstTimestamp: nowMs }), 0)
  assert.deepEqual(log.segmentBaseOffsets, [0, 2])
})

/** Seconds from a log's first batch to the append that rolls it, appending one batch a second. */
function secondsUntilRoll (t: { after: (fn: () => void) => void }, config: Partial<LogConfig>, random?: () => number): number {
  let nowMs = 1_000_000
  const { log } = openTestLog(t, config, { now: () => nowMs, random })
  for (let seconds = 0; seconds < 1000; seconds++, nowMs += 1000) {
    log.appendAsLeader(buildTestBatch({ firstTimestamp: nowMs }), 0)
    if (log.segmentCount > 1) return seconds
  }
  assert.fail('the log never rolled')
}

test('segment.jitter.ms: a segment rolls sooner by a share drawn below min(jitter, segment.ms)', (t) => {
  assert.equal(secondsUntilRoll(t, { 'segment.ms': 60_000 }), 61)
  // random 0.5 draws half of min(40 s, 60 s): 20 s sooner
  assert.equal(secondsUntilRoll(t, { 'segment.ms': 60_000, 'segment.jitter.ms': 40_000 }, () => 0.5), 41)
  assert.equal(secondsUntilRoll(t, { 'segment.ms': 60_000, 'segment.jitter.ms': 90_000 }, () => 0.5), 31)
})

test('KIP-354: a compacted log rolls by max.compaction.lag.ms when it is sooner than segment.ms', (t) => {
  assert.equal(secondsUntilRoll(t, { 'cleanup.policy': ['compact'], 'segment.ms': 60_000, 'max.compaction.lag.ms': 10_000 }), 11)
  assert.equal(secondsUntilRoll(t, { 'cleanup.policy': ['delete'], 'segment.ms': 60_000, 'max.compaction.lag.ms': 10_000 }), 61, 'without compact, segment.ms alone')
})

test('retention by time and by bytes deletes old segments and moves logStartOffset', (t) => {
  let nowMs = 10_000_000
  const batch = (ts: number): Buffer => buildTestBatch({ recordCount: 5, valueBytes: 100, firstTimestamp: ts })
  const size = batch(0).length
  const { log } = openTestLog(t, { 'segment.bytes': size * 2, 'retention.ms': 60_000, 'retention.bytes': -1 }, { now: () => nowMs })
  for (let i = 0; i < 8; i++) log.appendAsLeader(batch(nowMs - 100_000 + i * 10_000), 0)
  assert.deepEqual(log.segmentBaseOffsets, [0, 10, 20, 30])
  assert.equal(log.deleteRetentionBreachedSegments(), 0, 'nothing below the high watermark yet')
  log.highWatermark = log.logEndOffset
  // Segments' largest timestamps: -90s, -70s, -50s, -30s (active). retention.ms 60s deletes two.
  assert.equal(log.deleteRetentionBreachedSegments(), 2)
  assert.equal(log.logStartOffset, 20)
  assert.deepEqual(log.read(5, 100, 40), { errorCode: 1, logStartOffset: 20, logEndOffset: 40 })
  log.updateConfig({ ...defaultLogConfig, 'segment.bytes': size * 2, 'retention.ms': -1, 'retention.bytes': size * 2 })
  log.appendAsLeader(batch(nowMs), 0)
  assert.deepEqual(log.segmentBaseOffsets, [20, 30, 40])
  // 5 batches against a limit of 2: deleting [20, 30) leaves 3, deleting [30, 40) too would leave 1.
  assert.equal(log.deleteRetentionBreachedSegments(), 1)
  assert.equal(log.logStartOffset, 30)
})

test('truncateTo in the middle of a segment and across segments; indexes and epochs follow', (t) => {
  const batch = (): Buffer => buildTestBatch({ recordCount: 5, valueBytes: 100 })
  const { log, reopen } = openTestLog(t, { 'segment.bytes': batch().length * 4, 'index.interval.bytes': 1 })
  for (let i = 0; i < 12; i++) log.appendAsLeader(batch(), Math.floor(i / 3))
  assert.deepEqual(log.segmentBaseOffsets, [0, 20, 40])
  assert.deepEqual(log.leaderEpochCache.epochEntries.map(e => [e.epoch, e.startOffset]), [[0, 0], [1, 15], [2, 30], [3, 45]])
  log.highWatermark = 60
  log.truncateTo(50)
  assert.equal(log.logEndOffset, 50)
  assert.equal(log.highWatermark, 50)
  assert.deepEqual(readAll(log).at(-1), [45, 49])
  log.truncateTo(33) // inside batch [30, 34]: the whole batch goes
  assert.equal(log.logEndOffset, 30)
  assert.deepEqual(log.segmentBaseOffsets, [0, 20])
  assert.deepEqual(log.leaderEpochCache.epochEntries.map(e => e.epoch), [0, 1])
  assert.deepEqual(readAll(log).at(-1), [25, 29])
  const appended = log.appendAsLeader(batch(), 7)
  assert.ok(appended.errorCode === 0 && appended.baseOffset === 30)
  log.truncateTo(20)
  assert.deepEqual(log.segmentBaseOffsets, [0])
  assert.equal(log.logEndOffset, 20)
  assert.deepEqual(log.read(20, 100, 100), { errorCode: 0, records: Buffer.alloc(0), highWatermark: 20, logStartOffset: 0, logEndOffset: 20 })
  log.close()
  const reopened = reopen({ hadCleanShutdown: true, recoveryPoint: 20 })
  assert.equal(reopened.logEndOffset, 20)
  assert.equal(readAll(reopened).length, 4)
})

test('appendAsFollower keeps offsets and epochs; refuses offsets below the log end', (t) => {
  const { log } = openTestLog(t)
  const fromLeader = Buffer.concat([buildTestBatch({ baseOffset: 0, recordCount: 3, partitionLeaderEpoch: 1 }), buildTestBatch({ baseOffset: 3, recordCount: 2, partitionLeaderEpoch: 2 })])
  assert.equal(log.appendAsFollower(fromLeader).errorCode, 0)
  assert.equal(log.logEndOffset, 5)
  assert.deepEqual(log.leaderEpochCache.epochEntries, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 3 }])
  assert.equal(log.appendAsFollower(buildTestBatch({ baseOffset: 4 })).errorCode, 87)
  assert.equal(log.appendAsFollower(buildTestBatch({ baseOffset: 5, recordCount: 2, partitionLeaderEpoch: 2 })).errorCode, 0)
  assert.equal(log.logEndOffset, 7)
})

test('offsetForTimestamp uses the time index then a batch scan', (t) => {
  const { log } = openTestLog(t, { 'index.interval.bytes': 1 })
  for (let i = 0; i < 20; i++) log.appendAsLeader(buildTestBatch({ recordCount: 2, firstTimestamp: 1000 + i * 100, timestampStepMs: 10 }), 0)
  assert.deepEqual(log.offsetForTimestamp(1000), { offset: 0, timestamp: 1000 })
  assert.deepEqual(log.offsetForTimestamp(1500), { offset: 10, timestamp: 1500 })
  assert.deepEqual(log.offsetForTimestamp(1505), { offset: 11, timestamp: 1510 }, 'inside a batch: the first record at or after it, as Kafka answers')
  assert.equal(log.offsetForTimestamp(99_999), null)
  assert.deepEqual(log.offsetForTimestamp(-2), { offset: 0, timestamp: -1 })
  log.highWatermark = 12
  assert.deepEqual(log.offsetForTimestamp(-1), { offset: 12, timestamp: -1 })
})

test('Sarama maxTimestamp -1 never reaches the time index', (t) => {
  const { log } = openTestLog(t, { 'index.interval.bytes': 1 })
  for (let i = 0; i < 5; i++) log.appendAsLeader(buildTestBatch({ firstTimestamp: 5000 + i, maxTimestamp: -1 }), 0)
  assert.deepEqual(log.offsetForTimestamp(5003), { offset: 3, timestamp: 5003 })
})

test('deleteRecordsBefore moves the log start offset up to the high watermark', (t) => {
  const { log } = openTestLog(t, { 'segment.bytes': 500 })
  for (let i = 0; i < 10; i++) log.appendAsLeader(buildTestBatch({ recordCount: 2, valueBytes: 100 }), 0)
  assert.deepEqual(log.deleteRecordsBefore(5), { errorCode: 1, lowWatermark: 0 })
  log.highWatermark = 20
  const segments = log.segmentCount
  assert.deepEqual(log.deleteRecordsBefore(7), { errorCode: 0, lowWatermark: 7 })
  assert.ok(log.segmentCount < segments)
  const r = log.read(7, 1 << 20, 20)
  assert.ok(r.errorCode === 0 && batchRanges(r.records)[0]![0] === 6, 'the batch holding the new log start is kept')
  assert.equal(log.read(5, 100, 20).errorCode, 1)
})

test('truncateFullyAndStartAt empties the log at a new offset; delete removes the directory', (t) => {
  const { log, dir } = openTestLog(t)
  log.appendAsLeader(buildTestBatch({ recordCount: 5 }), 3)
  log.truncateFullyAndStartAt(100)
  assert.equal(log.logStartOffset, 100)
  assert.equal(log.logEndOffset, 100)
  assert.deepEqual(log.leaderEpochCache.epochEntries, [])
  assert.ok(readdirSync(dir).includes('00000000000000000100.log'))
  const r = log.appendAsLeader(buildTestBatch(), 4)
  assert.ok(r.errorCode === 0 && r.baseOffset === 100)
  log.delete()
  assert.equal(existsSync(dir), false)
})

test('message.timestamp.type=LogAppendTime stamps each batch with the broker clock and a valid CRC', (t) => {
  const { log } = openTestLog(t, { 'message.timestamp.type': 'LogAppendTime' }, { now: () => 5_000_000 })
  const result = log.appendAsLeader(buildTestBatch({ recordCount: 3, firstTimestamp: 1000 }), 0)
  assert.equal(result.errorCode, 0)
  assert.equal(result.errorCode === 0 ? result.logAppendTimeMs : undefined, 5_000_000)
  const read = log.read(0, 1 << 20, log.logEndOffset)
  assert.equal(read.errorCode, 0)
  const batch = [...recordBatches(read.errorCode === 0 ? read.records : Buffer.alloc(0))][0]
  assert.ok(batch !== undefined)
  assert.equal(batch.timestampType, 1)
  assert.equal(batch.maxTimestamp, 5_000_000)
  assert.ok(batch.isValidCrc(), 'the CRC covers the new attributes and maxTimestamp')
  assert.deepEqual(log.offsetForTimestamp(4_000_000), { offset: 0, timestamp: 5_000_000 }, 'time lookups use the append time')
})
