import { test } from 'node:test'
import assert from 'node:assert/strict'
import { crc32, gzipSync } from 'node:zlib'
import { decodeMessageSet, magicOf, messageSetToRecordBatch, recordBatchesToMessageSet } from './legacy-message-set.js'
import { buildRecordBatch, decodeRecordBatches } from './record.js'
import { compress, Compression } from './compression.js'
import { RecordBatch } from './record-batch.js'
import { ProtocolError } from '../protocol-error.js'

/** A legacy message built by hand, independently of the module under test. */
function message (magic: 0 | 1, offset: number, value: string | Buffer, opts: { key?: string, codec?: number, timestamp?: number } = {}): Buffer {
  const key = opts.key === undefined ? null : Buffer.from(opts.key)
  const v = Buffer.isBuffer(value) ? value : Buffer.from(value)
  const parts: Buffer[] = [Buffer.from([magic, opts.codec ?? 0])]
  if (magic === 1) { const t = Buffer.alloc(8); t.writeBigInt64BE(BigInt(opts.timestamp ?? 0)); parts.push(t) }
  const len = (b: Buffer | null): Buffer => { const l = Buffer.alloc(4); l.writeInt32BE(b === null ? -1 : b.length); return b === null ? l : Buffer.concat([l, b]) }
  parts.push(len(key), len(v))
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(16)
  head.writeBigInt64BE(BigInt(offset))
  head.writeInt32BE(body.length + 4, 8)
  head.writeUInt32BE(crc32(body), 12)
  return Buffer.concat([head, body])
}

test('magic 0 message set (Sarama Produce v0) becomes one v2 batch', () => {
  const set = Buffer.concat([message(0, 0, 'a', { key: 'k' }), message(0, 0, 'b')])
  assert.equal(magicOf(set), 0)
  const batch = messageSetToRecordBatch(set)
  assert.equal(new RecordBatch(batch).isValidCrc(), true)
  const [decoded] = decodeRecordBatches(batch)
  assert.deepEqual(decoded!.records.map(r => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp]),
    [[0, 'k', 'a', -1], [1, null, 'b', -1]])
})

test('gzip-compressed magic 1 wrapper (kafka-go) is unpacked with timestamps', () => {
  const inner = Buffer.concat([message(1, 0, 'x', { timestamp: 5000 }), message(1, 1, 'y', { timestamp: 5001 })])
  const wrapper = message(1, 1, gzipSync(inner), { codec: 1, timestamp: 5001 })
  const batch = messageSetToRecordBatch(wrapper)
  const [decoded] = decodeRecordBatches(batch)
  assert.equal(decoded!.compression, Compression.gzip)
  assert.deepEqual(decoded!.records.map(r => [r.offset, r.value?.toString(), r.timestamp]), [[0, 'x', 5000], [1, 'y', 5001]])
})

test('snappy legacy wrappers in xerial framing (Java, Sarama) unpack; garbage is refused clearly', () => {
  const inner = Buffer.concat([message(1, 0, 'x', { timestamp: 7 }), message(1, 1, 'y', { timestamp: 8 })])
  const block = compress(Compression.snappy, inner)
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
  const size = Buffer.alloc(4)
  size.writeInt32BE(block.length)
  const batch = messageSetToRecordBatch(message(1, 1, Buffer.concat([header, size, block]), { codec: 2, timestamp: 8 }))
  assert.deepEqual(decodeRecordBatches(batch)[0]!.records.map(r => r.value?.toString()), ['x', 'y'])
  assert.throws(() => messageSetToRecordBatch(message(1, 0, Buffer.from('zz'), { codec: 2 })), /snappy payload does not decompress/)
})

test('decodeMessageSet gives consumers absolute offsets, opening magic 1 and magic 0 wrappers', () => {
  const plain = Buffer.concat([message(0, 40, 'a', { key: 'k' }), message(0, 41, 'b')])
  assert.deepEqual(decodeMessageSet(plain).map(r => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp]),
    [[40, 'k', 'a', -1], [41, null, 'b', -1]])
  // magic 1: inner offsets are relative and the wrapper carries the last one's absolute offset
  const inner1 = Buffer.concat([message(1, 0, 'x', { timestamp: 5 }), message(1, 1, 'y', { timestamp: 6 })])
  const wrapper1 = message(1, 101, gzipSync(inner1), { codec: 1, timestamp: 6 })
  assert.deepEqual(decodeMessageSet(wrapper1).map(r => [r.offset, r.value?.toString(), r.timestamp]), [[100, 'x', 5], [101, 'y', 6]])
  // magic 0: inner offsets are absolute already
  const inner0 = Buffer.concat([message(0, 7, 'p'), message(0, 8, 'q')])
  assert.deepEqual(decodeMessageSet(message(0, 8, gzipSync(inner0), { codec: 1 })).map(r => r.offset), [7, 8])
})

test('a corrupted legacy CRC is refused', () => {
  const m = message(0, 0, 'a')
  m[m.length - 1] = m[m.length - 1]! ^ 1
  assert.throws(() => messageSetToRecordBatch(m), ProtocolError)
})

test('v2 batches down-convert to magic 1 and 0 and back, offsets absolute', () => {
  const plain = buildRecordBatch({ baseOffset: 10, records: [{ key: 'k', value: 'a', timestamp: 100 }, { value: 'b', timestamp: 101 }] })
  const zipped = buildRecordBatch({ baseOffset: 12, compression: Compression.gzip, records: [{ value: 'c', timestamp: 102 }, { value: 'd', timestamp: 103 }] })
  for (const magic of [0, 1] as const) {
    const set = recordBatchesToMessageSet(Buffer.concat([plain, zipped]), magic)
    assert.equal(magicOf(set), magic)
    // uncompressed messages keep absolute offsets; the gzip wrapper carries the last inner offset
    assert.deepEqual([set.readBigInt64BE(0), set.readBigInt64BE(12 + set.readInt32BE(8))], [10n, 11n])
    const back = decodeRecordBatches(messageSetToRecordBatch(set))[0]!
    assert.deepEqual(back.records.map(r => r.value?.toString()), ['a', 'b', 'c', 'd'])
    assert.deepEqual(back.records.map(r => r.timestamp), magic === 1 ? [100, 101, 102, 103] : [-1, -1, -1, -1])
  }
})
