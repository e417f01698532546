/**
 * A `records` frame (docs/gateway.md) as JSON text: the same characters JSON.stringify gives for
 * the frame object, built by concatenation. This is the gateway's hottest path: a frame object of
 * 500 records costs ~1,500 short-lived objects and a generic walk over each (bench/gateway.ts).
 */
import type { ConsumerRecord } from '../client/consumer.js'
import { typedValueJson, type ValueFormat } from './typed-value.js'

export function recordsFrameJson (sub: string, records: ConsumerRecord[], format: ValueFormat, cursor: string): string {
  let topic = ''
  let topicJson = ''
  let json = '{"op":"records","sub":' + JSON.stringify(sub) + ',"records":['
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    if (r.topic !== topic) {
      topic = r.topic
      topicJson = JSON.stringify(topic)
    }
    let headers = ''
    for (let j = 0; j < r.headers.length; j++) {
      const h = r.headers[j]!
      headers += (j === 0 ? '{"name":' : ',{"name":') + JSON.stringify(h.key) + ',"value":' + typedValueJson(h.value, format) + '}'
    }
    json += (i === 0 ? '{"topic":' : ',{"topic":') + topicJson + ',"partition":' + r.partition + ',"offset":' + r.offset + ',"timestamp":' + r.timestamp +
      ',"key":' + typedValueJson(r.key, format) + ',"value":' + typedValueJson(r.value, format) + ',"headers":[' + headers + ']}'
  }
  return json + '],"cursor":' + JSON.stringify(cursor) + '}'
}
