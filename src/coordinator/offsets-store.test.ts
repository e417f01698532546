import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newGroup } from './group.js'
import { expiredOffsets, OffsetsStore } from './offsets-store.js'

const MINUTE = 60_000
const value = (offset: number, commitTimestampMs: number, expireTimestampMs: number | null = null): { offset: number, leaderEpoch: number, metadata: string, commitTimestampMs: number, expireTimestampMs: number | null } =>
  ({ offset, leaderEpoch: -1, metadata: '', commitTimestampMs, expireTimestampMs })

test('a commit whose write completes late never replaces a newer one; tombstones delete', () => {
  const s = new OffsetsStore()
  s.apply('g', 't', 0, value(20, 0), 11)
  s.apply('g', 't', 0, value(10, 0), 10)
  assert.equal(s.get('g', 't', 0)?.offset, 20)
  s.apply('g', 't', 1, value(5, 0), 12)
  assert.deepEqual(s.offsetsOf('g').map(o => [o.topic, o.partition, o.offset]), [['t', 0, 20], ['t', 1, 5]])
  s.apply('g', 't', 0, null, 13)
  s.apply('g', 't', 1, null, 14)
  assert.equal(s.hasOffsets('g'), false)
  assert.deepEqual(s.groupIds(), [])
})

test('offset expiry: Empty consumer groups from when they became Empty, standalone commits from their commit, members keep theirs', () => {
  const s = new OffsetsStore()
  s.apply('g', 't', 0, value(1, 0), 0)
  s.apply('g', 't', 1, value(1, 50 * MINUTE), 1)
  const retentionMs = 60 * MINUTE
  const emptySince30 = { ...newGroup('g', 30 * MINUTE), protocolType: 'consumer' }
  assert.deepEqual(expiredOffsets(emptySince30, s.offsetsOf('g'), 89 * MINUTE, retentionMs), [])
  assert.deepEqual(expiredOffsets(emptySince30, s.offsetsOf('g'), 90 * MINUTE, retentionMs).length, 2, 'both, though one was committed later')
  const standalone = { ...newGroup('g', 0), protocolType: null }
  assert.deepEqual(expiredOffsets(standalone, s.offsetsOf('g'), 60 * MINUTE, retentionMs), [{ topic: 't', partition: 0 }])
  const stable = { ...emptySince30, state: 'Stable' as const }
  assert.deepEqual(expiredOffsets(stable, s.offsetsOf('g'), 1000 * MINUTE, retentionMs), [])
  s.apply('g', 't', 2, value(1, 0, 5 * MINUTE), 2)
  assert.deepEqual(expiredOffsets(emptySince30, s.offsetsOf('g'), 6 * MINUTE, retentionMs), [{ topic: 't', partition: 2 }], 'an explicit retention wins')
})
