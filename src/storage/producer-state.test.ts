import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode } from '../protocol/error-codes.js'
import type { AppendResult } from './partition-log.js'
import { decodeProducerSnapshot, encodeProducerSnapshot, CorruptSnapshotError } from './producer-snapshot-file.js'
import { ProducerStateEntry } from './producer-state-entry.js'
import { buildTestBatch } from './support/sample-batch.js'
import { openTestLog, readAll } from './support/temp-log.js'

const NOW = 1_700_000_000_000
const PID = 4000

/** A batch of `count` records from producer `pid` at `epoch`, sequences from `seq`. */
function idem (seq: number, count = 2, epoch = 0, pid = PID, timestamp = NOW): Buffer {
  return buildTestBatch({ producerId: pid, producerEpoch: epoch, baseSequence: seq, recordCount: count, firstTimestamp: timestamp })
}

function offsetsOf (result: AppendResult): [number, number] | number {
  return result.errorCode === 0 ? [result.baseOffset, result.lastOffset] : result.errorCode
}

test('a retry of any of the last five batches gets its original offsets and appends nothing', (t) => {
  const { log } = openTestLog(t, {}, { now: () => NOW })
  for (let i = 0; i < 6; i++) assert.deepEqual(offsetsOf(log.appendAsLeader(idem(i * 2), 0)), [i * 2, i * 2 + 1])
  for (let i = 1; i < 6; i++) assert.deepEqual(offsetsOf(log.appendAsLeader(idem(i * 2), 0)), [i * 2, i * 2 + 1], `retry of batch ${i}`)
  assert.equal(log.logEndOffset, 12)
  // The sixth-last batch is no longer remembered: its retry is out of sequence, not a duplicate.
  assert.equal(offsetsOf(log.appendAsLeader(idem(0), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(12), 0)), [12, 13])
})

test('a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch INVALID_PRODUCER_EPOCH, and neither appends', (t) => {
  const { log } = openTestLog(t, {}, { now: () => NOW })
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(0, 2, 3), 0)), [0, 1])
  assert.equal(offsetsOf(log.appendAsLeader(idem(3, 2, 3), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.equal(offsetsOf(log.appendAsLeader(idem(2, 2, 2), 0)), ErrorCode.INVALID_PRODUCER_EPOCH)
  // A new epoch starts at sequence 0 and nowhere else.
  assert.equal(offsetsOf(log.appendAsLeader(idem(2, 2, 4), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.equal(log.logEndOffset, 2)
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(0, 2, 4), 0)), [2, 3])
  // The old epoch's batches are forgotten with it: its retry is fenced, not a duplicate.
  assert.equal(offsetsOf(log.appendAsLeader(idem(0, 2, 3), 0)), ErrorCode.INVALID_PRODUCER_EPOCH)
  assert.deepEqual(readAll(log), [[0, 1], [2, 3]])
})

test('an unknown producer may start at any sequence (KIP-360); sequences wrap past Integer.MAX_VALUE', (t) => {
  const { log } = openTestLog(t, {}, { now: () => NOW })
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(0x7fffffff - 1, 2), 0)), [0, 1])
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(0, 3), 0)), [2, 4])
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(0x7fffffff - 1, 2), 0)), [0, 1], 'the wrapped batch before is still a duplicate')
})

test('batches of one request follow each other, and one bad batch refuses the whole request', (t) => {
  const { log } = openTestLog(t, {}, { now: () => NOW })
  assert.deepEqual(offsetsOf(log.appendAsLeader(Buffer.concat([idem(0), idem(2), idem(0, 1, 0, PID + 1)]), 0)), [0, 4])
  assert.equal(offsetsOf(log.appendAsLeader(Buffer.concat([idem(4), idem(7)]), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.equal(log.logEndOffset, 5)
  assert.deepEqual(offsetsOf(log.appendAsLeader(Buffer.concat([idem(4), idem(6)]), 0)), [5, 8])
  // An idempotent batch without a sequence is invalid (Kafka's LogValidator).
  assert.equal(offsetsOf(log.appendAsLeader(buildTestBatch({ producerId: PID, producerEpoch: 0, baseSequence: -1 }), 0)), ErrorCode.INVALID_RECORD)
})

test('a follower builds the state from replicated batches, so it answers retries once it leads', (t) => {
  const leader = openTestLog(t, {}, { now: () => NOW }).log
  const follower = openTestLog(t, {}, { now: () => NOW }).log
  for (let i = 0; i < 3; i++) leader.appendAsLeader(idem(i * 2), 0)
  const read = leader.read(0, 1 << 20, leader.logEndOffset)
  assert.ok(read.errorCode === 0)
  assert.equal(follower.appendAsFollower(Buffer.from(read.records)).errorCode, 0)
  assert.deepEqual(offsetsOf(follower.appendAsLeader(idem(2), 1)), [2, 3])
  assert.equal(offsetsOf(follower.appendAsLeader(idem(8), 1)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.deepEqual(offsetsOf(follower.appendAsLeader(idem(6), 1)), [6, 7])
})

test('snapshots: written at roll and clean shutdown in Kafka\'s format; a restart loads them and replays the rest', (t) => {
  const { log, dir, reopen } = openTestLog(t, { 'segment.bytes': 200 }, { now: () => NOW })
  for (let i = 0; i < 8; i++) assert.deepEqual(offsetsOf(log.appendAsLeader(idem(i * 2, 2, 0, PID, NOW + i), 0)), [i * 2, i * 2 + 1])
  const snapshots = readdirSync(dir).filter(n => n.endsWith('.snapshot'))
  assert.ok(snapshots.length >= 2, `a snapshot per roll: ${snapshots.join(', ')}`)
  const bases = log.segmentBaseOffsets.slice(1).map(o => `${String(o).padStart(20, '0')}.snapshot`)
  assert.deepEqual(snapshots, bases)
  log.close()

  // Clean shutdown: a snapshot at the log end, nothing to replay.
  let reopened = reopen({ hadCleanShutdown: true, now: () => NOW })
  assert.ok(readdirSync(dir).includes('00000000000000000016.snapshot'))
  assert.equal(reopened.producerStateManager.lastEntry(PID)?.lastSeq, 15)
  // Only the last batch is in a snapshot (as in Kafka): its retry is a duplicate, an older one is not.
  assert.deepEqual(offsetsOf(reopened.appendAsLeader(idem(14), 0)), [14, 15])
  assert.equal(offsetsOf(reopened.appendAsLeader(idem(12), 0)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.deepEqual(offsetsOf(reopened.appendAsLeader(idem(16), 0)), [16, 17])
  reopened.closeHandlers() // a crash: no snapshot at the end, so the batches after the last one are replayed

  reopened = reopen({ hadCleanShutdown: false, now: () => NOW })
  assert.equal(reopened.producerStateManager.lastEntry(PID)?.lastSeq, 17)
  assert.deepEqual(offsetsOf(reopened.appendAsLeader(idem(16), 0)), [16, 17])
  reopened.closeHandlers()

  // A corrupt snapshot is deleted and an older one (or the whole log) replayed instead.
  const latest = readdirSync(dir).filter(n => n.endsWith('.snapshot')).sort().at(-1)!
  writeFileSync(join(dir, latest), Buffer.from('not a snapshot'))
  reopened = reopen({ hadCleanShutdown: false, now: () => NOW })
  assert.ok(!readdirSync(dir).includes(latest) || reopened.producerStateManager.latestSnapshotOffset !== Number(latest.slice(0, 20)))
  assert.equal(reopened.producerStateManager.lastEntry(PID)?.lastSeq, 17)
})

test('truncation reloads the state as of the new log end', (t) => {
  const { log } = openTestLog(t, { 'segment.bytes': 400 }, { now: () => NOW })
  for (let i = 0; i < 8; i++) log.appendAsLeader(idem(i * 2), 0)
  log.truncateTo(9) // inside the batch at [8, 9]: the log ends at 8
  assert.equal(log.logEndOffset, 8)
  assert.equal(log.producerStateManager.lastEntry(PID)?.lastSeq, 7)
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(8), 0)), [8, 9])
  log.truncateFullyAndStartAt(100)
  assert.equal(log.producerStateManager.activeProducers.size, 0)
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(10), 0)), [100, 101], 'a producer nobody remembers starts anywhere')
})

test('the state outlives retention and DeleteRecords; producer.id.expiration.ms forgets idle producers', (t) => {
  let now = NOW
  const { log } = openTestLog(t, { 'segment.bytes': 400 }, { now: () => now, producerIdExpirationMs: 60_000 })
  for (let i = 0; i < 8; i++) log.appendAsLeader(idem(i * 2, 2, 0, PID, NOW), 0)
  log.highWatermark = log.logEndOffset
  assert.equal(log.deleteRecordsBefore(16).errorCode, 0)
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(14), 0)), [14, 15], 'still a duplicate')
  now += 59_999
  assert.equal(log.removeExpiredProducers(), 0)
  now += 1
  assert.equal(log.removeExpiredProducers(), 1)
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(14), 0)), [16, 17], 'an expired producer is new again')
})

test('the snapshot format round-trips, and a flipped bit is caught by its CRC', () => {
  const entries = [
    new ProducerStateEntry(7, 3, 5, NOW, -1, [{ lastSeq: 41, lastOffset: 1000, offsetDelta: 9, timestamp: NOW }]),
    new ProducerStateEntry(2 ** 40, 0, -1, NOW + 1, 990, []),
  ]
  const bytes = encodeProducerSnapshot(entries)
  assert.equal(bytes.length, 2 + 4 + 4 + 2 * 46)
  const decoded = decodeProducerSnapshot(bytes)
  assert.deepEqual(decoded.map(e => [e.producerId, e.producerEpoch, e.lastSeq, e.lastDataOffset, e.lastOffsetDelta, e.lastTimestamp, e.coordinatorEpoch, e.currentTxnFirstOffset]),
    [[7, 3, 41, 1000, 9, NOW, 5, -1], [2 ** 40, 0, -1, -1, 0, NOW + 1, -1, 990]])
  assert.equal(decoded[0]!.firstSeq, 32)
  bytes[20]! ^= 1
  assert.throws(() => decodeProducerSnapshot(bytes), CorruptSnapshotError)
})

/** A transactional batch of `count` records. */
function txn (seq: number, count = 2, pid = PID, epoch = 0): Buffer {
  return buildTestBatch({ producerId: pid, producerEpoch: epoch, baseSequence: seq, recordCount: count, firstTimestamp: NOW, transactional: true })
}

test('the last stable offset: the first open or unreplicated transaction, else the high watermark; aborts go to the .txnindex', (t) => {
  const { log } = openTestLog(t, {}, { now: () => NOW })
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(0, 2, 0, 1), 0)), [0, 1])
  log.highWatermark = 2
  assert.equal(log.lastStableOffset, 2, 'no transaction: the high watermark')
  assert.deepEqual(offsetsOf(log.appendAsLeader(txn(0, 2, 2), 0)), [2, 3])
  assert.deepEqual(offsetsOf(log.appendAsLeader(txn(0, 2, 3), 0)), [4, 5])
  log.highWatermark = 6
  assert.equal(log.lastStableOffset, 2, 'producer 2 opened the first transaction at 2')
  assert.deepEqual(offsetsOf(log.appendMarkerAsLeader(2, 0, { commit: true, coordinatorEpoch: 0 }, 0)), [6, 6])
  assert.equal(log.lastStableOffset, 2, 'committed, but the marker is not below the high watermark yet')
  log.highWatermark = 7
  assert.equal(log.lastStableOffset, 4, 'producer 2 is stable; producer 3 still open at 4')
  assert.deepEqual(offsetsOf(log.appendMarkerAsLeader(3, 0, { commit: false, coordinatorEpoch: 0 }, 0)), [7, 7])
  log.highWatermark = 8
  assert.equal(log.lastStableOffset, 8, 'every transaction ended and replicated')
  assert.deepEqual(log.collectAbortedTransactions(0, 8), [{ producerId: 3, firstOffset: 4, lastOffset: 7, lastStableOffset: 8 }], 'only the abort is indexed')
  assert.deepEqual(offsetsOf(log.appendAsLeader(idem(2, 1, 0, 3), 0)), [8, 8], 'the marker took no sequence, and the transaction is closed: a plain batch follows')
})

test('transaction verification (KIP-890): an unverified transactional batch is INVALID_TXN_STATE; a guard holds until the transaction starts or a marker ends it', (t) => {
  const { log } = openTestLog(t, {}, { now: () => NOW })
  assert.equal(offsetsOf(log.appendAsLeader(txn(0), 0, 'client', { guard: null })), ErrorCode.INVALID_TXN_STATE, 'no verification asked')
  assert.deepEqual(offsetsOf(log.appendAsLeader(txn(0), 0)), [0, 1], 'verification off: appended as before Kafka 3.6')
  assert.equal(log.maybeStartTransactionVerification(PID, 0), null, 'the transaction is open here: nothing to verify')
  assert.deepEqual(offsetsOf(log.appendMarkerAsLeader(PID, 0, { commit: false, coordinatorEpoch: 0 }, 0)), [2, 2])

  const guard = log.maybeStartTransactionVerification(PID, 0)
  assert.notEqual(guard, null)
  assert.equal(log.maybeStartTransactionVerification(PID, 0), guard, 'a pending verification is shared')
  assert.equal(offsetsOf(log.appendAsLeader(txn(2), 0, 'client', { guard: Object.freeze({}) })), ErrorCode.INVALID_TXN_STATE, 'another guard')
  assert.deepEqual(offsetsOf(log.appendAsLeader(txn(2), 0, 'client', { guard })), [3, 4])
  assert.deepEqual(offsetsOf(log.appendAsLeader(txn(4), 0, 'client', { guard: null })), [5, 6], 'the open transaction needs no guard')
  assert.deepEqual(offsetsOf(log.appendMarkerAsLeader(PID, 0, { commit: true, coordinatorEpoch: 0 }, 0)), [7, 7])

  // A verification answered after the transaction ended must not open a transaction the coordinator does not know.
  const stale = log.maybeStartTransactionVerification(PID, 0)!
  assert.deepEqual(offsetsOf(log.appendMarkerAsLeader(PID, 0, { commit: false, coordinatorEpoch: 0 }, 0)), [8, 8])
  assert.equal(offsetsOf(log.appendAsLeader(txn(6), 0, 'client', { guard: stale })), ErrorCode.INVALID_TXN_STATE)
  assert.equal(log.logEndOffset, 9, 'nothing refused was appended')
})
