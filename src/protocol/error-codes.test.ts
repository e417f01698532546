import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode, errorName, isRetriable } from './error-codes.js'

test('no error code repeats, and all of -1..127 are named', () => {
  const codes = Object.values(ErrorCode)
  assert.equal(new Set(codes).size, codes.length)
  for (let c = -1; c <= 127; c++) assert.ok(codes.includes(c as ErrorCode), `code ${c}`)
})

test('retriable flags and names', () => {
  assert.equal(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER), true)
  assert.equal(isRetriable(ErrorCode.UNSUPPORTED_VERSION), false)
  assert.equal(errorName(35), 'UNSUPPORTED_VERSION')
  assert.equal(errorName(9999), 'UNKNOWN_ERROR_CODE_9999')
})
