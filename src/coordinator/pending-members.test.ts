import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { PendingMembers } from './pending-members.js'

/** What a set should answer, from a plain Map of id → deadline. */
function assertSame (set: PendingMembers, model: ReadonlyMap<string, number>, ids: readonly string[], nowMs: number): void {
  assert.equal(set.size, model.size)
  assert.equal(set.earliestDeadlineMs, Math.min(Infinity, ...model.values()))
  for (const id of ids) assert.equal(set.has(id), model.has(id), id)
  assert.deepEqual(set.expiredAt(nowMs).sort(), [...model].filter(([, deadline]) => deadline <= nowMs).map(([id]) => id).sort())
}

test('with, without, has, size, the earliest deadline and the expired ids agree with a Map through random edits', () => {
  let seed = 42
  const random = (n: number): number => { seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0; return seed % n }
  const ids = Array.from({ length: 300 }, (_, i) => `consumer-${i}-${randomUUID()}`)
  let set = PendingMembers.EMPTY
  const model = new Map<string, number>()
  for (let step = 0; step < 5000; step++) {
    const id = ids[random(ids.length)]!
    if (random(3) === 0) {
      set = set.without(id)
      model.delete(id)
    } else {
      const deadline = 1000 + random(500)
      set = set.with(id, deadline)
      model.set(id, deadline)
    }
    if (step % 250 === 0) assertSame(set, model, ids, 1000 + random(500))
  }
  assertSame(set, model, ids, 1250)
})

test('an edit leaves the set it was made on as it was, and removing an absent id returns the same set', () => {
  const before = PendingMembers.EMPTY.with('a', 10).with('b', 20).with('c', 5)
  const after = before.without('c').with('d', 1).with('a', 30)
  assert.deepEqual([before.size, before.earliestDeadlineMs, before.expiredAt(10).sort()], [3, 5, ['a', 'c']])
  assert.deepEqual([after.size, after.earliestDeadlineMs, after.expiredAt(20).sort()], [3, 1, ['b', 'd']])
  assert.equal(before.without('zz'), before)
  assert.equal(PendingMembers.EMPTY.earliestDeadlineMs, Infinity)
})

test('100,000 ids added in order and removed in order: the earliest deadline and expiry stay right, and nothing overflows the stack', () => {
  let set = PendingMembers.EMPTY
  const ids = Array.from({ length: 100_000 }, (_, i) => `member-${String(i).padStart(6, '0')}`)
  ids.forEach((id, i) => { set = set.with(id, i) })
  assert.equal(set.size, 100_000)
  assert.equal(set.earliestDeadlineMs, 0)
  assert.equal(set.expiredAt(99).length, 100)
  for (const id of ids.slice(0, 99_990)) set = set.without(id)
  assert.deepEqual([set.size, set.earliestDeadlineMs, set.has(ids[99_995]!), set.has(ids[5]!)], [10, 99_990, true, false])
})
