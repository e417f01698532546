import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apply, diff, type Json } from './merge-patch.js'

test('diff gives the RFC 7396 patch that apply turns back into the new document', () => {
  const from: Json = { brokers: { 1: { live: true, rack: 'a' }, 2: { live: true } }, controller: { id: 1, epoch: 3 }, isr: [1, 2] }
  const to: Json = { brokers: { 1: { live: false, rack: 'a' }, 3: { live: true } }, controller: { id: 3, epoch: 4 }, isr: [1] }
  const patch = diff(from, to)
  assert.deepEqual(patch, { brokers: { 1: { live: false }, 2: null, 3: { live: true } }, controller: { id: 3, epoch: 4 }, isr: [1] })
  assert.deepEqual(apply(from, patch!), to)
  assert.deepEqual(from, { brokers: { 1: { live: true, rack: 'a' }, 2: { live: true } }, controller: { id: 1, epoch: 3 }, isr: [1, 2] }, 'apply leaves its target alone')
})

test('equal documents give no patch; a changed array or a type change replaces the value', () => {
  assert.equal(diff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), undefined)
  assert.deepEqual(diff({ a: [1, 2] }, { a: [1, 2, 3] }), { a: [1, 2, 3] })
  assert.deepEqual(diff({ a: { b: 1 } }, { a: 5 }), { a: 5 })
  assert.deepEqual(apply({ a: 5 }, { a: { b: 1 } }), { a: { b: 1 } })
  assert.deepEqual(diff(undefined, { a: 1 }), { a: 1 })
})
