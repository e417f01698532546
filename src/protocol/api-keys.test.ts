import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey, apiName } from './api-keys.js'
import { apiMessages } from './messages/index.js'

test('no API key repeats', () => {
  const keys = Object.values(ApiKey)
  assert.equal(new Set(keys).size, keys.length)
})

test('every registered message pair carries its table key', () => {
  for (const m of apiMessages) {
    assert.equal(m.request.apiKey, m.response.apiKey)
    assert.equal(m.request.name, `${apiName(m.apiKey)}Request`)
    assert.equal(m.response.name, `${apiName(m.apiKey)}Response`)
  }
  assert.equal(new Set(apiMessages.map(m => m.apiKey)).size, apiMessages.length)
})
