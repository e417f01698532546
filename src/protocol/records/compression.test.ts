import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compress, compressAsync, Compression, compressionByName, decompress, decompressAsync } from './compression.js'
import { decodeRecordBatch, encodeRecord, sealRecordBatch } from './record.js'
import { Writer } from '../primitives/writer.js'
import { ProtocolError } from '../protocol-error.js'

const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"id":${i},"user":"u${i % 17}"}`).join('\n'))
const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const

for (const name of codecs) {
  const codec = compressionByName(name)!
  test(`${name}: async round trip, and the bytes are really compressed`, async () => {
    const packed = await compressAsync(codec, text)
    assert.ok(packed.length < text.length / 2, `${name} left ${packed.length} of ${text.length} bytes`)
    assert.deepEqual(await decompressAsync(codec, packed), text)
  })

  test(`${name}: sync and async paths read each other's output`, async () => {
    if (codec === Compression.zstd) {
      assert.throws(() => compress(codec, text), /zstd is not supported synchronously/)
      return
    }
    assert.deepEqual(decompress(codec, await compressAsync(codec, text)), text)
    assert.deepEqual(await decompressAsync(codec, compress(codec, text)), text)
  })

  test(`${name}: garbage is a ProtocolError naming the codec`, async () => {
    const garbage = Buffer.from('definitely not compressed data, not even close')
    await assert.rejects(decompressAsync(codec, garbage), (err: Error) => err instanceof ProtocolError && err.message.includes(name))
  })
}

test('snappy reads the xerial framing Java and kafka-python write (several blocks)', () => {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
  const parts = [text.subarray(0, 1000), text.subarray(1000)].map(p => {
    const block = compress(Compression.snappy, p)
    const size = Buffer.alloc(4)
    size.writeInt32BE(block.length)
    return Buffer.concat([size, block])
  })
  assert.deepEqual(decompress(Compression.snappy, Buffer.concat([header, ...parts])), text)
})

test('a zstd batch sealed from async-compressed records decodes with the records inflated apart', async () => {
  const w = new Writer()
  for (let i = 0; i < 3; i++) encodeRecord(w, { attributes: 0, timestampDelta: i, offsetDelta: i, key: null, value: Buffer.from(`v${i}`), headers: [] })
  const batch = sealRecordBatch({ recordCount: 3, baseTimestamp: 1000, maxTimestamp: 1002, compression: Compression.zstd },
    await compressAsync(Compression.zstd, w.toBuffer()))
  const inflated = await decompressAsync(Compression.zstd, batch.subarray(61))
  const decoded = decodeRecordBatch(batch, inflated)
  assert.deepEqual(decoded.records.map(r => [r.offset, r.timestamp, r.value?.toString()]), [[0, 1000, 'v0'], [1, 1001, 'v1'], [2, 1002, 'v2']])
})
