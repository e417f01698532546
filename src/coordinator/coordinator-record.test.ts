import { test } from 'node:test'
import assert from 'node:assert/strict'
import { groupFromRecord, groupMetadataRecord, offsetCommitRecord, parseCoordinatorRecord } from './coordinator-record.js'
import { newGroup, type Group } from './group.js'
import type { Member } from './member.js'

/** Kafka's wire types, written by hand from Kafka's *.json schemas of these records. */
const int16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b }
const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b }
const int64 = (n: number): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b }
const str = (s: string | null): Buffer => s === null ? int16(-1) : Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)])
const bytes = (b: Buffer): Buffer => Buffer.concat([int32(b.length), b])

test('offset commit: key v1 and value v3 byte for byte as Kafka 3.9 writes them, and back', () => {
  const rec = offsetCommitRecord('grp', 'orders', 7, { offset: 42, leaderEpoch: 3, metadata: 'm', commitTimestampMs: 1_700_000_000_000, expireTimestampMs: null })
  assert.deepEqual(rec.key, Buffer.concat([int16(1), str('grp'), str('orders'), int32(7)]))
  assert.deepEqual(rec.value, Buffer.concat([int16(3), int64(42), int32(3), str('m'), int64(1_700_000_000_000)]))
  assert.deepEqual(parseCoordinatorRecord(rec.key as Buffer, rec.value as Buffer), {
    type: 'offset', group: 'grp', topic: 'orders', partition: 7,
    value: { offset: 42, leaderEpoch: 3, metadata: 'm', commitTimestampMs: 1_700_000_000_000, expireTimestampMs: null },
  })
})

test('offset commit with an explicit retention is value v1 (expireTimestamp); tombstones have no value', () => {
  const rec = offsetCommitRecord('g', 't', 0, { offset: 5, leaderEpoch: -1, metadata: '', commitTimestampMs: 1000, expireTimestampMs: 61_000 })
  assert.deepEqual(rec.value, Buffer.concat([int16(1), int64(5), str(''), int64(1000), int64(61_000)]))
  assert.equal(parseCoordinatorRecord(rec.key as Buffer, rec.value as Buffer).type, 'offset')
  const tomb = offsetCommitRecord('g', 't', 0, null)
  assert.equal(tomb.value, null)
  assert.deepEqual(parseCoordinatorRecord(tomb.key as Buffer, null), { type: 'offset', group: 'g', topic: 't', partition: 0, value: null })
})

test('older records: key v0 and value v0 (Kafka 0.9-era) are read', () => {
  const key = Buffer.concat([int16(0), str('old'), str('t'), int32(2)])
  const value = Buffer.concat([int16(0), int64(99), str('meta'), int64(123)])
  assert.deepEqual(parseCoordinatorRecord(key, value), {
    type: 'offset', group: 'old', topic: 't', partition: 2,
    value: { offset: 99, leaderEpoch: -1, metadata: 'meta', commitTimestampMs: 123, expireTimestampMs: null },
  })
  assert.deepEqual(parseCoordinatorRecord(Buffer.concat([int16(5), str('x')]), null), { type: 'unknown', keyVersion: 5 })
})

test('group metadata: key v2 and value v3 byte for byte, and loaded back as a Stable group', () => {
  const member: Member = {
    memberId: 'c-1', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }], assignment: Buffer.from('old'),
    awaitingJoin: null, awaitingSync: null, isNew: false, lastHeartbeatMs: 0,
  }
  const group: Group = { ...newGroup('grp', 0), state: 'CompletingRebalance', protocolType: 'consumer', protocolName: 'range', generationId: 4, leaderId: 'c-1', members: new Map([['c-1', member]]), currentStateTimestampMs: 555 }
  const rec = groupMetadataRecord(group, new Map([['c-1', Buffer.from('asg')]]))
  assert.deepEqual(rec.key, Buffer.concat([int16(2), str('grp')]))
  assert.deepEqual(rec.value, Buffer.concat([
    int16(3), str('consumer'), int32(4), str('range'), str('c-1'), int64(555), int32(1),
    str('c-1'), str(null), str('c'), str('/127.0.0.1'), int32(300_000), int32(10_000), bytes(Buffer.from('sub')), bytes(Buffer.from('asg')),
  ]))
  const parsed = parseCoordinatorRecord(rec.key as Buffer, rec.value as Buffer)
  assert.ok(parsed.type === 'group' && parsed.value !== null)
  const loaded = groupFromRecord('grp', parsed.value, 9999)
  assert.equal(loaded.state, 'Stable')
  assert.equal(loaded.generationId, 4)
  assert.equal(loaded.leaderId, 'c-1')
  assert.equal(loaded.members.get('c-1')?.assignment.toString(), 'asg')
  assert.equal(loaded.members.get('c-1')?.lastHeartbeatMs, 9999, 'sessions start over at load')
})

test('an empty group record loads as Empty; currentStateTimestamp -1 means unknown', () => {
  const rec = groupMetadataRecord({ ...newGroup('e', 0), generationId: 2, protocolType: 'consumer', currentStateTimestampMs: null }, null)
  const parsed = parseCoordinatorRecord(rec.key as Buffer, rec.value as Buffer)
  assert.ok(parsed.type === 'group' && parsed.value !== null)
  const loaded = groupFromRecord('e', parsed.value, 1)
  assert.equal(loaded.state, 'Empty')
  assert.equal(loaded.currentStateTimestampMs, null)
  assert.equal(loaded.protocolName, null)
})
