import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RoundRobinAssignor } from './roundrobin.js'
import { layout, member } from './support/layout.js'

test('roundrobin: same subscriptions (RoundRobinAssignor javadoc, first example)', () => {
  const result = new RoundRobinAssignor().assign(new Map([['t0', 3], ['t1', 3]]), [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])])
  assert.deepEqual(layout(result), { C0: ['t0-0', 't0-2', 't1-1'], C1: ['t0-1', 't1-0', 't1-2'] })
})

test('roundrobin: different subscriptions skip members not subscribed (javadoc, second example)', () => {
  const result = new RoundRobinAssignor().assign(new Map([['t0', 1], ['t1', 2], ['t2', 3]]),
    [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])])
  assert.deepEqual(layout(result), { C0: ['t0-0'], C1: ['t1-0'], C2: ['t1-1', 't2-0', 't2-1', 't2-2'] })
})

test('roundrobin: topics nobody subscribes to are not dealt', () => {
  const result = new RoundRobinAssignor().assign(new Map([['a', 2], ['b', 2]]), [member('m', ['b'])])
  assert.deepEqual(layout(result), { m: ['b-0', 'b-1'] })
})
