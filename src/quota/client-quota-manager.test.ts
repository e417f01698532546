import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyEntityQuotas, ClientQuotaManager, clientQuotaManagers } from './client-quota-manager.js'

const window = { samples: 11, windowMs: 1000 }

test('Kafka\'s precedence: user+client, user+<default> client, user, <default> user+client, <default> user+<default>, <default> user, client, <default> client', () => {
  const q = new ClientQuotaManager(window)
  const levels: Array<[string | null | undefined, string | null | undefined]> = [
    [undefined, null], [undefined, 'app'], [null, undefined], [null, null], [null, 'app'], ['alice', undefined], ['alice', null], ['alice', 'app'],
  ]
  // added least specific first: each one added takes over
  for (const [i, [user, clientId]] of levels.entries()) {
    q.updateQuota({ user, clientId }, i + 1)
    assert.equal(q.quotaFor('alice', 'app')?.bound, i + 1, `after ${JSON.stringify([user, clientId])}`)
  }
  assert.equal(q.quotaFor('bob', 'other')?.bound, 4, 'bob gets /config/users/<default>/clients/<default>')
  assert.equal(q.quotaFor('alice', 'other')?.bound, 7, 'alice\'s <default> client')
})

test('who shares a rate: a user quota all the user\'s clients, a client-id quota every user of the id, a user+client quota the pair', () => {
  const q = new ClientQuotaManager(window)
  q.updateQuota({ user: undefined, clientId: 'app' }, 100)
  assert.equal(q.quotaFor('alice', 'app')?.tags, q.quotaFor('bob', 'app')?.tags)
  assert.equal(q.quotaFor('alice', 'other'), undefined, 'no quota: nothing recorded')
  q.updateQuota({ user: 'alice', clientId: undefined }, 200)
  assert.equal(q.quotaFor('alice', 'app')?.tags, q.quotaFor('alice', 'other')?.tags)
  assert.notEqual(q.quotaFor('alice', 'app')?.tags, q.quotaFor('bob', 'app')?.tags)
  q.updateQuota({ user: 'alice', clientId: 'app' }, 300)
  assert.notEqual(q.quotaFor('alice', 'app')?.tags, q.quotaFor('alice', 'other')?.tags)
  q.updateQuota({ user: 'alice', clientId: 'app' }, undefined)
  assert.equal(q.quotaFor('alice', 'app')?.bound, 200)
})

test('a client over its quota gets a throttle time; another client id is not slowed; a fetch window is bounded', () => {
  let now = 0
  const q = new ClientQuotaManager(window, () => now)
  q.updateQuota({ user: undefined, clientId: 'slow' }, 1000)
  assert.equal(q.recordAndGetThrottleTimeMs('ANONYMOUS', 'slow', 10_000), 0, '10,000 bytes over the 10 s minimum window: at the bound')
  assert.equal(q.recordAndGetThrottleTimeMs('ANONYMOUS', 'slow', 1000), 1000, '(1100 - 1000) / 1000 of 10 s')
  assert.equal(q.recordAndGetThrottleTimeMs('ANONYMOUS', 'fast', 1e9), 0)
  q.unrecord('ANONYMOUS', 'slow', 1000)
  now += 1
  assert.equal(q.recordAndGetThrottleTimeMs('ANONYMOUS', 'slow', 0), 0)
  assert.equal(q.maxValueInQuotaWindow('ANONYMOUS', 'slow'), 10_000)
  assert.equal(q.maxValueInQuotaWindow('ANONYMOUS', 'fast'), Infinity)
})

test('an entity\'s stored configs set each manager; a key removed removes its bound', () => {
  const managers = clientQuotaManagers(window)
  const entity = { user: 'alice', clientId: undefined }
  applyEntityQuotas(managers, entity, { producer_byte_rate: '1048576', consumer_byte_rate: '2048', request_percentage: '50.5', 'SCRAM-SHA-256': 'salt=...' })
  assert.deepEqual([managers.produce, managers.fetch, managers.request].map(m => m.quotaFor('alice', 'x')?.bound), [1048576, 2048, 50.5])
  applyEntityQuotas(managers, entity, { consumer_byte_rate: '4096' })
  assert.deepEqual([managers.produce, managers.fetch, managers.request].map(m => m.quotasEnabled), [false, true, false])
})
