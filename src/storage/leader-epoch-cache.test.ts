import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LeaderEpochCache } from './leader-epoch-cache.js'

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'epoch-cache-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function cacheWith (dir: string, entries: Array<[number, number]>): LeaderEpochCache {
  const cache = new LeaderEpochCache(dir)
  for (const [epoch, startOffset] of entries) cache.assign(epoch, startOffset)
  return cache
}

test('endOffsetFor follows KIP-101/KIP-279', (t) => {
  const cache = cacheWith(tempDir(t), [[1, 0], [2, 10], [5, 30]])
  const leo = 42
  assert.deepEqual(cache.endOffsetFor(5, leo), { leaderEpoch: 5, endOffset: 42 }, 'latest epoch ends at the log end')
  assert.deepEqual(cache.endOffsetFor(1, leo), { leaderEpoch: 1, endOffset: 10 }, 'ends where the next epoch starts')
  assert.deepEqual(cache.endOffsetFor(3, leo), { leaderEpoch: 2, endOffset: 30 }, 'unknown epoch: largest epoch below it, next start')
  assert.deepEqual(cache.endOffsetFor(0, leo), { leaderEpoch: 0, endOffset: 0 }, 'older than the first epoch: its start')
  assert.deepEqual(cache.endOffsetFor(6, leo), { leaderEpoch: -1, endOffset: -1 }, 'future epoch is undefined')
  assert.deepEqual(cache.endOffsetFor(-1, leo), { leaderEpoch: -1, endOffset: -1 })
  assert.deepEqual(new LeaderEpochCache(tempDir(t)).endOffsetFor(0, 5), { leaderEpoch: -1, endOffset: -1 }, 'empty cache')
})

test('assign ignores repeats and drops contradicted entries', (t) => {
  const cache = cacheWith(tempDir(t), [[1, 0], [1, 5], [2, 10], [3, 20]])
  assert.deepEqual(cache.epochEntries, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 10 }, { epoch: 3, startOffset: 20 }])
  cache.assign(4, 15)
  assert.deepEqual(cache.epochEntries, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 10 }, { epoch: 4, startOffset: 15 }])
  assert.equal(cache.latestEpoch, 4)
})

test('truncateFromEnd and truncateFromStart', (t) => {
  const cache = cacheWith(tempDir(t), [[1, 0], [2, 10], [5, 30]])
  cache.truncateFromEnd(30)
  assert.deepEqual(cache.epochEntries, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 10 }])
  cache.truncateFromStart(12)
  assert.deepEqual(cache.epochEntries, [{ epoch: 2, startOffset: 12 }])
})

test('persists as leader-epoch-checkpoint text and reloads', (t) => {
  const dir = tempDir(t)
  cacheWith(dir, [[0, 0], [3, 100]])
  assert.equal(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n2\n0 0\n3 100\n')
  assert.deepEqual(new LeaderEpochCache(dir).epochEntries, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 100 }])
})

test('a new leader epoch at the log end reaches the file with the first record of that epoch, not before', (t) => {
  const dir = tempDir(t)
  const cache = cacheWith(dir, [[1, 0]])
  cache.assignAtLogEnd(2, 10)
  assert.deepEqual(cache.epochEntries.at(-1), { epoch: 2, startOffset: 10 }, 'in memory at once (OffsetForLeaderEpoch answers from it)')
  assert.deepEqual(new LeaderEpochCache(dir).epochEntries, [{ epoch: 1, startOffset: 0 }], 'no write yet')
  cache.flushPending()
  assert.deepEqual(new LeaderEpochCache(dir).epochEntries, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 10 }])
  assert.equal(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n2\n1 0\n2 10\n')
})
