import { test } from 'node:test'
import assert from 'node:assert/strict'
import { retentionBreaches, type RetentionSegment } from './retention.js'

const segment = (baseOffset: number, size: number, largestTimestamp: number): RetentionSegment =>
  ({ baseOffset, size, largestTimestamp: () => largestTimestamp })

const segments = [segment(0, 100, 1000), segment(10, 100, 2000), segment(20, 100, 3000), segment(30, 50, 4000)]
const base = { nowMs: 10_000, highWatermark: 40, logStartOffset: 0 }

test('retention.ms deletes the expired prefix, never the active segment', () => {
  assert.deepEqual(retentionBreaches(segments, { ...base, config: { 'retention.ms': 7500, 'retention.bytes': -1 } }), ['retention.ms', 'retention.ms'])
  assert.equal(retentionBreaches(segments, { ...base, config: { 'retention.ms': 0, 'retention.bytes': -1 } }).length, 3)
  assert.equal(retentionBreaches(segments, { ...base, config: { 'retention.ms': -1, 'retention.bytes': -1 } }).length, 0)
})

test('retention.bytes deletes oldest segments while the rest still exceeds the limit', () => {
  assert.deepEqual(retentionBreaches(segments, { ...base, config: { 'retention.ms': -1, 'retention.bytes': 150 } }), ['retention.bytes', 'retention.bytes'])
  assert.equal(retentionBreaches(segments, { ...base, config: { 'retention.ms': -1, 'retention.bytes': 160 } }).length, 1)
  assert.equal(retentionBreaches(segments, { ...base, config: { 'retention.ms': -1, 'retention.bytes': 350 } }).length, 0)
})

test('segments reaching the high watermark stay; the log start offset deletes what lies below it', () => {
  assert.equal(retentionBreaches(segments, { ...base, highWatermark: 15, config: { 'retention.ms': 0, 'retention.bytes': -1 } }).length, 1)
  assert.deepEqual(retentionBreaches(segments, { ...base, logStartOffset: 25, config: { 'retention.ms': -1, 'retention.bytes': -1 } }), ['log-start-offset', 'log-start-offset'])
})
