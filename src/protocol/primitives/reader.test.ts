import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Reader } from './reader.js'
import { Writer } from './writer.js'
import { ProtocolError } from '../protocol-error.js'
import { randomUuid, uuidFromBytes, uuidToBytes, ZERO_UUID } from './uuid.js'

test('varint / varlong zigzag edge cases match Kafka encodings', () => {
  const cases: Array<[number, number[]]> = [
    [0, [0x00]], [-1, [0x01]], [1, [0x02]], [-64, [0x7f]], [63, [0x7e]], [64, [0x80, 0x01]],
    [2147483647, [0xfe, 0xff, 0xff, 0xff, 0x0f]], [-2147483648, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ]
  for (const [n, bytes] of cases) {
    const buf = new Writer().varint(n).toBuffer()
    assert.deepEqual([...buf], bytes, `varint ${n}`)
    assert.equal(new Reader(buf).varint(), n)
  }
  for (const n of [0, -1, 2 ** 40, -(2 ** 40), 2 ** 52 - 1, -(2 ** 52), 1_700_000_000_000]) {
    assert.equal(new Reader(new Writer().varlong(n).toBuffer()).varlong(), n, `varlong ${n}`)
  }
})

test('uvarint: 5 bytes at most, truncation is a ProtocolError', () => {
  for (const n of [0, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) {
    assert.equal(new Reader(new Writer().uvarint(n).toBuffer()).uvarint(), n)
  }
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint(), ProtocolError)
  assert.throws(() => new Reader(Buffer.from([0x80])).uvarint(), ProtocolError)
  assert.throws(() => new Reader(Buffer.alloc(0)).varint(), ProtocolError)
})

test('int64: exact to 2^53, the nearest number beyond; never throws, and what is read writes back', () => {
  for (const n of [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 1_700_000_000_000, -2]) {
    assert.equal(new Reader(new Writer().int64(n).toBuffer()).int64(), n)
  }
  const int64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return b }
  // [on the wire, as read, as written back]
  const extremes: Array<[bigint, number, bigint]> = [
    [2n ** 62n, 2 ** 62, 2n ** 62n],
    [2n ** 63n - 1n, 2 ** 63, 2n ** 63n - 1n], // Long.MAX_VALUE reads as 2^63 and writes back as itself
    [-(2n ** 63n), -(2 ** 63), -(2n ** 63n)], // Long.MIN_VALUE
    [2n ** 53n + 1n, 2 ** 53, 2n ** 53n],
    [-(2n ** 60n) - 3n, -(2 ** 60), -(2n ** 60n)],
  ]
  for (const [wire, read, written] of extremes) {
    const n = new Reader(int64(wire)).int64()
    assert.equal(n, read, `reading ${wire}`)
    assert.equal(new Writer().int64(n).toBuffer().readBigInt64BE(0), written, `writing back ${wire}`)
  }
  const ascending = [-(2n ** 63n), -(2n ** 60n), -1n, 0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 62n + 1n, 2n ** 63n - 1n]
  const read = ascending.map(v => new Reader(int64(v)).int64())
  for (let i = 1; i < read.length; i++) assert.ok(read[i - 1]! <= read[i]!, `order kept between ${ascending[i - 1]} and ${ascending[i]}`)
  assert.throws(() => new Writer().int64(1.5), ProtocolError)
  assert.throws(() => new Writer().int64(Number.NaN), ProtocolError)
})

test('varlong: magnitudes beyond 2^53 read as the nearest number, sign kept', () => {
  /** Kafka's zigzag varlong of a 64-bit value (ByteUtils.writeVarlong). */
  const varlong = (v: bigint): Buffer => {
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
    const bytes: number[] = []
    while (z >= 0x80n) { bytes.push(Number(z & 0x7fn) | 0x80); z >>= 7n }
    bytes.push(Number(z))
    return Buffer.from(bytes)
  }
  const cases: Array<[bigint, number]> = [
    [2n ** 62n, 2 ** 62], [-(2n ** 62n) - 1n, -(2 ** 62)], [2n ** 63n - 1n, 2 ** 63], [-(2n ** 63n), -(2 ** 63)], [2n ** 53n + 1n, 2 ** 53], [-(2n ** 52n), -(2 ** 52)],
  ]
  for (const [v, n] of cases) {
    const r = new Reader(Buffer.concat([varlong(v), Buffer.from([0x2a])]))
    assert.equal(r.varlong(), n, `varlong ${v}`)
    assert.equal(r.int8(), 0x2a, `varlong ${v} consumed exactly its bytes`)
  }
})

test('strings and bytes, plain and compact, nullable', () => {
  const w = new Writer(4)
  w.string('héllo').nullableString(null).compactString('ü').compactNullableString(null)
    .bytes(Buffer.from([1, 2])).nullableBytes(null).compactBytes(Buffer.from([3])).compactNullableBytes(null)
  const r = new Reader(w.toBuffer())
  assert.equal(r.string(), 'héllo')
  assert.equal(r.nullableString(), null)
  assert.equal(r.compactString(), 'ü')
  assert.equal(r.compactNullableString(), null)
  assert.deepEqual([...r.bytes()], [1, 2])
  assert.equal(r.nullableBytes(), null)
  assert.deepEqual([...r.compactBytes()], [3])
  assert.equal(r.compactNullableBytes(), null)
  assert.equal(r.remaining, 0)
  assert.throws(() => new Reader(Buffer.from([0xff, 0xff])).string(), ProtocolError)
  assert.throws(() => new Reader(Buffer.from([0, 5, 1])).string(), ProtocolError)
})

test('bytes are views of the input, not copies', () => {
  const buf = Buffer.from([0, 0, 0, 2, 9, 9])
  const b = new Reader(buf).bytes()
  buf[4] = 1
  assert.equal(b[0], 1)
})

test('uuid text form is URL-safe base64 of the 16 bytes', () => {
  const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
  const text = uuidFromBytes(bytes)
  assert.equal(text, 'ABEiM0RVZneImaq7zN3u_w')
  assert.deepEqual(uuidToBytes(text), Buffer.from(bytes))
  assert.equal(new Reader(new Writer().uuid(text).toBuffer()).uuid(), text)
  assert.equal(uuidFromBytes(Buffer.alloc(16)), ZERO_UUID)
  assert.throws(() => uuidToBytes('short'), ProtocolError)
  const id = randomUuid()
  assert.equal(id.length, 22)
  assert.notEqual(id, ZERO_UUID)
})

test('writer grows, keeps big raw buffers as chunks, and patches across them', () => {
  const w = new Writer(2).int32(0)
  const big = Buffer.alloc(10_000, 5)
  w.int16(7).raw(big).int8(1)
  w.patchInt32(0, w.length - 4)
  const chunks = w.toChunks()
  assert.ok(chunks.includes(big))
  const all = w.toBuffer()
  assert.equal(all.length, 4 + 2 + 10_000 + 1)
  assert.equal(all.readInt32BE(0), all.length - 4)
  assert.equal(all.readInt16BE(4), 7)
  assert.equal(all[all.length - 1], 1)
})

test('collection counts above the remaining bytes are refused before allocating', () => {
  assert.throws(() => new Reader(Buffer.alloc(3)).checkCount(2 ** 31 - 1), ProtocolError)
})
