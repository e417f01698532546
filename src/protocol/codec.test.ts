import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decode, decodeVersioned, encode, encodeToBuffer, encodeVersioned } from './codec.js'
import { apiMessages } from './messages/index.js'
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from './messages/consumer-protocol.js'
import { GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue } from './messages/consumer-offsets-records.js'
import { ControlledShutdownRequest } from './messages/controlled-shutdown.js'
import { FetchRequest } from './messages/fetch.js'
import { HeartbeatRequest } from './messages/heartbeat.js'
import { ListOffsetsRequest, ListOffsetsResponse } from './messages/list-offsets.js'
import { ProduceRequest } from './messages/produce.js'
import { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'
import { ProtocolError } from './protocol-error.js'
import type { MessageDescriptor } from './schema/index.js'
import { sampleValue } from './support/sample-value.js'

const DATA = [ConsumerProtocolSubscription, ConsumerProtocolAssignment, OffsetCommitKey, OffsetCommitValue, GroupMetadataKey, GroupMetadataValue]
const ALL: MessageDescriptor[] = [...apiMessages.flatMap(m => [m.request, m.response]), ...DATA]

function versions (msg: MessageDescriptor): number[] {
  const out: number[] = []
  for (let v = msg.validVersions.min; v <= msg.validVersions.max; v++) out.push(v)
  return out
}

/** Every key of `expected` has the same value in `actual` (decode adds absent fields as defaults). */
function assertContains (actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === 'object' && !Buffer.isBuffer(expected)) {
    assert.equal(typeof actual, 'object', path)
    for (const [k, v] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[k], v, `${path}.${k}`)
    return
  }
  assert.deepEqual(actual, expected, path)
}

for (const msg of ALL) {
  test(`${msg.name}: every version round-trips`, () => {
    for (const v of versions(msg)) {
      for (const variant of [0, 1] as const) {
        const value = sampleValue(msg, v, variant)
        const bytes = encodeToBuffer(msg, v, value as never)
        const reader = new Reader(bytes)
        const decoded = decode(msg, v, reader)
        assert.equal(reader.remaining, 0, `${msg.name} v${v}: trailing bytes`)
        assert.deepEqual(Object.keys(decoded), Object.keys(msg.fields), `${msg.name} v${v}: keys`)
        assertContains(decoded, value, `${msg.name} v${v}`)
        assert.deepEqual(encodeToBuffer(msg, v, decoded as never), bytes, `${msg.name} v${v}: re-encode`)
      }
    }
  })
}

test('fuzz: truncated, corrupted and random input throws ProtocolError and never hangs', () => {
  let seed = 42
  const random = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
  const attempt = (msg: MessageDescriptor, v: number, buf: Buffer): void => {
    try {
      decode(msg, v, new Reader(buf))
    } catch (err) {
      if (!(err instanceof ProtocolError)) assert.fail(`${msg.name} v${v} threw ${(err as Error).stack}`)
    }
  }
  for (const msg of ALL) {
    for (const v of versions(msg)) {
      const bytes = encodeToBuffer(msg, v, sampleValue(msg, v) as never)
      const step = Math.max(1, Math.floor(bytes.length / 16))
      for (let cut = 0; cut < bytes.length; cut += step) {
        assert.throws(() => decode(msg, v, new Reader(bytes.subarray(0, cut))), ProtocolError)
      }
      for (let n = 0; n < 8; n++) {
        const corrupt = Buffer.from(bytes)
        for (let k = 0; k < 3; k++) corrupt[Math.floor(random() * corrupt.length)] = Math.floor(random() * 256)
        attempt(msg, v, corrupt)
        attempt(msg, v, Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))))
      }
    }
  }
})

test('missing optional fields take their defaults on encode', () => {
  const bytes = encodeToBuffer(HeartbeatRequest, 3, { groupId: 'g', generationId: 1, memberId: 'm' })
  const decoded = decode(HeartbeatRequest, 3, new Reader(bytes))
  assert.equal(decoded.groupInstanceId, null)
})

test('records stay a view of the frame: decoding Produce copies no record bytes', () => {
  const batch = Buffer.alloc(100, 7)
  const frame = encodeToBuffer(ProduceRequest, 9, {
    acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }],
  })
  const decoded = decode(ProduceRequest, 9, new Reader(frame))
  const records = decoded.topicData[0]!.partitionData[0]!.records!
  assert.equal(records.buffer, frame.buffer)
  const at = records.byteOffset - frame.byteOffset
  frame[at + 1] = 9
  assert.equal(records[1], 9)
})

test('unknown tagged fields are skipped, known ones read', () => {
  const w = new Writer()
  encode(HeartbeatRequest, 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }, w)
  const bytes = w.toBuffer()
  // replace the empty tagged section (last byte 0) with one unknown tag 99 carrying 3 bytes
  const tagged = Buffer.concat([bytes.subarray(0, -1), Buffer.from([1, 99, 3, 1, 2, 3])])
  const reader = new Reader(tagged)
  assert.equal(decode(HeartbeatRequest, 4, reader).memberId, 'm')
  assert.equal(reader.remaining, 0)
})

test('Fetch v15 ReplicaState is tagged: written only when not default', () => {
  const base = { maxWaitMs: 1, minBytes: 1, topics: [] }
  const plain = encodeToBuffer(FetchRequest, 15, base)
  const withState = encodeToBuffer(FetchRequest, 15, { ...base, replicaState: { replicaId: 2, replicaEpoch: 5 } })
  assert.ok(withState.length > plain.length)
  assert.deepEqual(decode(FetchRequest, 15, new Reader(withState)).replicaState, { replicaId: 2, replicaEpoch: 5 })
  assert.deepEqual(decode(FetchRequest, 15, new Reader(plain)).replicaState, { replicaId: -1, replicaEpoch: -1 })
})

test('unsupported versions are refused', () => {
  assert.throws(() => encodeToBuffer(HeartbeatRequest, 5, { groupId: 'g', generationId: 1, memberId: 'm' }), ProtocolError)
})

test('versioned data: newer versions are read with the newest layout, trailing bytes ignored', () => {
  const v3 = encodeVersioned(ConsumerProtocolAssignment, 3, { assignedPartitions: [{ topic: 't', partitions: [0, 1] }] })
  const future = Buffer.concat([v3, Buffer.from([0xde, 0xad])])
  future.writeInt16BE(9, 0)
  const { version, value } = decodeVersioned(ConsumerProtocolAssignment, new Reader(future))
  assert.equal(version, 9)
  assert.deepEqual(value.assignedPartitions, [{ topic: 't', partitions: [0, 1] }])
})

test('int64 fields take any int64: a request at Long.MIN/MAX_VALUE decodes, and the answer built from it encodes', () => {
  const marker = 0x1234_5678_9abc
  const request = encodeToBuffer(ListOffsetsRequest, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: marker }, { partitionIndex: 1, timestamp: marker }] }] })
  const at = (from: number): number => request.indexOf(Buffer.from('000012345678' + '9abc', 'hex'), from)
  const first = at(0)
  request.writeBigInt64BE(2n ** 63n - 1n, first)
  request.writeBigInt64BE(-(2n ** 63n), at(first + 8))
  const decoded = decode(ListOffsetsRequest, 5, new Reader(request))
  const [max, min] = decoded.topics[0]!.partitions.map(p => p.timestamp)
  assert.equal(max, 2 ** 63)
  assert.equal(min, -(2 ** 63))
  const response = encodeToBuffer(ListOffsetsResponse, 5, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: max!, offset: 2 ** 62 }] }] })
  const echoed = decode(ListOffsetsResponse, 5, new Reader(response)).topics[0]!.partitions[0]!
  assert.deepEqual([echoed.timestamp, echoed.offset], [2 ** 63, 2 ** 62])
  assert.notEqual(response.indexOf(Buffer.from('7fffffffffffffff', 'hex')), -1, 'Long.MAX_VALUE goes back out as itself')
})

test('bigint64 fields are exact: a broker epoch above 2^53 round-trips to the bit; absent, it is -1', () => {
  const epoch = 2n ** 53n + 1n
  const bytes = encodeToBuffer(ControlledShutdownRequest, 3, { brokerId: 1, brokerEpoch: epoch })
  assert.equal(decode(ControlledShutdownRequest, 3, new Reader(bytes)).brokerEpoch, epoch)
  assert.equal(decode(ControlledShutdownRequest, 1, new Reader(encodeToBuffer(ControlledShutdownRequest, 1, { brokerId: 1 }))).brokerEpoch, -1n)
})
