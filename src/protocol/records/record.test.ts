import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RecordBatch, validateBatches } from './record-batch.js'
import { buildRecordBatch, decodeRecord, decodeRecordBatches, encodeRecord } from './record.js'
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
