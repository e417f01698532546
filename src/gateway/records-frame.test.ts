import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ConsumerRecord } from '../client/consumer.js'
import { recordsFrameJson } from './records-frame.js'
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

const record = (fields: Partial<ConsumerRecord>): ConsumerRecord => ({
  topic: 'orders', partition: 0, offset: 0, timestamp: 1_700_000_000_000, timestampType: 'CreateTime', key: null, value: null, headers: [], ...fields,
})

test('a records frame is the same text JSON.stringify gives for the frame object, in every format', () => {
  const values = [
    null,
    Buffer.from('plain text'),
    Buffer.from('{"a": [1, 2.50, "x"], "b": null}'), // JSON: re-serialised, so spacing and 2.50 change
    Buffer.from('quotes " and \\ backslash, \n\t\r\b\f and \u0001 \u001f controls'),
    Buffer.from('ünïcødé, 日本語, emoji 😀, U+2028 \u2028'),
    Buffer.from([0xff, 0xfe, 0x00]), // not UTF-8: base64 in every format
    Buffer.from('12345678901234567890'), // JSON number beyond 2^53
    Buffer.alloc(0),
  ]
  const records = values.map((value, i) => record({
    topic: i % 3 === 0 ? 'orders' : 'weird "topic"\\',
    partition: i % 2,
    offset: 2 ** 53 - 1 - i,
    timestamp: i === 0 ? -1 : 1_700_000_000_000 + i,
    key: values[(i + 3) % values.length] ?? null,
    value,
    headers: i % 2 === 0 ? [] : [{ key: 'trace "id"', value }, { key: 'ü', value: null }],
  }))
  for (const format of VALUE_FORMATS) {
    assert.equal(recordsFrameJson('s"1', records, format, 'eyJvcmRlcnMiOnsiMCI6MX19'), asObject('s"1', records, format, 'eyJvcmRlcnMiOnsiMCI6MX19'), format)
  }
  assert.equal(recordsFrameJson('s', [], 'string', 'e30'), asObject('s', [], 'string', 'e30'))
})
