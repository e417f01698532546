import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../logger.js'
import { LocalLog, type LocalLogState } from './local-log.js'
import { defaultLogConfig, type LogConfig } from './log-config.js'
import { buildTestBatch } from './support/sample-batch.js'
import { batchRanges, openInTempDir } from './support/temp-log.js'

const NOW_MS = 1_700_000_000_000

/** A LocalLog in `<temp>/users-0` at NOW_MS unless `opened` says otherwise (openInTempDir). */
function openLocalLog (t: { after: (fn: () => void) => void }, config: Partial<LogConfig> = {}, opened: LocalLogState = {}): { log: LocalLog, dir: string, reopen: (state?: LocalLogState) => LocalLog } {
  const full = { ...defaultLogConfig, ...config }
  return openInTempDir(t, (dir, state = {}) => LocalLog.open(dir, full, silentLogger(), { now: () => NOW_MS, ...opened, ...state }, NOW_MS).log, opened)
}

/** Appends a batch of `recordCount` records at `baseOffset`, its offsets final as LocalLog expects. */
function appendAt (log: LocalLog, baseOffset: number, recordCount = 5): void {
  log.append(buildTestBatch({ baseOffset, recordCount, valueBytes: 100 }), baseOffset + recordCount - 1, recordCount)
}

const BATCH_BYTES = buildTestBatch({ recordCount: 5, valueBytes: 100 }).length

test('append moves the log end; read returns whole batches below maxOffset, empty at the log end', (t) => {
  const { log } = openLocalLog(t)
  for (let offset = 0; offset < 20; offset += 5) appendAt(log, offset)
  assert.equal(log.logEndOffset, 20)
  assert.equal(log.unflushedRecords, 20)
  assert.deepEqual(batchRanges(log.read(7, 1 << 20, 20, true)), [[5, 9], [10, 14], [15, 19]], 'from the batch holding the offset')
  assert.deepEqual(batchRanges(log.read(0, 1 << 20, 15, true)), [[0, 4], [5, 9], [10, 14]], 'maxOffset is exclusive')
  assert.deepEqual(batchRanges(log.read(0, BATCH_BYTES + 1, 20, true)), [[0, 4]], 'maxBytes cuts at a whole batch')
  assert.deepEqual(batchRanges(log.read(0, 1, 20, true)), [[0, 4]], 'minOneMessage returns a batch larger than maxBytes')
  assert.equal(log.read(0, 1, 20, false).length, 0)
  assert.equal(log.read(20, 1 << 20, 100, true).length, 0, 'reading at the log end is empty')
  const pooled: number[] = []
  log.read(0, 1 << 20, 20, true, size => { pooled.push(size); return Buffer.allocUnsafe(size) })
  assert.ok(pooled.length > 0, 'reads go into the buffers allocate gives')
})

test('shouldRoll by segment.bytes; roll starts a segment at its base offset and its fsync moves the recovery point', async (t) => {
  const { log, dir } = openLocalLog(t, { 'segment.bytes': BATCH_BYTES * 2 })
  appendAt(log, 0)
  assert.equal(log.shouldRoll(BATCH_BYTES, 9, NOW_MS, NOW_MS), null, 'two batches fit')
  appendAt(log, 5)
  assert.equal(log.shouldRoll(BATCH_BYTES, 14, NOW_MS, NOW_MS), 'segment.bytes')
  assert.equal(log.recoveryPoint, 0)
  await log.roll(10, NOW_MS)
  assert.deepEqual(log.segments.baseOffsets, [0, 10])
  assert.ok(readdirSync(dir).includes('00000000000000000010.log'))
  assert.equal(log.recoveryPoint, 10, 'the finished segment is on disk')
  appendAt(log, 10)
  assert.equal(log.logEndOffset, 15)
  assert.deepEqual(batchRanges(log.read(5, 1 << 20, 15, true)), [[5, 9]], 'one read stays within one segment')
  assert.deepEqual(batchRanges(log.read(10, 1 << 20, 15, true)), [[10, 14]])
})

test('roll replaces an empty active segment: a follower batch past the int32 relative offset', async (t) => {
  const { log, dir } = openLocalLog(t)
  const far = 2 ** 31 + 5
  assert.equal(log.shouldRoll(BATCH_BYTES, far + 4, NOW_MS, NOW_MS), 'relative offset overflow')
  await log.roll(far, NOW_MS)
  assert.deepEqual(log.segments.baseOffsets, [far])
  assert.equal(existsSync(join(dir, '00000000000000000000.log')), false, 'the empty segment is gone')
  appendAt(log, far)
  assert.equal(log.logEndOffset, far + 5)
  assert.deepEqual(batchRanges(log.read(far, 1 << 20, far + 5, true)), [[far, far + 4]])
})

test('truncateTo drops later segments and the whole batch holding the offset; the recovery point follows', async (t) => {
  const { log } = openLocalLog(t)
  for (let offset = 0; offset < 15; offset += 5) appendAt(log, offset)
  await log.roll(15, NOW_MS)
  appendAt(log, 15)
  log.flush()
  assert.equal(log.recoveryPoint, 20)
  log.truncateTo(7)
  assert.deepEqual(log.segments.baseOffsets, [0])
  assert.equal(log.logEndOffset, 5, 'batch [5, 9] goes whole')
  assert.equal(log.recoveryPoint, 5)
  assert.deepEqual(batchRanges(log.read(0, 1 << 20, 100, true)), [[0, 4]])
  appendAt(log, 5)
  assert.deepEqual(batchRanges(log.read(5, 1 << 20, 100, true)), [[5, 9]], 'appends continue at the new log end')
})

test('truncateFullyAndStartAt empties the log at a new offset; deleteOldestSegments never takes the active one', async (t) => {
  const { log, dir } = openLocalLog(t)
  appendAt(log, 0)
  await log.roll(5, NOW_MS)
  appendAt(log, 5)
  assert.equal(log.deleteOldestSegments(['retention.ms', 'retention.ms']), 1)
  assert.deepEqual(log.segments.baseOffsets, [5])
  log.truncateFullyAndStartAt(100)
  assert.deepEqual(log.segments.baseOffsets, [100])
  assert.equal(log.logEndOffset, 100)
  assert.equal(log.recoveryPoint, 100)
  assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.log')), ['00000000000000000100.log'])
})

test('flush moves the recovery point to the log end; a reopen keeps the checkpointed one unless the shutdown was clean', (t) => {
  let nowMs = NOW_MS
  const { log, reopen } = openLocalLog(t, {}, { now: () => nowMs })
  appendAt(log, 0, 3)
  assert.equal(log.unflushedRecords, 3)
  nowMs += 1000
  log.flush()
  assert.equal(log.recoveryPoint, 3)
  assert.equal(log.unflushedRecords, 0)
  assert.equal(log.lastFlushMs, nowMs)
  appendAt(log, 3, 2)
  log.close()
  assert.equal(log.isClosed, true)
  const unclean = reopen({ recoveryPoint: 3 })
  assert.equal(unclean.logEndOffset, 5)
  assert.equal(unclean.recoveryPoint, 3, 'after an unclean shutdown only the checkpointed recovery point is trusted')
  unclean.close()
  const clean = reopen({ hadCleanShutdown: true, recoveryPoint: 0 })
  assert.equal(clean.recoveryPoint, 5, 'after a clean shutdown everything is on disk')
})
