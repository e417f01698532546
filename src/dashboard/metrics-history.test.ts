import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MetricsHistory, TimeSeriesRing } from './metrics-history.js'

test('a ring keeps the newest capacity slots, with skipped slots as gaps (null), never zero', () => {
  const ring = new TimeSeriesRing(1000, 4)
  ring.record(10_000, 1)
  ring.record(11_500, 2)
  ring.record(13_000, 4) // 12 s skipped
  assert.deepEqual(ring.range(13_999), { startMs: 10_000, stepMs: 1000, values: [1, 2, null, 4] })
  ring.record(15_000, 6) // 14 s skipped; 10 s falls out
  assert.deepEqual(ring.range(15_000).values, [null, 4, null, 6])
  assert.deepEqual(ring.range(17_000).values, [null, 6, null, null], 'slots after the newest are gaps')
  ring.record(9_000, 99)
  assert.deepEqual(ring.range(17_000).values, [null, 6, null, null], 'a point older than the ring is ignored')
  ring.record(100_000, 7) // more than a ring's length later: all old slots are gone
  assert.deepEqual(ring.range(100_000).values, [null, null, null, 7])
})

test('the minute series is the mean of the minute\'s second points', () => {
  const history = new MetricsHistory()
  const t0 = 60_000 * 100
  for (let s = 0; s < 60; s++) history.record(t0 + s * 1000, { messagesIn: s < 30 ? 10 : 20 })
  history.record(t0 + 60_000, { messagesIn: 100 })
  assert.deepEqual(history.range('messagesIn', '1m', t0 + 60_000, 2)!.values, [15, 100])
  assert.deepEqual(history.range('messagesIn', '1s', t0 + 60_000, 3)!.values, [20, 20, 100])
  assert.equal(history.range('bytesIn', '1s', t0), undefined)
  history.drop('messages')
  assert.deepEqual(history.names(), [])
})

test('a range is read in buckets aligned to their length, each the mean of its points, empty buckets gaps', () => {
  const history = new MetricsHistory()
  const t0 = 3_600_000 * 1000 // a whole hour: 10 s buckets start at t0
  for (let s = 0; s < 25; s++) if (s < 10 || s >= 20) history.record(t0 + s * 1000, { messagesIn: s < 5 ? 2 : 4 })
  const now = t0 + 24_000
  const r = history.rangeOver('messagesIn', '1h', now)!
  assert.equal(r.stepMs, 10_000)
  assert.equal(r.values.length, 360)
  assert.equal(r.startMs + 359 * r.stepMs, t0 + 20_000, 'the newest bucket holds now')
  assert.deepEqual(r.values.slice(-3), [3, null, 4], 'means; the bucket with no points is a gap; the newest is partial')
  const five = history.rangeOver('messagesIn', '5m', now)!
  assert.equal(five.values.length, 300)
  assert.deepEqual(five.values.slice(-6), [null, 4, 4, 4, 4, 4])
  const day = history.rangeOver('messagesIn', '24h', now)!
  assert.equal(day.stepMs, 300_000)
  assert.equal(day.values.length, 288)
  assert.ok(Math.abs(day.values.at(-1)! - (5 * 2 + 10 * 4) / 15) < 1e-6, 'the minute points\' mean')
  history.delete(['messagesIn'])
  assert.equal(history.rangeOver('messagesIn', '5m', now), undefined)
})
