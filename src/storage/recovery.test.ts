import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildTestBatch } from './support/sample-batch.js'
import { openTestLog, readAll } from './support/temp-log.js'
import { OffsetIndex } from './offset-index.js'

const batch = (): Buffer => buildTestBatch({ recordCount: 5, valueBytes: 100 })
const segmentLog = (dir: string, baseOffset: number): string => join(dir, String(baseOffset).padStart(20, '0') + '.log')

test('a torn tail (half a batch) is truncated at the last valid batch and indexes are rebuilt', (t) => {
  const { log, dir, reopen } = openTestLog(t, { 'index.interval.bytes': 1 })
  for (let i = 0; i < 6; i++) log.appendAsLeader(batch(), 0)
  log.close()
  const path = segmentLog(dir, 0)
  const validBytes = statSync(path).size
  appendFileSync(path, buildTestBatch({ baseOffset: 30, recordCount: 5, valueBytes: 100 }).subarray(0, 70))
  rmSync(join(dir, '00000000000000000000.index'))
  const recovered = reopen({ hadCleanShutdown: false, recoveryPoint: 0 })
  assert.equal(statSync(path).size, validBytes)
  assert.equal(recovered.logEndOffset, 30)
  assert.deepEqual(readAll(recovered).map(r => r[0]), [0, 5, 10, 15, 20, 25])
  recovered.close()
  const index = new OffsetIndex(join(dir, '00000000000000000000.index'), 0, 1000)
  assert.equal(index.load(validBytes), true)
  assert.equal(index.entryCount, 5, 'rebuilt: one entry per batch after the first')
})

test('garbage after the last batch is cut off and appends continue', (t) => {
  const { log, dir, reopen } = openTestLog(t)
  for (let i = 0; i < 3; i++) log.appendAsLeader(batch(), 0)
  log.close()
  appendFileSync(segmentLog(dir, 0), Buffer.alloc(1000, 0xab))
  const recovered = reopen({ hadCleanShutdown: false, recoveryPoint: 0 })
  assert.equal(recovered.logEndOffset, 15)
  const appended = recovered.appendAsLeader(batch(), 0)
  assert.ok(appended.errorCode === 0 && appended.baseOffset === 15)
  assert.deepEqual(readAll(recovered).map(r => r[0]), [0, 5, 10, 15])
})

test('a bad CRC in the middle truncates there and deletes later segments', (t) => {
  const { log, dir, reopen } = openTestLog(t, { 'segment.bytes': batch().length * 3 })
  for (let i = 0; i < 8; i++) log.appendAsLeader(batch(), 0)
  assert.deepEqual(log.segmentBaseOffsets, [0, 15, 30])
  log.close()
  const path = segmentLog(dir, 15)
  const bytes = readFileSync(path)
  bytes[batch().length + 100]! ^= 0xff // inside the second batch of segment 15
  writeFileSync(path, bytes)
  const recovered = reopen({ hadCleanShutdown: false, recoveryPoint: 15 })
  assert.deepEqual(recovered.segmentBaseOffsets, [0, 15])
  assert.equal(recovered.logEndOffset, 20)
  assert.equal(statSync(path).size, batch().length)
})

test('with the clean-shutdown marker no batch is re-read', (t) => {
  const { log, dir, reopen } = openTestLog(t)
  for (let i = 0; i < 3; i++) log.appendAsLeader(batch(), 0)
  log.close()
  const path = segmentLog(dir, 0)
  const bytes = readFileSync(path)
  bytes[bytes.length - 10]! ^= 0xff // a CRC error only a recovery scan would notice
  writeFileSync(path, bytes)
  const clean = reopen({ hadCleanShutdown: true, recoveryPoint: 15 })
  assert.equal(clean.logEndOffset, 15)
  assert.equal(statSync(path).size, bytes.length)
  clean.close()
  const unclean = reopen({ hadCleanShutdown: false, recoveryPoint: 0 })
  assert.equal(unclean.logEndOffset, 10)
})

test('a recovery point past a segment skips re-reading it', (t) => {
  const { log, dir, reopen } = openTestLog(t, { 'segment.bytes': batch().length * 2 })
  for (let i = 0; i < 5; i++) log.appendAsLeader(batch(), 0)
  log.close()
  const first = segmentLog(dir, 0)
  const bytes = readFileSync(first)
  bytes[bytes.length - 10]! ^= 0xff
  writeFileSync(first, bytes)
  truncateSync(segmentLog(dir, 20), 30)
  const recovered = reopen({ hadCleanShutdown: false, recoveryPoint: 20 })
  assert.deepEqual(recovered.segmentBaseOffsets, [0, 10, 20])
  assert.equal(recovered.logEndOffset, 20, 'the torn segment 20 is emptied; segment 0 is trusted')
})

test('an index that does not match its log is rebuilt on first use, even after a clean shutdown', (t) => {
  const { log, dir, reopen } = openTestLog(t, { 'index.interval.bytes': 1, 'segment.bytes': batch().length * 4 })
  for (let i = 0; i < 6; i++) log.appendAsLeader(batch(), 0)
  log.close()
  const bogus = Buffer.alloc(16)
  bogus.writeInt32BE(3, 0)
  bogus.writeInt32BE(1_000_000, 4) // a position far past the end of the log
  writeFileSync(join(dir, '00000000000000000000.index'), bogus)
  const clean = reopen({ hadCleanShutdown: true, recoveryPoint: 30 })
  assert.deepEqual(readAll(clean).map(r => r[0]), [0, 5, 10, 15, 20, 25])
  clean.close()
  const index = new OffsetIndex(join(dir, '00000000000000000000.index'), 0, 1000)
  assert.equal(index.load(batch().length * 4), true)
  assert.equal(index.entryCount, 3)
})

test('an index full of entries rolls the segment', (t) => {
  const { log } = openTestLog(t, { 'index.interval.bytes': 1, 'segment.index.bytes': 8 * 3 })
  for (let i = 0; i < 6; i++) log.appendAsLeader(batch(), 0)
  assert.deepEqual(log.segmentBaseOffsets, [0, 20])
})

test('recovering an empty segment creates no index files; its first records do, entries or not', (t) => {
  const { log, dir, reopen } = openTestLog(t)
  log.close()
  const indexes = ['00000000000000000000.index', '00000000000000000000.timeindex'].map(name => join(dir, name))
  const recovered = reopen({ hadCleanShutdown: false, recoveryPoint: 0 })
  assert.deepEqual(indexes.filter(existsSync), [], 'an idle log after a kill -9: no file creations')
  recovered.appendAsLeader(batch(), 0)
  recovered.close()
  assert.deepEqual(indexes.filter(existsSync), indexes, 'with data, so that a clean load trusts them')
})
