import { test } from 'node:test'
import assert from 'node:assert/strict'
import { javaStringHashCode, kafkaAbs } from './java-string-hash.js'
import { partitionForGroup } from './offsets-topic.js'

test('javaStringHashCode matches Java String.hashCode()', () => {
  assert.equal(javaStringHashCode(''), 0)
  assert.equal(javaStringHashCode('a'), 97)
  assert.equal(javaStringHashCode('hello'), 99162322)
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE, the famous Java example
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648)
  // Wraps around: "hello world".hashCode() == 1794106052; "console-consumer-12345".hashCode() is negative
  assert.equal(javaStringHashCode('hello world'), 1794106052)
  assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB')) // 2112, Java's classic collision
  // UTF-16 code units, not code points: U+1F600 is two units
  assert.equal(javaStringHashCode('😀'), Math.imul(31, 0xd83d) + 0xde00)
})

test('kafkaAbs maps Integer.MIN_VALUE to 0, like Utils.abs', () => {
  assert.equal(kafkaAbs(-2147483648), 0)
  assert.equal(kafkaAbs(-5), 5)
  assert.equal(kafkaAbs(7), 7)
})

test('partitionForGroup is abs(hash) % partitions, MIN_VALUE-safe', () => {
  assert.equal(partitionForGroup('', 50), 0)
  assert.equal(partitionForGroup('a', 50), 97 % 50)
  assert.equal(partitionForGroup('hello', 50), 99162322 % 50)
  // Math.abs(MIN_VALUE) % 50 would be 48 in JS and -48 in Java; Kafka's Utils.abs gives 0
  assert.equal(partitionForGroup('polygenelubricants', 50), 0)
  assert.equal(partitionForGroup('polygenelubricants', 7), 0)
  for (const g of ['my-group', 'console-consumer-12345', 'x'.repeat(300)]) {
    const p = partitionForGroup(g, 50)
    assert.ok(p >= 0 && p < 50, `${g} → ${p}`)
  }
})
