/**
 * A `records` frame (docs/gateway.md) as JSON text, rendered straight from fetched batches: the
 * same characters JSON.stringify gives for the frame object, with no record, Buffer or frame
 * object built on the way. This is the gateway's hottest path (bench/gateway.ts): the records a
 * subscription delivers are read out of the bytes the broker sent, once, into the text the socket
 * sends.
 */
import { Reader } from '../protocol/primitives/reader.js'
import { RecordView } from '../protocol/records/record.js'
import type { FetchedChunk } from './shared-fetch.js'
import { typedValueJson, typedValueJsonAt, type ValueFormat } from './typed-value.js'

const view = new RecordView()

export class RecordsFrame {
  count = 0
  private json: string

  /** `maxChars`: a frame stops growing once its text is this long (a record may take it past). */
  constructor (sub: string, private readonly format: ValueFormat, private readonly maxChars = Infinity) {
    this.json = '{"op":"records","sub":' + JSON.stringify(sub) + ',"records":['
  }

  /**
   * Adds the records of `chunk` from `offset` on, at most `max` (and while the text is short of
   * maxChars); returns the offset after the last one added, or the chunk's end when it has no more
   * (past control batches and compacted gaps).
   */
  add (chunk: FetchedChunk, offset: number, max: number): number {
    const format = this.format
    const prefix = '{"topic":' + JSON.stringify(chunk.topic) + ',"partition":' + chunk.partition + ',"offset":'
    let added = 0
    for (const batch of chunk.batches) {
      if (batch.nextOffset <= offset) continue
      const reader = new Reader(batch.records)
      const logAppendTime = batch.timestampType === 'LogAppendTime'
      for (let i = 0; i < batch.count; i++) {
        view.read(reader)
        const recordOffset = batch.baseOffset + view.offsetDelta
        if (recordOffset < offset) continue
        if (added === max || this.full) return recordOffset
        const timestamp = logAppendTime ? batch.maxTimestamp : batch.baseTimestamp + view.timestampDelta
        let headers = ''
        if (view.headerCount > 0) {
          const list = view.headers()
          for (let j = 0; j < list.length; j++) {
            const h = list[j]!
            headers += (j === 0 ? '{"name":' : ',{"name":') + JSON.stringify(h.key) + ',"value":' + typedValueJson(h.value, format) + '}'
          }
        }
        const buf = view.buf
        this.json += (this.count === 0 ? '' : ',') + prefix + recordOffset + ',"timestamp":' + timestamp +
          ',"key":' + typedValueJsonAt(buf, view.keyStart, view.keyLength, format) +
          ',"value":' + typedValueJsonAt(buf, view.valueStart, view.valueLength, format) + ',"headers":[' + headers + ']}'
        this.count++
        added++
        offset = recordOffset + 1
      }
    }
    return chunk.nextOffset
  }

  get full (): boolean { return this.json.length >= this.maxChars }

  text (cursor: string): string {
    return this.json + '],"cursor":' + JSON.stringify(cursor) + '}'
  }
}
