import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { buildTestBatch } from '../storage/support/sample-batch.js'
import { openTestLog } from '../storage/support/temp-log.js'
import type { PartitionMetadata } from '../cluster/metadata-cache.js'
import { Partition } from './partition.js'

function state (leader: number, isr: number[], leaderEpoch = 0, stateVersion = 0): PartitionMetadata {
  return { topic: 't', partition: 0, replicas: [1, 2, 3], leader, isr, leaderEpoch, controllerEpoch: 1, stateVersion }
}

function leaderPartition (t: { after: (fn: () => void) => void }, isr = [1, 2, 3]): Partition {
  const { log } = openTestLog(t)
  const p = new Partition('t', 0, 'id', log, 1)
  p.applyState(state(1, isr), 1000)
  return p
}

test('the high watermark is the smallest log end offset over the ISR and only moves forward', t => {
  const p = leaderPartition(t)
  assert.equal(p.appendRecordsAsLeader(buildTestBatch({ recordCount: 5 }), 1).errorCode, ErrorCode.NONE)
  assert.equal(p.log.highWatermark, 0, 'followers have not fetched yet')
  p.updateFollowerFetchState(2, 5, 1100)
  assert.equal(p.log.highWatermark, 0, 'follower 3 has nothing')
  p.updateFollowerFetchState(3, 3, 1100)
  assert.equal(p.log.highWatermark, 3)
  p.updateFollowerFetchState(3, 5, 1200)
  assert.equal(p.log.highWatermark, 5)
})

test('acks=all is refused below min.insync.replicas; acks=1 is not', t => {
  const p = leaderPartition(t, [1])
  p.minInsyncReplicas = 2
  assert.equal(p.appendRecordsAsLeader(buildTestBatch(), -1).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS)
  assert.equal(p.appendRecordsAsLeader(buildTestBatch(), 1).errorCode, ErrorCode.NONE)
  assert.equal(p.log.highWatermark, p.log.logEndOffset, 'a leader alone in the ISR is its own high watermark')
})

test('a follower that stops catching up leaves the ISR after the lag time; one that catches up rejoins', t => {
  const p = leaderPartition(t)
  p.appendRecordsAsLeader(buildTestBatch({ recordCount: 2 }), 1)
  p.updateFollowerFetchState(2, 2, 1500)
  assert.deepEqual(p.isrToShrink(1999, 1000), undefined, 'within the lag time since leadership began at 1000')
  assert.deepEqual(p.isrToShrink(2001, 1000), [1, 2], 'follower 3 never fetched within the lag time')
  p.isrWritten([1, 2], 1)
  assert.equal(p.log.highWatermark, 2, 'the shrunk ISR lets the high watermark advance')
  const alive = (): boolean => true
  assert.equal(p.isrToExpand(2, alive), undefined, 'already in the ISR')
  assert.equal(p.isrToExpand(3, alive), undefined, 'never fetched')
  p.updateFollowerFetchState(3, 1, 2050)
  assert.equal(p.isrToExpand(3, alive), undefined, 'behind the high watermark (2)')
  p.updateFollowerFetchState(3, 2, 2100)
  assert.equal(p.isrToExpand(3, id => id !== 3), undefined, 'a caught-up follower whose broker is not registered stays out')
  assert.deepEqual(p.isrToExpand(3, alive), [1, 2, 3])
})

test('becoming follower refuses produce and wakes parked waiters; a new epoch starts at the log end', t => {
  const p = leaderPartition(t)
  p.appendRecordsAsLeader(buildTestBatch({ recordCount: 3 }), 1)
  let woken = 0
  p.onAppend(() => { woken++ })
  p.applyState(state(2, [2, 3], 1, 1), 2000)
  assert.equal(woken, 1)
  assert.equal(p.appendRecordsAsLeader(buildTestBatch(), 1).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER)
  p.applyState(state(1, [1, 2, 3], 2, 2), 3000)
  assert.deepEqual(p.log.leaderEpochCache.epochEntries.at(-1), { epoch: 2, startOffset: 3 })
  assert.equal(p.applyState(state(1, [1], 2, 1), 3000), false, 'a state older than the last one seen is ignored')
  assert.deepEqual(p.isr, [1, 2, 3])
})

test('append listeners: each runs once per append however often added, stops once taken off, and one taking itself off skips no other', t => {
  const p = leaderPartition(t, [1])
  const calls: string[] = []
  const a = (): void => { calls.push('a'); p.offAppend(a) }
  const b = (): void => { calls.push('b') }
  const c = (): void => { calls.push('c') }
  p.onAppend(a)
  p.onAppend(b)
  p.onAppend(b)
  p.onAppend(c)
  p.appendRecordsAsLeader(buildTestBatch(), 1)
  assert.deepEqual(calls, ['a', 'b', 'c'])
  p.offAppend(c)
  p.onAppend(c) // into a's emptied slot
  calls.length = 0
  p.appendRecordsAsLeader(buildTestBatch(), 1)
  assert.deepEqual(calls.sort(), ['b', 'c'])
  p.offAppend(b)
  p.offAppend(c)
  calls.length = 0
  p.appendRecordsAsLeader(buildTestBatch(), 1)
  assert.deepEqual(calls, [])
})

test('a replica whose log dir failed answers KAFKA_STORAGE_ERROR and wakes parked waiters', t => {
  const p = leaderPartition(t)
  p.appendRecordsAsLeader(buildTestBatch({ recordCount: 2 }), 1)
  let woken = 0
  p.onAppend(() => { woken++ })
  p.markOffline()
  assert.equal(woken, 1)
  assert.equal(p.appendRecordsAsLeader(buildTestBatch(), 1).errorCode, ErrorCode.KAFKA_STORAGE_ERROR)
  assert.equal(p.read(0, 1000, 'logEnd', true).errorCode, ErrorCode.KAFKA_STORAGE_ERROR)
})

test('DeleteRecords on the leader: -1 is the high watermark, beyond it is out of range, and the low watermark waits for live followers', t => {
  const p = leaderPartition(t)
  p.appendRecordsAsLeader(buildTestBatch({ recordCount: 10 }), 1)
  p.updateFollowerFetchState(2, 6, 1100, 0)
  p.updateFollowerFetchState(3, 6, 1100, 0)
  assert.equal(p.log.highWatermark, 6)
  assert.deepEqual(p.deleteRecordsOnLeader(7), { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, requiredOffset: -1 })
  assert.deepEqual(p.deleteRecordsOnLeader(-1), { errorCode: ErrorCode.NONE, requiredOffset: 6 })
  assert.equal(p.log.logStartOffset, 6)
  const alive = new Set([1, 2, 3])
  assert.equal(p.lowWatermark(id => alive.has(id)), 0, 'the followers have not moved yet')
  p.updateFollowerFetchState(2, 6, 1200, 6)
  assert.equal(p.lowWatermark(id => alive.has(id)), 0)
  alive.delete(3)
  assert.equal(p.lowWatermark(id => alive.has(id)), 6, 'a follower on a dead broker is not waited for')
  assert.equal(p.deleteRecordsOnLeader(3).errorCode, ErrorCode.NONE, 'below the log start: nothing to do')
  assert.equal(p.log.logStartOffset, 6)
})

test('DeleteRecords is refused by a follower and on a compacted topic', t => {
  const { log } = openTestLog(t, { 'cleanup.policy': ['compact'] })
  const p = new Partition('t', 0, 'id', log, 1)
  p.applyState(state(1, [1]), 1000)
  assert.equal(p.deleteRecordsOnLeader(0).errorCode, ErrorCode.POLICY_VIOLATION)
  p.applyState(state(2, [1, 2], 1, 1), 1100)
  assert.equal(p.deleteRecordsOnLeader(0).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER)
})
