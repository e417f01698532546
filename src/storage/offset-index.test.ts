import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OffsetIndex } from './offset-index.js'

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'offset-index-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('lookup finds the greatest entry <= target, or the segment start', (t) => {
  const index = new OffsetIndex(join(tempDir(t), 'x.index'), 100, 1000)
  index.reset()
  index.append(105, 4200)
  index.append(110, 8500)
  index.append(120, 13000)
  assert.deepEqual(index.lookup(99), { offset: 100, position: 0 })
  assert.deepEqual(index.lookup(104), { offset: 100, position: 0 })
  assert.deepEqual(index.lookup(105), { offset: 105, position: 4200 })
  assert.deepEqual(index.lookup(119), { offset: 110, position: 8500 })
  assert.deepEqual(index.lookup(10_000), { offset: 120, position: 13000 })
})

test('entries must grow; truncateTo drops entries >= offset', (t) => {
  const index = new OffsetIndex(join(tempDir(t), 'x.index'), 0, 1000)
  index.reset()
  for (let i = 1; i <= 10; i++) index.append(i * 10, i * 5000)
  assert.throws(() => index.append(100, 60000))
  index.truncateTo(55)
  assert.equal(index.entryCount, 5)
  assert.deepEqual(index.lastEntry(), { offset: 50, position: 25000 })
  index.truncateTo(50)
  assert.deepEqual(index.lastEntry(), { offset: 40, position: 20000 })
})

test('persist writes 8-byte big-endian entries; load reads them back and sanity-checks', (t) => {
  const path = join(tempDir(t), '00000000000000000007.index')
  const index = new OffsetIndex(path, 7, 1000)
  index.reset()
  index.append(9, 4100)
  index.append(12, 8300)
  index.persist(false)
  assert.deepEqual(readFileSync(path), Buffer.from([0, 0, 0, 2, 0, 0, 0x10, 0x04, 0, 0, 0, 5, 0, 0, 0x20, 0x6c]))
  index.truncateTo(12)
  index.persist(false)
  assert.equal(readFileSync(path).length, 8)

  const reloaded = new OffsetIndex(path, 7, 1000)
  assert.equal(reloaded.load(10_000), true)
  assert.deepEqual(reloaded.lookup(100), { offset: 9, position: 4100 })
  assert.equal(new OffsetIndex(path, 7, 1000).load(4000), false, 'a position beyond the log fails the check')
  writeFileSync(path, Buffer.alloc(5))
  assert.equal(new OffsetIndex(path, 7, 1000).load(10_000), false, 'a partial entry fails the check')
})

test('isFull once maxEntries are used', (t) => {
  const index = new OffsetIndex(join(tempDir(t), 'x.index'), 0, 2)
  index.reset()
  index.append(1, 1)
  assert.equal(index.isFull, false)
  index.append(2, 2)
  assert.equal(index.isFull, true)
})
