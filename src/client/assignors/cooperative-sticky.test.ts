import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CooperativeStickyAssignor } from './cooperative-sticky.js'
import { layout, member } from './support/layout.js'

const six = new Map([['t', 6]])
const assignor = new CooperativeStickyAssignor()

test('cooperative-sticky: a first rebalance spreads evenly', () => {
  const result = assignor.assign(six, ['a', 'b', 'c'].map(id => member(id, ['t'])))
  assert.deepEqual(Object.values(layout(result)).map(l => l.length), [2, 2, 2])
  assert.deepEqual(Object.values(layout(result)).flat().sort(), ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'])
})

test('cooperative-sticky: a member leaving: the others keep what they own and split its partitions', () => {
  const result = assignor.assign(six, [member('a', ['t'], { owned: ['t-0', 't-3'], generationId: 1 }), member('b', ['t'], { owned: ['t-1', 't-4'], generationId: 1 })])
  const l = layout(result)
  assert.ok(['t-0', 't-3'].every(p => l.a!.includes(p)) && ['t-1', 't-4'].every(p => l.b!.includes(p)), JSON.stringify(l))
  assert.deepEqual([l.a!.length, l.b!.length], [3, 3])
  assert.deepEqual([...l.a!, ...l.b!].sort(), ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'])
})

test('cooperative-sticky: a member joining: first round revokes only what moves and withholds it, second round hands it over', () => {
  const owned = { a: ['t-0', 't-1', 't-2'], b: ['t-3', 't-4', 't-5'] }
  const first = layout(assignor.assign(six, [member('a', ['t'], { owned: owned.a, generationId: 3 }), member('b', ['t'], { owned: owned.b, generationId: 3 }), member('c', ['t'])]))
  assert.equal(first.c!.length, 0, 'the new member gets nothing while the partitions are still owned')
  assert.deepEqual([first.a!.length, first.b!.length], [2, 2], 'each old member gives up one partition')
  assert.ok(first.a!.every(p => owned.a.includes(p)) && first.b!.every(p => owned.b.includes(p)), 'nothing else moves')
  const second = layout(assignor.assign(six, [member('a', ['t'], { owned: first.a, generationId: 4 }), member('b', ['t'], { owned: first.b, generationId: 4 }), member('c', ['t'], { generationId: 4 })]))
  assert.deepEqual(second.a, first.a)
  assert.deepEqual(second.b, first.b)
  const revoked = [...owned.a, ...owned.b].filter(p => !first.a!.includes(p) && !first.b!.includes(p))
  assert.deepEqual(second.c, revoked.sort(), 'the new member gets exactly the revoked partitions')
})

test('cooperative-sticky: a partition claimed by two members goes to the higher generation', () => {
  const l = layout(assignor.assign(new Map([['t', 2]]), [member('a', ['t'], { owned: ['t-0'], generationId: 2 }), member('b', ['t'], { owned: ['t-0'], generationId: 5 })]))
  assert.deepEqual(l, { a: ['t-1'], b: ['t-0'] })
})

test('cooperative-sticky: unequal subscriptions: members only get topics they subscribe to, balanced where they can be', () => {
  const l = layout(assignor.assign(new Map([['x', 4], ['y', 2]]), [member('a', ['x', 'y']), member('b', ['x']), member('c', ['y'])]))
  assert.ok(l.b!.every(p => p.startsWith('x-')) && l.c!.every(p => p.startsWith('y-')), JSON.stringify(l))
  assert.deepEqual([...l.a!, ...l.b!, ...l.c!].sort(), ['x-0', 'x-1', 'x-2', 'x-3', 'y-0', 'y-1'])
  assert.deepEqual([l.a!.length, l.b!.length, l.c!.length].sort(), [2, 2, 2])
})
