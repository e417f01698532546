import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../logger.js'
import { ConnectionQuotas, connectionLimits, normalizeAddress } from './connection-quotas.js'

const limits = (maxConnectionsPerIp: number, maxConnections: number, overrides: Array<[string, number]> = [], maxConnectionCreationRate = 2_147_483_647): ConstructorParameters<typeof ConnectionQuotas>[2] =>
  ({ maxConnectionsPerIp, maxConnections, maxConnectionsPerIpOverrides: new Map(overrides), maxConnectionCreationRate })
const NONE = { maxConnections: Infinity, maxConnectionCreationRate: Infinity }
/** quota.window.num 2 of quota.window.size.seconds 1 */
const WINDOWS = { samples: 2, windowMs: 1000 }

test('an address at max.connections.per.ip, or at its override, is refused with the limit, and counted again once one of its connections closes', () => {
  const q = new ConnectionQuotas(new Map([['PLAINTEXT', NONE]]), 'PLAINTEXT', limits(2, 100, [['10.0.0.9', 1]]), WINDOWS)
  assert.equal(q.inc('PLAINTEXT', '10.0.0.1'), undefined)
  assert.equal(q.inc('PLAINTEXT', '10.0.0.1'), undefined)
  assert.equal(q.inc('PLAINTEXT', '10.0.0.1'), 2, 'the third from the same address')
  assert.equal(q.inc('PLAINTEXT', '10.0.0.2'), undefined, 'another address has its own count')
  assert.equal(q.inc('PLAINTEXT', '10.0.0.9'), undefined)
  assert.equal(q.inc('PLAINTEXT', '10.0.0.9'), 1, 'its override')
  assert.equal(q.count('PLAINTEXT'), 4, 'refused connections are not counted')
  q.dec('PLAINTEXT', '10.0.0.1')
  assert.equal(q.inc('PLAINTEXT', '10.0.0.1'), undefined)
  q.set(limits(3, 100))
  assert.equal(q.inc('PLAINTEXT', '10.0.0.9'), undefined, 'the override is gone')
})

test('max.connections: a listener waits at the limit, except the inter-broker listener of a broker with another (KIP-402), and what is over the limit is the excess to close', () => {
  const q = new ConnectionQuotas(new Map([['CLIENT', NONE], ['INTERNAL', NONE]]), 'INTERNAL', limits(100, 2), WINDOWS)
  q.inc('CLIENT', 'a')
  assert.equal(q.slotAvailable('CLIENT'), true)
  q.inc('CLIENT', 'b')
  assert.equal(q.slotAvailable('CLIENT'), false)
  assert.equal(q.slotAvailable('INTERNAL'), true, 'replication goes on')
  assert.equal(q.excess(), 0)
  q.inc('INTERNAL', 'c')
  assert.equal(q.excess(), 1, 'a client connection is to be closed')
  assert.equal(q.isProtected('INTERNAL'), true)
  assert.equal(q.isProtected('CLIENT'), false)
  q.dec('CLIENT', 'a')
  assert.equal(q.excess(), 0)
  assert.deepEqual([q.count('CLIENT'), q.count('INTERNAL')], [1, 1])
  q.set(limits(100, 5))
  assert.equal(q.slotAvailable('CLIENT'), true, 'a raised limit admits at once')

  const single = new ConnectionQuotas(new Map([['PLAINTEXT', NONE]]), 'PLAINTEXT', limits(100, 1), WINDOWS)
  single.inc('PLAINTEXT', 'a')
  assert.equal(single.slotAvailable('PLAINTEXT'), false, 'with one listener, the inter-broker listener is not protected')
})

test('listener.name.<l>.max.connections: a listener at its own limit waits, the inter-broker one too, while the others go on', () => {
  const q = new ConnectionQuotas(new Map([['CLIENT', { ...NONE, maxConnections: 1 }], ['INTERNAL', { ...NONE, maxConnections: 1 }], ['OTHER', NONE]]), 'INTERNAL', limits(100, 100), WINDOWS)
  q.inc('CLIENT', 'a')
  q.inc('INTERNAL', 'b')
  assert.deepEqual(['CLIENT', 'INTERNAL', 'OTHER'].map(l => q.slotAvailable(l)), [false, false, true])
  q.dec('CLIENT', 'a')
  assert.equal(q.slotAvailable('CLIENT'), true)
})

test('max.connection.creation.rate (KIP-612): over the rate, the wait that brings it back to the bound, at most a window; the inter-broker listener is held only by its own rate', () => {
  const q = new ConnectionQuotas(new Map([['CLIENT', NONE], ['INTERNAL', { ...NONE, maxConnectionCreationRate: 1 }]]), 'INTERNAL', limits(100, 100, [], 2), WINDOWS)
  // over 1 s (the least a rate of 2 windows divides by): 2 per second allowed
  assert.deepEqual([q.recordConnection('CLIENT', 0), q.recordConnection('CLIENT', 0)], [0, 0])
  assert.equal(q.recordConnection('CLIENT', 0), 500, '3 in 1 s: half a second brings it to 2 per second')
  assert.equal(q.recordConnection('CLIENT', 0), 1000, '4 in 1 s would take a second')
  assert.equal(q.recordConnection('CLIENT', 0), 1000, 'never more than one quota window')
  assert.equal(q.recordConnection('INTERNAL', 0), 0, 'the broker-wide rate does not hold back the inter-broker listener')
  assert.equal(q.recordConnection('INTERNAL', 0), 1000, 'its own does')
  assert.equal(q.recordConnection('CLIENT', 5000), 0, 'windows later, the rate has come down')
})

test('addresses are named as Kafka names them, and host names in the overrides are resolved', async () => {
  assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1')
  assert.equal(normalizeAddress('::1'), '::1')
  assert.equal(normalizeAddress('10.1.2.3'), '10.1.2.3')
  const resolved = await connectionLimits({ 'max.connections': 7, 'max.connections.per.ip': 3, 'max.connections.per.ip.overrides': 'localhost:10,192.0.2.1:4,no-such-host.invalid:5', 'max.connection.creation.rate': 9 }, silentLogger())
  assert.equal(resolved.maxConnections, 7)
  assert.equal(resolved.maxConnectionsPerIp, 3)
  assert.equal(resolved.maxConnectionCreationRate, 9)
  assert.equal(resolved.maxConnectionsPerIpOverrides.get('192.0.2.1'), 4)
  assert.ok(['127.0.0.1', '::1'].some(a => resolved.maxConnectionsPerIpOverrides.get(a) === 10), 'localhost resolved to its address')
  assert.equal(resolved.maxConnectionsPerIpOverrides.size, 2, 'a host that does not resolve is left out')
})
