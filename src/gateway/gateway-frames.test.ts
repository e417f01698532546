import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BadRequest, parseRequest } from './gateway-frames.js'
import { encodeCursor, parseStartPosition } from './cursor.js'
import { typedValueOf } from './typed-value.js'

const limits = { maxBatchRecords: 3 }
const bad = (frame: unknown): BadRequest => {
  try {
    parseRequest(typeof frame === 'string' ? frame : JSON.stringify(frame), limits)
  } catch (err) {
    if (err instanceof BadRequest) return err
    throw err
  }
  assert.fail(`accepted ${JSON.stringify(frame)}`)
}

test('produce: typed keys, values and headers become bytes; acks default to all', () => {
  const r = parseRequest(JSON.stringify({ op: 'produce', id: 7, topic: 't', key: { type: 'string', data: 'k' }, value: { type: 'json', data: { a: 1 } }, headers: [{ name: 'h', value: { type: 'base64', data: 'AAE=' } }, { name: 'n', value: null }] }), limits)
  assert.equal(r.op, 'produce')
  if (r.op !== 'produce') return
  assert.equal(r.id, 7)
  assert.equal(r.acks, 'all')
  assert.deepEqual(r.record.key, Buffer.from('k'))
  assert.deepEqual(r.record.value, Buffer.from('{"a":1}'))
  assert.deepEqual(r.record.headers, [{ key: 'h', value: Buffer.from([0, 1]) }, { key: 'n', value: null }])
})

test('a bad field is named, with the request id kept for the answer', () => {
  assert.match(bad({ op: 'produce', id: 'x', topic: 't' }).message, /"value" is missing/)
  assert.equal(bad({ op: 'produce', id: 'x', topic: 't' }).ids.id, 'x')
  assert.match(bad({ op: 'produce', topic: 't', value: { type: 'string', data: 5 } }).message, /"value".data must be a string/)
  assert.match(bad({ op: 'produce', topic: 't', value: null, partition: -1 }).message, /"partition"/)
  assert.match(bad({ op: 'produce', topic: 'x'.repeat(250), value: null }).message, /topic name/)
  assert.match(bad({ op: 'produce', topic: 't', value: null, acks: 2 }).message, /"acks"/)
  assert.match(bad({ op: 'produceBatch', records: [{}, {}, {}, {}] }).message, /at most 3/)
  assert.match(bad({ op: 'produceBatch', records: [{ topic: 't', value: null }, { topic: 't' }] }).message, /"records\[1\]\.value" is missing/)
  assert.match(bad('{"op":').message, /not JSON/)
  assert.match(bad({ op: 'nope' }).message, /unknown op "nope"/)
  assert.match(bad({ nop: 1 }).message, /no "op"/)
  assert.match(bad({ op: 'credit', sub: 's', n: 1.5 }).message, /positive integer/)
  assert.equal(bad({ op: 'credit', sub: 's', n: 0 }).ids.sub, 's')
})

test('subscribe: topics or a safe pattern, a start position, a format and credit', () => {
  const r = parseRequest(JSON.stringify({ op: 'subscribe', sub: 's', pattern: 'orders-.*', group: 'g', from: { timestamp: 5 }, format: 'base64', credit: 0 }), limits)
  assert.equal(r.op, 'subscribe')
  if (r.op !== 'subscribe') return
  assert.ok(r.spec.pattern?.test('orders-eu'))
  assert.ok(!r.spec.pattern?.test('x-orders-eu'), 'the whole name must match, as Java\'s Pattern.matcher().matches()')
  assert.deepEqual(r.spec.from, { kind: 'timestamp', timestamp: 5 })
  assert.equal(r.spec.credit, 0)
  assert.match(bad({ op: 'subscribe', sub: 's', topics: ['a'], pattern: 'b' }).message, /not both/)
  assert.match(bad({ op: 'subscribe', sub: 's', pattern: '(x+)+y' }).message, /exponential/)
  assert.match(bad({ op: 'subscribe', sub: 's', pattern: '(' }).message, /not a regular expression/)
  assert.match(bad({ op: 'subscribe', sub: 's', topics: ['a'], format: 'xml' }).message, /"format"/)
  assert.match(bad({ op: 'subscribe', topics: ['a'] }).message, /"sub"/)
})

test('a cursor round-trips; offsets and cursors differ in where unnamed partitions start', () => {
  const cursor = encodeCursor([{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 3, offset: 9 }, { topic: 'u', partition: 1, offset: 0 }])
  const p = parseStartPosition('from', { cursor })
  assert.ok(!('problem' in p) && p.kind === 'offsets')
  if ('problem' in p || p.kind !== 'offsets') return
  assert.equal(p.otherwise, 'earliest')
  assert.deepEqual([...p.offsets.get('t')!], [[0, 5], [3, 9]])
  const o = parseStartPosition('from', { offsets: { t: { 2: 4 } } })
  assert.ok(!('problem' in o) && o.kind === 'offsets' && o.otherwise === 'latest')
  assert.ok('problem' in parseStartPosition('from', { cursor: '!!!' }))
  assert.ok('problem' in parseStartPosition('from', { offsets: { t: { x: 1 } } }))
  assert.ok('problem' in parseStartPosition('from', { offsets: { t: { 0: -1 } } }))
  assert.ok('problem' in parseStartPosition('from', 'yesterday'))
})

test('outgoing bytes: the format asked for, base64 when they are not valid in it', () => {
  assert.deepEqual(typedValueOf(Buffer.from('{"a":1}'), 'json'), { type: 'json', data: { a: 1 } })
  assert.deepEqual(typedValueOf(Buffer.from('text'), 'json'), { type: 'string', data: 'text' })
  assert.deepEqual(typedValueOf(Buffer.from('{"a":1}'), 'string'), { type: 'string', data: '{"a":1}' })
  assert.deepEqual(typedValueOf(Buffer.from([0xff]), 'string'), { type: 'base64', data: '/w==' })
  assert.deepEqual(typedValueOf(Buffer.from('x'), 'base64'), { type: 'base64', data: 'eA==' })
  assert.equal(typedValueOf(null, 'string'), null)
})
