import { test } from 'node:test'
import assert from 'node:assert/strict'
import { quotaEntityOf } from './client-quota-configs.js'

test('the quota entity a /config/changes notification names, as Kafka writes entity paths; other entities are none', () => {
  assert.deepEqual(quotaEntityOf('clients/app'), { user: undefined, clientId: 'app' })
  assert.deepEqual(quotaEntityOf('clients/<default>'), { user: undefined, clientId: null })
  assert.deepEqual(quotaEntityOf('users/CN%3Dalice%2COU%3Dops'), { user: 'CN=alice,OU=ops', clientId: undefined }, 'names desanitized')
  assert.deepEqual(quotaEntityOf('users/<default>/clients/app'), { user: null, clientId: 'app' })
  assert.deepEqual(quotaEntityOf('users/bob/clients/<default>'), { user: 'bob', clientId: null })
  for (const other of ['topics/t', 'brokers/1', 'brokers/<default>', 'users', 'users/bob/clients', 'users/bob/other/app']) assert.equal(quotaEntityOf(other), undefined, other)
})
