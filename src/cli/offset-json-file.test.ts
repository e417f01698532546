import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UsageError } from '../errors.js'
import { parseOffsetJson } from './offset-json-file.js'

test('Kafka\'s offset JSON: version 1 (also when absent), -1 allowed', () => {
  assert.deepEqual(parseOffsetJson('{"partitions":[{"topic":"t","partition":0,"offset":5},{"topic":"t","partition":1,"offset":-1}],"version":1}'),
    [{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: -1 }])
  assert.deepEqual(parseOffsetJson('{"partitions":[]}'), [])
})

test('bad offset JSON names the field and the value', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"partitions":', /not valid JSON/],
    ['[1]', /expected a JSON object/],
    ['{"version":2,"partitions":[]}', /"version" 2 is not supported/],
    ['{"version":1}', /missing "partitions"/],
    ['{"partitions":{}}', /"partitions" must be an array/],
    ['{"partitions":[{"partition":0,"offset":1}]}', /partitions\[0\]\.topic must be a non-empty string, got undefined/],
    ['{"partitions":[{"topic":"t","partition":"0","offset":1}]}', /partitions\[0\]\.partition must be an integer .* got "0"/],
    ['{"partitions":[{"topic":"t","partition":4294967296,"offset":1}]}', /partitions\[0\]\.partition/],
    ['{"partitions":[{"topic":"t","partition":0,"offset":-2}]}', /partitions\[0\]\.offset must be an integer >= -1/],
    ['{"partitions":[{"topic":"t","partition":0,"offset":1.5}]}', /partitions\[0\]\.offset/],
    ['{"partitions":[{"topic":"t","partition":0,"offset":1},{"topic":"t","partition":0,"offset":2}]}', /duplicate topic partitions: t-0/],
  ]
  for (const [text, message] of cases) {
    assert.throws(() => parseOffsetJson(text), (err: unknown) => err instanceof UsageError && message.test(err.message) && err.message.startsWith('Option offset-json-file:'), text)
  }
})
