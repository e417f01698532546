import { test } from 'node:test'
import assert from 'node:assert/strict'
import { murmur2, partitionForKey } from './murmur2.js'

test('murmur2 equals Java Utils.murmur2 on the vectors of Kafka\'s UtilsTest.testMurmur2', () => {
  const cases: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]
  for (const [key, hash] of cases) assert.equal(murmur2(Buffer.from(key)), hash, key)
})

test('a key lands where Kafka puts it: toPositive(murmur2(key)) % partitions', () => {
  // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 50 = 16
  assert.equal(partitionForKey(Buffer.from('foobar'), 50), 16)
  // the quickstart's keys over 4 partitions, as the Java producer places them
  assert.deepEqual(['1', '2', '3', '4'].map(k => partitionForKey(Buffer.from(k), 4)), [3, 0, 3, 1])
  // the empty key hashes too (it is not a null key)
  assert.equal(murmur2(Buffer.alloc(0)), 275646681)
})
