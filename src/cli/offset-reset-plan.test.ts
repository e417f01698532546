import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UsageError } from '../errors.js'
import { parseDateTime } from './offset-reset-plan.js'

test('--to-datetime: Kafka\'s format in local time, or with a zone; anything else is a UsageError naming the format', () => {
  assert.equal(parseDateTime('2020-01-01T00:00:00.000'), new Date(2020, 0, 1).getTime())
  assert.equal(parseDateTime('2020-01-01T12:30:15'), new Date(2020, 0, 1, 12, 30, 15).getTime())
  assert.equal(parseDateTime('2020-01-01T00:00:00.000Z'), Date.UTC(2020, 0, 1))
  assert.equal(parseDateTime('2020-01-01T01:00:00.5+01:00'), Date.UTC(2020, 0, 1) + 500)
  assert.equal(parseDateTime('2020-01-01T00:00:00.000-0230'), Date.UTC(2020, 0, 1, 2, 30))
  assert.throws(() => parseDateTime('2020-01-01 00:00'), (err: Error) => err instanceof UsageError && /YYYY-MM-DDTHH:mm:SS\.sss/.test(err.message))
})
