import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RecordBatch, validateBatches } from './record-batch.js'
import { buildRecordBatch, decodeRecord, decodeRecordBatches, encodeRecord, recordSizeInBytes, writeBatchHeader, writeRecord } from './record.js'
import { Compression } from './compression.js'
import { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'
import { ProtocolError } from '../protocol-error.js'

test('a record round-trips with null key, headers and a null header value', () => {
  const record = {
    attributes: 0, timestampDelta: 12, offsetDelta: 3, key: null, value: Buffer.from('v'),
    headers: [{ key: 'h1', value: Buffer.from('x') }, { key: 'h2', value: null }],
  }
  const bytes = encodeRecord(new Writer(), record).toBuffer()
  const r = new Reader(bytes)
  assert.deepEqual(decodeRecord(r), record)
  assert.equal(r.remaining, 0)
})

test('writeRecord writes in place what a Writer would, at every varint width, and recordSizeInBytes says how much', () => {
  const deltas = [0, 1, -1, 63, 64, -65, 8191, 8192, 1 << 20, 2 ** 31, -(2 ** 31), 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER >> 1]
  const lengths = [0, 63, 64, 8191, 8192, 100_000]
  for (const timestampDelta of deltas) {
    for (const len of lengths) {
      const record = {
        attributes: 0, timestampDelta, offsetDelta: len, key: len === 0 ? null : Buffer.alloc(len, 7), value: Buffer.alloc(len >> 1, 9),
        headers: len === 64 ? [{ key: 'ключ', value: Buffer.from('x') }, { key: '', value: null }] : [],
      }
      // the reference encoding, through Writer's varints
      const body = new Writer().int8(0).varlong(timestampDelta).varint(record.offsetDelta)
      for (const b of [record.key, record.value]) b === null ? body.varint(-1) : body.varint(b.length).raw(b)
      body.varint(record.headers.length)
      for (const h of record.headers) {
        body.varint(Buffer.byteLength(h.key)).raw(Buffer.from(h.key))
        h.value === null ? body.varint(-1) : body.varint(h.value.length).raw(h.value)
      }
      const expected = Buffer.concat([new Writer().varint(body.length).toBuffer(), body.toBuffer()])
      const size = recordSizeInBytes(timestampDelta, record.offsetDelta, record.key, record.value, record.headers)
      assert.equal(size, expected.length, `size for delta ${timestampDelta}, length ${len}`)
      const buf = Buffer.alloc(size + 3, 0xee)
      assert.equal(writeRecord(buf, 3, timestampDelta, record.offsetDelta, record.key, record.value, record.headers), size + 3)
      assert.deepEqual(buf.subarray(3), expected, `bytes for delta ${timestampDelta}, length ${len}`)
      assert.deepEqual(decodeRecord(new Reader(buf, 3)), record)
    }
  }
})

test('writeBatchHeader seals records encoded after a header-sized gap into the same batch sealRecordBatch makes', () => {
  const built = buildRecordBatch({ baseTimestamp: 1000, records: [{ value: 'a', timestamp: 1000 }, { key: 'k', value: 'b', timestamp: 1003 }] })
  const inPlace = Buffer.from(built)
  inPlace.fill(0, 0, 61)
  writeBatchHeader(inPlace, { recordCount: 2, baseTimestamp: 1000, maxTimestamp: 1003 }, inPlace.length - 61)
  assert.deepEqual(inPlace, built)
  assert.equal(new RecordBatch(inPlace).isValidCrc(), true)
})

test('buildRecordBatch makes a valid v2 batch that decodes back', () => {
  for (const compression of [Compression.none, Compression.gzip]) {
    const batch = buildRecordBatch({
      baseOffset: 100, compression, baseTimestamp: 1000,
      records: [{ key: 'k', value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 1005, headers: [{ key: 'h', value: 'v' }] }],
    })
    const view = new RecordBatch(batch)
    assert.equal(view.isValidCrc(), true)
    assert.equal(view.compressionCodec, compression)
    assert.equal(view.maxTimestamp, 1005)
    assert.equal(validateBatches(batch, { maxMessageBytes: 1 << 20 }).errorCode, 0)
    const [decoded] = decodeRecordBatches(batch)
    assert.deepEqual(decoded!.records.map(r => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()]),
      [[100, 1000, 'k', 'a'], [101, 1005, null, 'b']])
    assert.equal(decoded!.records[1]!.headers[0]!.value!.toString(), 'v')
  }
})

test('decodeRecordBatches ignores a partial trailing batch and rejects a bad CRC', () => {
  const a = buildRecordBatch({ records: [{ value: 'x' }] })
  const b = buildRecordBatch({ records: [{ value: 'y' }] })
  const both = Buffer.concat([a, b.subarray(0, b.length - 1)])
  assert.equal(decodeRecordBatches(both).length, 1)
  const bad = Buffer.from(a)
  bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff
  assert.throws(() => decodeRecordBatches(bad), ProtocolError)
})

test('unsupported codecs fail with a clear error', () => {
  assert.throws(() => buildRecordBatch({ records: [{ value: 'x' }], compression: Compression.zstd }), /zstd is not supported/)
})
