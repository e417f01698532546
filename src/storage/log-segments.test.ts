import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLogConfig } from './log-config.js'
import { LogSegment } from './log-segment.js'
import { LogSegments } from './log-segments.js'

/** Empty segments at these base offsets in a temp dir, removed after the test. */
function segmentsAt (t: { after: (fn: () => void) => void }, baseOffsets: number[]): { segments: LogSegments, dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'log-segments-'))
  const segments = new LogSegments(baseOffsets.map(b => new LogSegment(dir, b, defaultLogConfig, 0)))
  t.after(() => {
    for (const s of segments.values) s.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { segments, dir }
}

test('from(offset) starts at the floor segment, or the first when the offset lies below every base offset', (t) => {
  const { segments } = segmentsAt(t, [10, 20, 30])
  const from = (offset: number): number[] => [...segments.from(offset)].map(s => s.baseOffset)
  assert.deepEqual(from(0), [10, 20, 30])
  assert.deepEqual(from(20), [20, 30])
  assert.deepEqual(from(29), [20, 30])
  assert.deepEqual(from(1000), [30])
  assert.equal(segments.active.baseOffset, 30)
  assert.deepEqual(segments.inactive.map(s => s.baseOffset), [10, 20])
})

test('the active segment stays: removeOldest stops before it, deleteFrom keeps the first segment', (t) => {
  const { segments, dir } = segmentsAt(t, [0, 10, 20])
  const removed = segments.removeOldest(5)
  for (const s of removed) s.delete()
  assert.deepEqual(removed.map(s => s.baseOffset), [0, 10])
  assert.deepEqual(segments.baseOffsets, [20])
  segments.add(new LogSegment(dir, 30, defaultLogConfig, 0))
  segments.deleteFrom(0)
  assert.deepEqual(segments.baseOffsets, [20])
  assert.equal(existsSync(join(dir, '00000000000000000030.log')), false, 'the truncated segment is deleted')
})

test('a segment must follow the active one, and a log is never empty', (t) => {
  const { segments, dir } = segmentsAt(t, [10])
  const same = new LogSegment(dir, 10, defaultLogConfig, 0)
  assert.throws(() => segments.add(same), /does not follow/)
  same.close()
  assert.throws(() => new LogSegments([]), /at least one segment/)
})
