import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LONG_MAX } from '../config/schema.js'
import { ReplicationQuotaManager, throttledPartitions } from './replication-quota-manager.js'

test('the throttled replicas of a topic on this broker: partition:broker pairs naming it, or every one with "*"', () => {
  assert.deepEqual(throttledPartitions(['0:1', '1:2', '2:1'], 1), new Set([0, 2]))
  assert.deepEqual(throttledPartitions(['0:1'], 3), new Set())
  assert.equal(throttledPartitions(['*'], 3), 'all')
  const quota = new ReplicationQuotaManager({ samples: 11, windowMs: 1000 })
  quota.markThrottled('t', new Set([0]))
  quota.markThrottled('u', 'all')
  assert.deepEqual([quota.isThrottled('t', 0), quota.isThrottled('t', 1), quota.isThrottled('u', 9), quota.isThrottled('v', 0)], [true, false, true, false])
  quota.markThrottled('t', new Set())
  assert.equal(quota.isThrottled('t', 0), false)
})

test('Kafka\'s SimpleRate over sampled windows: exceeded while the rate is above the bound; unthrottled at LONG_MAX', () => {
  let now = 0
  const quota = new ReplicationQuotaManager({ samples: 11, windowMs: 1000 }, () => now)
  quota.record(10_000_000)
  assert.equal(quota.isQuotaExceeded(), false, 'LONG_MAX, the default, never throttles')
  now += 20_000 // the 10 MB ages out: 11 windows of 1 s
  quota.updateQuota(1000)
  quota.record(900)
  assert.equal(quota.isQuotaExceeded(), false, '900 bytes over at least one window: 900/s')
  quota.record(200)
  assert.equal(quota.isQuotaExceeded(), true, '1100/s')
  assert.equal(quota.msUntilAvailable(), 100, 'QuotaUtils.throttleTime: (1100 - 1000) / 1000 of the 1 s window')
  now += 1000
  assert.equal(quota.isQuotaExceeded(), true, 'SimpleRate divides by one window at least: still 1100 bytes over 1 s')
  now += 100
  assert.equal(quota.isQuotaExceeded(), false, '1100 bytes over 1.1 s: exactly the bound')
  now += 60_000
  assert.equal(quota.isQuotaExceeded(), false)
  quota.updateQuota(LONG_MAX)
  quota.record(1e9)
  assert.equal(quota.isQuotaExceeded(), false)
})
