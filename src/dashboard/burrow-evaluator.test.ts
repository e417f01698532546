import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addCommit, groupStatus, partitionStatus, WINDOW_COMMITS, type Commit } from './burrow-evaluator.js'

const windowOf = (rows: Array<[offset: number, lag: number]>, stepMs = 10_000): Commit[] => rows.map(([offset, lag], i) => ({ offset, lag, atMs: i * stepMs }))
const lastAt = (w: Commit[]): number => w.at(-1)!.atMs

test('Burrow\'s rules: OK, WARN, STALL, STOP, REWIND per partition; the group is the worst, errors as ERR', () => {
  const caughtUp = windowOf([[10, 5], [20, 0], [30, 3]])
  assert.equal(partitionStatus(caughtUp, 3, lastAt(caughtUp) + 1000), 'OK', 'a zero lag in the window')
  assert.equal(partitionStatus(windowOf([[10, 5]]), 0, 1e9), 'OK', 'no lag now: never an error')
  const falling = windowOf([[10, 9], [20, 7], [30, 8]])
  assert.equal(partitionStatus(falling, 8, lastAt(falling) + 1000), 'OK', 'the lag decreased somewhere')
  const growing = windowOf([[10, 5], [20, 6], [30, 9]])
  assert.equal(partitionStatus(growing, 9, lastAt(growing) + 1000), 'WARN', 'offsets move, the lag never falls')
  const stuck = windowOf([[10, 5], [10, 6], [10, 9]])
  assert.equal(partitionStatus(stuck, 9, lastAt(stuck) + 1000), 'STALL')
  const back = windowOf([[30, 5], [10, 25], [20, 15]])
  assert.equal(partitionStatus(back, 15, lastAt(back) + 1000), 'REWIND')
  assert.equal(partitionStatus(growing, 9, lastAt(growing) + 30_000), 'STOP', 'no commit for longer than the window spans')
  assert.equal(groupStatus(['OK', 'WARN', 'OK']), 'WARN')
  assert.equal(groupStatus(['OK', 'WARN', 'STALL']), 'ERR')
  assert.equal(groupStatus([]), 'OK')
})

test('the window keeps the latest commits, and commits within a second replace the previous one', () => {
  const w: Commit[] = []
  addCommit(w, { offset: 1, atMs: 0, lag: 1 })
  addCommit(w, { offset: 2, atMs: 500, lag: 1 })
  assert.deepEqual(w.map(c => c.offset), [2])
  for (let i = 1; i <= 20; i++) addCommit(w, { offset: 2 + i, atMs: i * 5000, lag: 0 })
  assert.equal(w.length, WINDOW_COMMITS)
  assert.equal(w.at(-1)!.offset, 22)
})
