import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LONG_MAX } from '../config/schema.js'
import { ReplicationQuotaManager, throttledPartitions } from './replication-quota-manager.js'

test('the throttled replicas of a topic on this broker: partition:broker pairs naming it, or every one with "*"', () => {
  assert.deepEqual(throttledPartitions(['0:1', '1:2', '2:1'], 1), new Set([0, 2]))
  assert.deepEqual(throttledPartitions(['0:1'], 3), new Set())
  assert.equal(throttledPartitions(['*'], 3), 'all')
  const quota = new ReplicationQuotaManager()
  quota.markThrottled('t', new Set([0]))
  quota.markThrottled('u', 'all')
  assert.deepEqual([quota.isThrottled('t', 0), quota.isThrottled('t', 1), quota.isThrottled('u', 9), quota.isThrottled('v', 0)], [true, false, true, false])
  quota.markThrottled('t', new Set())
  assert.equal(quota.isThrottled('t', 0), false)
})

test('a token bucket over bytes: one second of burst, then the rate; unthrottled at LONG_MAX', () => {
  let now = 0
  const quota = new ReplicationQuotaManager(() => now)
  quota.record(10_000_000)
  assert.equal(quota.isQuotaExceeded(), false, 'LONG_MAX, the default, never throttles')
  quota.updateQuota(1000)
  quota.record(600)
  assert.equal(quota.isQuotaExceeded(), false, 'within the first second\'s burst')
  quota.record(1400) // 1000 tokens in all: now 1000 short
  assert.equal(quota.isQuotaExceeded(), true)
  assert.equal(quota.msUntilAvailable(), 1001)
  now += 1000
  assert.equal(quota.isQuotaExceeded(), true, 'refilled to 0: still no token')
  now += 2
  assert.equal(quota.isQuotaExceeded(), false)
  now += 60_000
  quota.record(1000)
  assert.equal(quota.isQuotaExceeded(), true, 'an idle bucket holds one second at most')
  quota.updateQuota(LONG_MAX)
  assert.equal(quota.isQuotaExceeded(), false)
})
