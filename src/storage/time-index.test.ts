import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TimeIndex } from './time-index.js'

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'time-index-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('maybeAppend only adds entries whose timestamp moves forward', (t) => {
  const index = new TimeIndex(join(tempDir(t), 'x.timeindex'), 50, 100)
  index.reset()
  index.maybeAppend(1000, 55)
  index.maybeAppend(1000, 60)
  index.maybeAppend(900, 65)
  index.maybeAppend(2000, 70)
  assert.equal(index.entryCount, 2)
  assert.deepEqual(index.lastEntry(), { timestamp: 2000, offset: 70 })
})

test('lookup finds the greatest entry with timestamp <= target', (t) => {
  const index = new TimeIndex(join(tempDir(t), 'x.timeindex'), 0, 100)
  index.reset()
  index.maybeAppend(1000, 10)
  index.maybeAppend(2000, 20)
  index.maybeAppend(3000, 30)
  assert.deepEqual(index.lookup(999), { timestamp: -1, offset: 0 })
  assert.deepEqual(index.lookup(1000), { timestamp: 1000, offset: 10 })
  assert.deepEqual(index.lookup(2999), { timestamp: 2000, offset: 20 })
  assert.deepEqual(index.lookup(5000), { timestamp: 3000, offset: 30 })
  index.truncateTo(20)
  assert.deepEqual(index.lookup(5000), { timestamp: 1000, offset: 10 })
})

test('12-byte entries on disk; lastEntry reads the file tail without loading it', (t) => {
  const path = join(tempDir(t), 'x.timeindex')
  const index = new TimeIndex(path, 100, 100)
  index.reset()
  index.maybeAppend(1_700_000_000_000, 101)
  index.maybeAppend(1_700_000_000_500, 140)
  index.persist(false)
  const bytes = readFileSync(path)
  assert.equal(bytes.length, 24)
  assert.equal(Number(bytes.readBigInt64BE(12)), 1_700_000_000_500)
  assert.equal(bytes.readInt32BE(20), 40)
  const cold = new TimeIndex(path, 100, 100)
  assert.deepEqual(cold.lastEntry(), { timestamp: 1_700_000_000_500, offset: 140 })
  assert.equal(cold.load(1000), true)
  assert.equal(cold.entryCount, 2)
})
