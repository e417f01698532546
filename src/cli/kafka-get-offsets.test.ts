import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UsageError } from '../errors.js'
import { parsePartitions, parseTime } from './kafka-get-offsets.js'

test('--time takes GetOffsetShell\'s names and numbers; anything else names the flag', () => {
  assert.equal(parseTime('latest'), -1)
  assert.equal(parseTime('earliest'), -2)
  assert.equal(parseTime('-1'), -1)
  assert.equal(parseTime('-2'), -2)
  assert.equal(parseTime('1700000000000'), 1_700_000_000_000)
  for (const bad of ['yesterday', '-3', '1.5', '', '99999999999999999999']) {
    assert.throws(() => parseTime(bad), (err: unknown) => err instanceof UsageError && err.message.startsWith(`Option time: Malformed time argument ${bad}.`), bad)
  }
})

test('--partitions is a comma separated list of ids', () => {
  assert.equal(parsePartitions(undefined), null)
  assert.deepEqual(parsePartitions('0,2'), new Set([0, 2]))
  for (const bad of ['a', '0,,1', '-1', '1,x']) {
    assert.throws(() => parsePartitions(bad), /Option partitions: --partitions expects a comma separated list of numeric partition ids, but received/, bad)
  }
})
