import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RangeAssignor } from './range.js'
import { layout, member } from './support/layout.js'

test('range: two members, two topics of three partitions (RangeAssignor javadoc)', () => {
  const result = new RangeAssignor().assign(new Map([['t0', 3], ['t1', 3]]), [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])])
  assert.deepEqual(layout(result), { C0: ['t0-0', 't0-1', 't1-0', 't1-1'], C1: ['t0-2', 't1-2'] })
})

test('range: per topic, only its subscribers share it; uneven counts give the first members one more', () => {
  const result = new RangeAssignor().assign(new Map([['a', 7], ['b', 2]]), [member('m3', ['a']), member('m1', ['a', 'b']), member('m2', ['a'])])
  assert.deepEqual(layout(result), { m1: ['a-0', 'a-1', 'a-2', 'b-0', 'b-1'], m2: ['a-3', 'a-4'], m3: ['a-5', 'a-6'] })
})

test('range: more members than partitions leaves the last ones empty; static members sort by instance id first', () => {
  const result = new RangeAssignor().assign(new Map([['t', 2]]), [member('a-dynamic', ['t']), member('z', ['t'], { instanceId: 'i-2' }), member('y', ['t'], { instanceId: 'i-1' })])
  assert.deepEqual(layout(result), { y: ['t-0'], z: ['t-1'], 'a-dynamic': [] })
})

test('range: six partitions over three members, two each (the group tests\' layout)', () => {
  const result = new RangeAssignor().assign(new Map([['t', 6]]), ['c', 'a', 'b'].map(id => member(id, ['t'])))
  assert.deepEqual(layout(result), { a: ['t-0', 't-1'], b: ['t-2', 't-3'], c: ['t-4', 't-5'] })
})
