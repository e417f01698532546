import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UsageError } from '../errors.js'
import { formatReassignmentJson, parseReassignmentJson, parseTopicsJson } from './reassignment-json-file.js'

const FLAG = 'reassignment-json-file'

test('Kafka\'s reassignment JSON: version 1 (also when absent), log_dirs optional and "any"; written back sorted with log_dirs', () => {
  const parsed = parseReassignmentJson(FLAG, '{"partitions":[{"topic":"b","partition":0,"replicas":[2,1]},{"topic":"a","partition":10,"replicas":[3],"log_dirs":["any"]},{"topic":"a","partition":2,"replicas":[1]}],"version":1}', true)
  assert.deepEqual(parsed, [{ topic: 'b', partition: 0, replicas: [2, 1] }, { topic: 'a', partition: 10, replicas: [3] }, { topic: 'a', partition: 2, replicas: [1] }])
  assert.equal(formatReassignmentJson(parsed),
    '{"version":1,"partitions":[{"topic":"a","partition":2,"replicas":[1],"log_dirs":["any"]},{"topic":"a","partition":10,"replicas":[3],"log_dirs":["any"]},{"topic":"b","partition":0,"replicas":[2,1],"log_dirs":["any","any"]}]}')
  assert.deepEqual(parseReassignmentJson(FLAG, '{}', false), [], '--verify and --cancel take an empty file')
  assert.deepEqual(parseTopicsJson('topics-to-move-json-file', '{"topics":[{"topic":"foo"},{"topic":"foo1"}],"version":1}'), ['foo', 'foo1'])
})

test('bad reassignment and topics JSON: Kafka\'s sentence, prefixed with the flag', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"partitions":', /The input string is not a valid JSON/],
    ['{"version":2,"partitions":[]}', /Not supported version field value 2/],
    ['{"partitions":[]}', /Partition reassignment list cannot be empty/],
    ['{"partitions":{}}', /"partitions" must be an array/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[]}]}', /Partition replica list cannot be empty/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}]}', /duplicate topic partitions: t-0/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[1,2,1]}]}', /may not contain duplicate entries: t-0 contains multiple entries for 1/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any"]}]}', /Size of replicas list \[1, 2\] is different from size of log dirs list \[any\] for partition t-0/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["/data"]}]}', /moving replicas between log directories is not supported/],
    ['{"partitions":[{"topic":"t","partition":-1,"replicas":[1]}]}', /partitions\[0\]\.partition must be an integer/],
    ['{"partitions":[{"topic":"t","partition":0,"replicas":["1"]}]}', /partitions\[0\]\.replicas must be an array of broker ids/],
    ['{"partitions":[{"partition":0,"replicas":[1]}]}', /partitions\[0\]\.topic must be a non-empty string/],
  ]
  for (const [text, message] of cases) {
    assert.throws(() => parseReassignmentJson(FLAG, text, true), (err: unknown) => err instanceof UsageError && message.test(err.message) && err.message.startsWith(`Option ${FLAG}:`), text)
  }
  assert.throws(() => parseTopicsJson('topics-to-move-json-file', '{"topics":[{"topic":"a"},{"topic":"a"}]}'), /List of topics to reassign contains duplicate entries: \[a\]/)
  assert.throws(() => parseTopicsJson('topics-to-move-json-file', '{"topics":[]}'), /no topics to move/)
  assert.throws(() => parseTopicsJson('topics-to-move-json-file', '{"topics":[{"name":"a"}]}'), /topics\[0\] must be an object with a non-empty "topic"/)
})
