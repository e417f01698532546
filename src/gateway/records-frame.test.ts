import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFetchedRecords, fetchedBatches, type ConsumerRecord } from '../client/fetched-records.js'
import { buildRecordBatch, type RecordInput } from '../protocol/records/record.js'
import { Compression } from '../protocol/records/compression.js'
import { RecordsFrame } from './records-frame.js'
import type { FetchedChunk } from './shared-fetch.js'
import { typedValueOf, VALUE_FORMATS, type ValueFormat } from './typed-value.js'

/** The frame as the gateway first built it: an object, then JSON.stringify. The text must not differ by a character. */
function asObject (sub: string, records: ConsumerRecord[], format: ValueFormat, cursor: string): string {
  return JSON.stringify({
    op: 'records',
    sub,
    records: records.map(r => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: typedValueOf(r.key, format),
      value: typedValueOf(r.value, format),
      headers: r.headers.map(h => ({ name: h.key, value: typedValueOf(h.value, format) })),
    })),
    cursor,
  })
}

const TOPIC = 'weird "topic"\\'
const BASE = 2 ** 53 - 100

/** Two batches (the second gzip'd, with LogAppendTime) as one Fetch answer's chunk, and what a consumer decodes from them. */
async function chunkOf (inputs: RecordInput[]): Promise<{ chunk: FetchedChunk, records: ConsumerRecord[] }> {
  const half = Math.ceil(inputs.length / 2)
  const data = Buffer.concat([
    buildRecordBatch({ records: inputs.slice(0, half), baseOffset: BASE }),
    buildRecordBatch({ records: inputs.slice(half), baseOffset: BASE + half, compression: Compression.gzip, logAppendTime: true }),
  ])
  const { batches, nextOffset } = await fetchedBatches(TOPIC, 1, data, BASE)
  const { records } = await decodeFetchedRecords(TOPIC, 1, data, BASE)
  return { chunk: { topic: TOPIC, partition: 1, fromOffset: BASE, nextOffset, batches, bytes: data.length }, records }
}

test('a records frame is the same text JSON.stringify gives for the frame object, in every format', async () => {
  const values = [
    null,
    Buffer.from('plain text'),
    Buffer.from('{"a": [1, 2.50, "x"], "b": null}'), // JSON: re-serialised, so spacing and 2.50 change
    Buffer.from('quotes " and \\ backslash, \n\t\r\b\f and \u0001 \u001f controls'),
    Buffer.from('ünïcødé, 日本語, emoji 😀, U+2028 \u2028, a real U+FFFD \uFFFD'),
    Buffer.from([0xff, 0xfe, 0x00]), // not UTF-8: base64 in every format
    Buffer.from([0x61, 0xc3]), // a truncated sequence, which decodes to U+FFFD: base64 too
    Buffer.from('12345678901234567890'), // JSON number beyond 2^53
    Buffer.alloc(0),
  ]
  const inputs: RecordInput[] = values.map((value, i) => ({
    timestamp: 1_700_000_000_000 + i,
    key: values[(i + 3) % values.length] ?? null,
    value,
    headers: i % 2 === 0 ? [] : [{ key: 'trace "id"', value }, { key: 'ü', value: null }],
  }))
  const { chunk, records } = await chunkOf(inputs)
  assert.equal(records.length, values.length)
  for (const format of VALUE_FORMATS) {
    const frame = new RecordsFrame('s"1', format)
    assert.equal(frame.add(chunk, BASE, 1000), chunk.nextOffset)
    assert.equal(frame.count, values.length)
    assert.equal(frame.text('eyJvcmRlcnMiOnsiMCI6MX19'), asObject('s"1', records, format, 'eyJvcmRlcnMiOnsiMCI6MX19'), format)
  }
  assert.equal(new RecordsFrame('s', 'string').text('e30'), asObject('s', [], 'string', 'e30'))
})

test('a frame takes records from the offset asked, at most as many as asked, and says where the next one is', async () => {
  const { chunk, records } = await chunkOf(Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: 1_700_000_000_000 + i })))
  const frame = new RecordsFrame('s', 'string')
  assert.equal(frame.add(chunk, BASE + 3, 4), BASE + 7, 'stops before the fifth record, at its offset')
  assert.equal(frame.count, 4)
  assert.equal(frame.add(chunk, BASE + 7, 100), chunk.nextOffset, 'the rest, then the chunk\'s end')
  assert.equal(frame.text('c'), asObject('s', records.slice(3), 'string', 'c'))
  assert.equal(records[5]!.timestamp, 1_700_000_000_009, 'LogAppendTime: the batch\'s max timestamp stands for its records')
})
