import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../logger.js'
import { crc32c } from '../protocol/primitives/crc32c.js'
import { Compression } from '../protocol/records/compression.js'
import { type RecordBatch, recordBatches } from '../protocol/records/record-batch.js'
import { buildRecordBatch, decodeRecordBatches, type RecordInput } from '../protocol/records/record.js'
import { defaultLogConfig, type LogConfig } from './log-config.js'
import { LogManager, type LogManagerTimers } from './log-manager.js'
import type { PartitionLog } from './partition-log.js'
import { batchRanges, openTestLog, readAll } from './support/temp-log.js'

// segment.ms -1: every append call whose timestamp does not go back rolls, so each append below is one segment.
const COMPACT: Partial<LogConfig> = { 'cleanup.policy': ['compact'], 'segment.ms': -1 }
const T0 = 1_700_000_000_000

function batch (records: Array<[string | null, string | null]>, compression: Compression = Compression.none, timestamp = T0): Buffer {
  const input: RecordInput[] = records.map(([key, value]) => ({ key, value, timestamp }))
  return buildRecordBatch({ records: input, compression })
}

function append (log: PartitionLog, ...batches: Buffer[]): void {
  const result = log.appendAsLeader(Buffer.concat(batches), 3)
  assert.equal(result.errorCode, 0)
  log.highWatermark = log.logEndOffset
}

/** Every record the log holds, as `offset key=value` (tombstones `key=null`). */
function records (log: PartitionLog): string[] {
  const out: string[] = []
  let offset = log.logStartOffset
  while (offset < log.logEndOffset) {
    const read = log.read(offset, 1 << 20, log.logEndOffset)
    assert.ok(read.errorCode === 0)
    const batches = decodeRecordBatches(read.records)
    assert.ok(batches.length > 0, `nothing read at ${offset}`)
    for (const b of batches) for (const r of b.records) out.push(`${r.offset} ${r.key?.toString() ?? 'null'}=${r.value?.toString() ?? 'null'}`)
    offset = batches.at(-1)!.baseOffset + batches.at(-1)!.lastOffsetDelta + 1
  }
  return out
}

function firstBatch (log: PartitionLog, offset: number): RecordBatch {
  const read = log.read(offset, 1, log.logEndOffset)
  assert.ok(read.errorCode === 0)
  return [...recordBatches(read.records)][0]!
}

function activeLogFile (dir: string): string {
  return readdirSync(dir).filter(n => n.endsWith('.log')).sort().at(-1)!
}

test('overwritten keys keep only their latest value; offsets are preserved and the active segment is untouched', async (t) => {
  const { log, dir, reopen } = openTestLog(t, COMPACT)
  append(log, batch([['a', '1'], ['b', '1'], ['c', '1']]))
  append(log, batch([['a', '2']]))
  append(log, batch([['b', '2'], ['a', '3']]))
  append(log, batch([['c', '2']]))
  assert.equal(log.segmentCount, 4)
  const activeBytes = readFileSync(join(dir, activeLogFile(dir)))
  const sizeBefore = log.size

  const result = await log.compact()
  assert.ok(result !== null)
  assert.deepEqual({ segmentsCleaned: result.segmentsCleaned, recordsRemoved: result.recordsRemoved, cleanedUpTo: result.cleanedUpTo }, { segmentsCleaned: 2, recordsRemoved: 3, cleanedUpTo: 6 })
  // c=1 stays: its newer value is in the active segment, which the map does not cover.
  assert.deepEqual(records(log), ['2 c=1', '4 b=2', '5 a=3', '6 c=2'])
  assert.deepEqual(readFileSync(join(dir, activeLogFile(dir))), activeBytes)
  assert.equal(log.segmentCount, 4)
  assert.ok(log.size < sizeBefore)
  assert.equal(existsSync(join(dir, '00000000000000000000.log.cleaned')) || existsSync(join(dir, '00000000000000000000.log.swap')), false)

  // Fetch semantics: whole batches, offsets increasing with gaps, a fetch inside a gap gets the next batch.
  assert.deepEqual(readAll(log), [[2, 2], [4, 5], [6, 6]])
  const fromGap = log.read(3, 1 << 20, log.logEndOffset)
  assert.ok(fromGap.errorCode === 0)
  assert.deepEqual(batchRanges(fromGap.records), [[4, 5]], 'one segment per read')
  const first = firstBatch(log, 0)
  assert.ok(first.isValidCrc())
  assert.deepEqual([first.baseOffset, first.lastOffsetDelta, first.partitionLeaderEpoch, first.firstTimestamp], [2, 0, 3, T0])

  assert.equal((await log.compact())!.segmentsCleaned, 0, 'a second pass finds nothing to remove')
  log.close()
  assert.deepEqual(records(reopen({ hadCleanShutdown: false, recoveryPoint: 0 })), ['2 c=1', '4 b=2', '5 a=3', '6 c=2'])
})

test('gzip batches are inflated: partly kept ones are rebuilt uncompressed, wholly kept ones copied compressed', async (t) => {
  const { log } = openTestLog(t, COMPACT)
  append(log, batch([['a', '1'], ['b', '1'], ['x', '1'], ['c', '1']], Compression.gzip))
  append(log, batch([['a', '2'], ['d', '1'], ['x', '2']], Compression.gzip))
  append(log, batch([['e', '1']]))
  await log.compact()
  assert.deepEqual(records(log), ['1 b=1', '3 c=1', '4 a=2', '5 d=1', '6 x=2', '7 e=1'])
  const read = log.read(0, 1 << 20, log.logEndOffset)
  assert.ok(read.errorCode === 0)
  const [rebuilt] = [...recordBatches(read.records)]
  assert.deepEqual([rebuilt!.baseOffset, rebuilt!.lastOffsetDelta, rebuilt!.recordsCount, rebuilt!.compressionCodec], [1, 2, 2, Compression.none])
  assert.ok(rebuilt!.isValidCrc())
  const copied = firstBatch(log, 4)
  assert.equal(copied.compressionCodec, Compression.gzip)
})

test('a batch whose timestamps a number cannot hold exactly is kept whole, not rebuilt with rounded ones', async (t) => {
  const { log } = openTestLog(t, COMPACT)
  const odd = 2n ** 53n + 1n
  const stamped = (records: Array<[string, string]>): Buffer => {
    const b = batch(records)
    b.writeBigInt64BE(odd, 27)
    b.writeBigInt64BE(odd, 35)
    b.writeUInt32BE(crc32c(b, 21, b.length), 17)
    return b
  }
  append(log, stamped([['a', '1'], ['b', '1']]))
  append(log, stamped([['a', '2']]))
  append(log, stamped([['c', '1']]))
  await log.compact()
  assert.deepEqual(records(log), ['0 a=1', '1 b=1', '2 a=2', '3 c=1'], 'a=1 stays: its batch is copied')
  const first = firstBatch(log, 0)
  assert.equal(first.buffer.readBigInt64BE(first.position + 27), odd)
})

test('tombstones stay until delete.retention.ms past their batch timestamp, then go; null keys stay', async (t) => {
  const { log } = openTestLog(t, { ...COMPACT, 'delete.retention.ms': 100 })
  append(log, batch([['a', '1'], [null, 'n'], ['b', '1']], Compression.none, T0))
  append(log, batch([['a', null]], Compression.none, T0 + 50))
  append(log, batch([['b', '2']], Compression.none, T0 + 60))
  append(log, batch([['z', '1']], Compression.none, T0 + 70))
  await log.compact(T0 + 150)
  assert.deepEqual(records(log), ['1 null=n', '3 a=null', '4 b=2', '5 z=1'])
  await log.compact(T0 + 151)
  assert.deepEqual(records(log), ['1 null=n', '4 b=2', '5 z=1'])
  assert.deepEqual(readAll(log), [[1, 1], [4, 4], [5, 5]], 'the emptied segment reads as nothing')
})

test('only segments wholly below the high watermark are cleaned', async (t) => {
  const { log } = openTestLog(t, COMPACT)
  append(log, batch([['a', '1']]))
  append(log, batch([['a', '2']]))
  append(log, batch([['a', '3']]))
  append(log, batch([['a', '4']]))
  log.highWatermark = 0
  assert.equal(await log.compact(), null)
  log.highWatermark = 2
  await log.compact()
  // a=2 (offset 1) is the latest below the high watermark; a=3 may still be truncated away.
  assert.deepEqual(records(log), ['1 a=2', '2 a=3', '3 a=4'])
})

test('a crash leaves .cleaned (deleted on load) or .swap (completed on load) and the log stays consistent', async (t) => {
  const { log, dir, reopen } = openTestLog(t, COMPACT)
  append(log, batch([['a', '1'], ['b', '1']]))
  append(log, batch([['a', '2']]))
  append(log, batch([['c', '1']]))
  log.flush()
  const segment0 = '00000000000000000000.log'
  const names = readdirSync(dir).filter(n => n.startsWith('00000000000000000000.'))
  const before = names.map(n => readFileSync(join(dir, n)))
  await log.compact()
  const cleaned = readFileSync(join(dir, segment0))
  log.close()

  // Crash after the rename to .swap: the old segment files are still there.
  names.forEach((n, i) => writeFileSync(join(dir, n), before[i]!))
  writeFileSync(join(dir, `${segment0}.swap`), cleaned)
  writeFileSync(join(dir, '00000000000000000002.log.cleaned'), 'half written')
  const recovered = reopen({ hadCleanShutdown: false, recoveryPoint: 3 })
  assert.deepEqual(records(recovered), ['1 b=1', '2 a=2', '3 c=1'])
  assert.deepEqual(readdirSync(dir).filter(n => n.endsWith('.swap') || n.endsWith('.cleaned')), [])
  recovered.close()

  // Crash before the swap: only a .cleaned next to the untouched segment.
  names.forEach((n, i) => writeFileSync(join(dir, n), before[i]!))
  writeFileSync(join(dir, `${segment0}.cleaned`), cleaned)
  const untouched = reopen({ hadCleanShutdown: true })
  assert.deepEqual(records(untouched), ['0 a=1', '1 b=1', '2 a=2', '3 c=1'])
  assert.equal(existsSync(join(dir, `${segment0}.cleaned`)), false)
})

test('retention by time and size skips compact-only logs; the log start offset still deletes', async (t) => {
  const { log } = openTestLog(t, { ...COMPACT, 'retention.ms': 0, 'retention.bytes': 0 })
  for (let i = 0; i < 3; i++) append(log, batch([[`k${i}`, 'v']]))
  assert.equal(log.deleteRetentionBreachedSegments(), 0)
  assert.equal(log.deleteRecordsBefore(1).errorCode, 0)
  assert.equal(log.segmentCount, 2)
  log.updateConfig({ ...log.logConfig, 'cleanup.policy': ['compact', 'delete'] })
  assert.equal(log.deleteRetentionBreachedSegments(), 1)
})

function fakeTimers (): LogManagerTimers & { fireEvery: (ms: number) => void } {
  const tasks: Array<{ task: () => void, ms: number }> = []
  return {
    setInterval: (task, ms) => { tasks.push({ task, ms }); return tasks.length },
    clearInterval: () => {},
    fireEvery: (ms) => { for (const entry of tasks) if (entry.ms === ms) entry.task() },
  }
}

test('LogManager cleans compacted logs whose dirty ratio exceeds min.cleanable.dirty.ratio, every log.cleaner.backoff.ms', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'log-cleaner-'))
  const timers = fakeTimers()
  const manager = LogManager.open({ logDirs: [root], logConfig: () => defaultLogConfig, logger: silentLogger(), timers, cleanerBackoffMs: 777 })
  t.after(async () => {
    await manager.shutdown()
    rmSync(root, { recursive: true, force: true })
  })
  manager.startup()
  const config = { ...defaultLogConfig, ...COMPACT }
  const compacted = manager.getOrCreateLog('offsets', 0, 'q6Xx1ENUQ6-vvMJ2FJQ3Bw', config)
  const plain = manager.getOrCreateLog('plain', 0, 'AAAAAAAAAAAAAAAAAAAAAA', { ...config, 'cleanup.policy': ['delete'] })
  for (const log of [compacted, plain]) for (const v of ['1', '2', '3']) append(log, batch([['k', v]]))
  assert.equal(compacted.cleanableState().dirtyRatio, 1)
  timers.fireEvery(777)
  await manager.whenCleanerIdle()
  assert.deepEqual(records(compacted), ['1 k=2', '2 k=3'])
  assert.equal(records(plain).length, 3, 'cleanup.policy=delete is never compacted')
  assert.equal(compacted.cleanableState().dirtyRatio, 0)
  assert.equal(await manager.runCleaner(), null)

  // k=3's segment stops being active: dirty beside the two cleaned ones (one of them emptied).
  append(compacted, batch([['k', '4']]))
  const ratio = compacted.cleanableState().dirtyRatio
  assert.ok(ratio > 0 && ratio < 0.6, `ratio ${ratio}`)
  // Kafka's LogCleanerManager cleans a log whose ratio is above the setting, not at it
  compacted.updateConfig({ ...config, 'min.cleanable.dirty.ratio': ratio })
  assert.equal(await manager.runCleaner(), null)
  compacted.updateConfig({ ...config, 'min.cleanable.dirty.ratio': ratio - 0.01 })
  assert.equal(await manager.runCleaner(), compacted)
  assert.deepEqual(records(compacted), ['2 k=3', '3 k=4'])
})

test('KIP-354: dirty records older than max.compaction.lag.ms get a log cleaned below min.cleanable.dirty.ratio', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'log-cleaner-'))
  let nowMs = T0
  const manager = LogManager.open({ logDirs: [root], logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers(), now: () => nowMs })
  t.after(async () => {
    await manager.shutdown()
    rmSync(root, { recursive: true, force: true })
  })
  // a ratio of 1 is never exceeded: only the lag can make this log cleanable
  const log = manager.getOrCreateLog('lagged', 0, 'q6Xx1ENUQ6-vvMJ2FJQ3Bw', { ...defaultLogConfig, ...COMPACT, 'min.cleanable.dirty.ratio': 1, 'max.compaction.lag.ms': 60_000 })
  for (const v of ['1', '2', '3']) append(log, batch([['k', v]]))
  const before = log.cleanableState(nowMs)
  assert.deepEqual([before.dirtyRatio, before.compactionDelayMs], [1, 0])
  assert.ok(before.cleanableBytes > 0)
  assert.equal(await manager.runCleaner(), null)
  nowMs = T0 + 60_001
  assert.equal(log.cleanableState(nowMs).compactionDelayMs, 1, 'the oldest dirty segment\'s first batch is 1 ms past the lag')
  assert.equal(await manager.runCleaner(), log)
  assert.deepEqual(records(log), ['1 k=2', '2 k=3'])
  assert.equal(await manager.runCleaner(), null, 'nothing dirty is left but the active segment')
})

test('min.compaction.lag.ms: a dirty segment holding a record newer than the lag waits, with every segment after it', async (t) => {
  const { log } = openTestLog(t, { ...COMPACT, 'min.compaction.lag.ms': 60_000 })
  append(log, batch([['k', '1']], Compression.none, T0))
  append(log, batch([['k', '2']], Compression.none, T0 + 50_000))
  append(log, batch([['k', '3']], Compression.none, T0 + 50_000))
  await log.compact(T0 + 70_000)
  assert.deepEqual(records(log), ['0 k=1', '1 k=2', '2 k=3'], 'k=2 is 20 s old: its segment is not cleaned, so k=1 stays')
  await log.compact(T0 + 120_000)
  assert.deepEqual(records(log), ['1 k=2', '2 k=3'])
})

test('a pass over a large log gives the event loop back every slice, and appends go on meanwhile; closing the log stops it, leaving no .cleaned file', async (t) => {
  const { log, dir } = openTestLog(t, COMPACT)
  // four segments of 200 batches of 100 records over 1,000 keys, and an active one
  const segment = (s: number, value: string): Buffer[] => Array.from({ length: 200 }, (_, b) => batch(Array.from({ length: 100 }, (_, i): [string, string] => [`key-${(b * 100 + i) % 1000}`, `${value}-${s}-${b}-${i}`])))
  for (let s = 0; s < 4; s++) append(log, ...segment(s, 'value'))
  append(log, batch([['key-1', 'active']]))
  let turns = 0
  let appendedMeanwhile = false
  const pass = log.compact()
  let done = false
  void pass.finally(() => { done = true })
  while (!done) {
    await new Promise(resolve => setImmediate(resolve))
    turns++
    if (turns === 2) {
      append(log, batch([['key-2', 'during-the-pass']]))
      appendedMeanwhile = true
    }
  }
  const result = await pass
  assert.ok(appendedMeanwhile && turns > 5, `the pass gave back ${turns} turns of the event loop`)
  assert.equal(result?.recordsRemoved, 79_000, 'all but the last value of each key in the four segments')
  const all = records(log)
  assert.equal(all.length, 1000 + 2)
  assert.deepEqual(all.slice(-2).map(r => r.split(' ')[1]), ['key-1=active', 'key-2=during-the-pass'])

  // the same again, the log closed in the middle of the pass
  for (let s = 0; s < 4; s++) append(log, ...segment(s, 'again'))
  const stopped = log.compact()
  await new Promise(resolve => setImmediate(resolve))
  log.close()
  assert.equal(await stopped, null)
  assert.deepEqual(readdirSync(dir).filter(n => n.endsWith('.cleaned') || n.endsWith('.swap')), [])
})

test('retention that deletes a segment a pass is reading stops the pass; the log stays whole', async (t) => {
  const { log, dir } = openTestLog(t, { ...COMPACT, 'cleanup.policy': ['compact', 'delete'], 'retention.ms': 1000 })
  const segment = (s: number): Buffer[] => Array.from({ length: 200 }, (_, b) => batch(Array.from({ length: 100 }, (_, i): [string, string] => [`key-${(b * 100 + i) % 1000}`, `v-${s}-${b}-${i}`])))
  for (let s = 0; s < 4; s++) append(log, ...segment(s))
  append(log, batch([['key-1', 'active']], Compression.none, Date.now()))
  const pass = log.compact(T0)
  await new Promise(resolve => setImmediate(resolve))
  // T0 is long past retention.ms: every segment but the active one goes
  assert.equal(log.deleteRetentionBreachedSegments(), 4)
  assert.equal(await pass, null)
  assert.deepEqual(readdirSync(dir).filter(n => n.endsWith('.cleaned') || n.endsWith('.swap')), [])
  assert.deepEqual(records(log).map(r => r.split(' ')[1]), ['key-1=active'])
})
