import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeRecordBatch } from '../protocol/records/record.js'
import { Compression } from '../protocol/records/compression.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import { RecordAccumulator } from './record-accumulator.js'

const value = Buffer.alloc(100, 1)
const takeAll = (): boolean => true

test('records fill a batch up to batch.size, then a new batch opens; a full batch is ready without lingering', () => {
  const acc = new RecordAccumulator({ batchSize: 1024, lingerMs: 1_000_000, bufferMemory: 1 << 20 })
  for (let i = 0; i < 20; i++) acc.append('t', 0, null, value, [], 1000 + i, 0)
  const drained = acc.drain(1, false, takeAll)
  assert.equal(drained.length, 1, 'one batch per partition per drain')
  const first = drained[0]!
  assert.ok(first.sizeInBytes <= 1024 && first.recordCount > 1, `batch of ${first.recordCount} records, ${first.sizeInBytes} bytes`)
  const counts = [first.recordCount]
  for (let b = acc.drain(1, false, takeAll)[0]; b !== undefined; b = acc.drain(1, false, takeAll)[0]) counts.push(b.recordCount)
  assert.equal(counts.length, 2, 'the second batch is full and so ready too; the last one lingers')
  const last = acc.drain(1, true, takeAll)[0]!
  assert.equal(counts[0]! + counts[1]! + last.recordCount, 20)
})

test('linger.ms: a partly filled batch waits until linger expires, or until a flush', () => {
  const acc = new RecordAccumulator({ batchSize: 16384, lingerMs: 50, bufferMemory: 1 << 20 })
  acc.append('t', 0, null, value, [], 0, 1000)
  assert.deepEqual(acc.drain(1020, false, takeAll), [])
  assert.equal(acc.nextReadyInMs(1020), 30)
  assert.equal(acc.drain(1020, true, takeAll).length, 1, 'flush sends at once')
  acc.append('t', 1, null, value, [], 0, 2000)
  assert.equal(acc.drain(2050, false, takeAll).length, 1, 'lingered long enough')
})

test('sealed batches carry every record, offsets 0..n-1, timestamps, keys and headers, in any codec', async () => {
  for (const compression of [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
    const acc = new RecordAccumulator({ batchSize: 16384, lingerMs: 0, bufferMemory: 1 << 20 })
    acc.append('t', 0, Buffer.from('k1'), Buffer.from('v1'), [{ key: 'h', value: Buffer.from('x') }], 5000, 0)
    acc.append('t', 0, null, Buffer.from('v2'), [], 5007, 0)
    const [batch] = acc.drain(0, false, takeAll)
    const bytes = await batch!.seal(compression)
    const { decompressAsync } = await import('../protocol/records/compression.js')
    const decoded = decodeRecordBatch(bytes, await decompressAsync(compression, bytes.subarray(61)))
    assert.equal(decoded.compression, compression)
    assert.deepEqual(decoded.records.map(r => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString(), r.headers.length]),
      [[0, 5000, 'k1', 'v1', 1], [1, 5007, null, 'v2', 0]])
    assert.equal(decoded.maxTimestamp, 5007)
  }
})

test('delivery results: one callback per record with its offset; failures reach every record of the batch', () => {
  const acc = new RecordAccumulator({ batchSize: 16384, lingerMs: 0, bufferMemory: 1 << 20 })
  const seen: unknown[] = []
  const cb = (err: KafkaError | null, meta: unknown): void => { seen.push(err?.code ?? meta) }
  acc.append('t', 3, null, value, [], 10, 0, cb)
  acc.append('t', 3, null, value, [], 11, 0, cb)
  acc.append('t', 3, null, value, [], 11, 0)
  const [batch] = acc.drain(0, false, takeAll)
  batch!.complete(40, -1)
  assert.deepEqual(seen, [{ topic: 't', partition: 3, offset: 40, timestamp: 10 }, { topic: 't', partition: 3, offset: 41, timestamp: 11 }])
  acc.append('t', 3, null, value, [], 12, 0, cb)
  acc.drain(0, false, takeAll)[0]!.fail(new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, 'too big'))
  assert.equal(seen[2], ErrorCode.MESSAGE_TOO_LARGE)
})

test('buffer.memory: full means no room; releasing a batch wakes the waiters; waiting too long fails', async () => {
  const acc = new RecordAccumulator({ batchSize: 1024, lingerMs: 0, bufferMemory: 500 })
  for (let i = 0; i < 5; i++) acc.append('t', 0, null, value, [], 0, 0)
  assert.equal(acc.hasRoom, false)
  await assert.rejects(acc.waitForRoom(20), (err: KafkaError) => err.code === ErrorCode.REQUEST_TIMED_OUT && /buffer.memory/.test(err.message))
  const waiting = acc.waitForRoom(5000)
  const [batch] = acc.drain(0, false, takeAll)
  batch!.complete(0, -1)
  acc.release(batch!)
  await waiting
  assert.equal(acc.hasRoom, true)
  assert.equal(acc.bufferedBytes, 0)
})

test('a retried batch goes back ahead of newer records and waits out its backoff', () => {
  const acc = new RecordAccumulator({ batchSize: 16384, lingerMs: 0, bufferMemory: 1 << 20 })
  acc.append('t', 0, null, Buffer.from('old'), [], 0, 0)
  const [old] = acc.drain(0, false, takeAll)
  old!.attempts = 1
  acc.append('t', 0, null, Buffer.from('new'), [], 0, 0)
  old!.retryAtMs = 100
  acc.reenqueue(old!)
  assert.deepEqual(acc.drain(50, true, takeAll), [])
  assert.equal(acc.drain(100, true, takeAll)[0], old)
})
