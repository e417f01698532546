import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Partitioner } from './partitioner.js'
import { partitionForKey } from './murmur2.js'

test('keyed records hash over all partitions, even leaderless ones', () => {
  const p = new Partitioner(16384)
  const key = Buffer.from('user-42')
  assert.equal(p.partition('t', key, 6, [0, 1]), partitionForKey(key, 6))
})

test('null keys stick to one partition until batch.size bytes went there, then move to another', () => {
  const draws = [0.1, 0.1, 0.9]
  const p = new Partitioner(1000, false, () => draws.shift() ?? 0.5)
  const available = [0, 1, 2, 3]
  const first = p.partition('t', null, 4, available)
  assert.equal(first, 0)
  for (let i = 0; i < 9; i++) {
    assert.equal(p.partition('t', null, 4, available), first)
    p.onAppend('t', first, 100, 4, available)
  }
  // 900 bytes: still sticky; the 10th record reaches batch.size and the next record moves on
  assert.equal(p.partition('t', null, 4, available), first)
  p.onAppend('t', first, 100, 4, available)
  const second = p.partition('t', null, 4, available)
  assert.notEqual(second, first, 'the same draw again must not keep the old partition')
})

test('sticky choices prefer partitions with a leader; partitioner.ignore.keys treats keys as null', () => {
  const p = new Partitioner(1000, true, () => 0.99)
  assert.equal(p.partition('t', Buffer.from('k'), 8, [2, 5]), 5)
})
