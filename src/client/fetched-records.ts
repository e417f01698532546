/**
 * The records of one partition's Fetch answer, decoded for a consumer: v2 batches (compressed ones
 * inflated off the event loop) and the old magic 0/1 message sets, in log order. Control batches
 * (transaction markers) carry no user records but still move the position past them. A partial
 * batch at the end is cut off by the broker's size limit and dropped, as every client does.
 */
import { ProtocolError } from '../protocol/protocol-error.js'
import { decompressAsync } from '../protocol/records/compression.js'
import { decodeMessageSet } from '../protocol/records/legacy-message-set.js'
import { BATCH_HEADER_BYTES, decodeRecordBatch, type RecordHeader } from '../protocol/records/record.js'
import { RecordBatch } from '../protocol/records/record-batch.js'

export type TimestampType = 'CreateTime' | 'LogAppendTime' | 'NoTimestampType'

/** A record as a consumer sees it. */
export interface ConsumerRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  timestampType: TimestampType
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export interface DecodedFetch {
  records: ConsumerRecord[]
  /** Where the next fetch starts: past the last whole batch (records below fetchOffset skipped). */
  nextOffset: number
}

/** Bytes before a legacy message's magic: offset, size, crc. */
const LEGACY_MAGIC_AT = 16

export async function decodeFetchedRecords (topic: string, partition: number, data: Buffer, fetchOffset: number, checkCrcs = true): Promise<DecodedFetch> {
  const records: ConsumerRecord[] = []
  let nextOffset = fetchOffset
  let pos = 0
  while (data.length - pos > LEGACY_MAGIC_AT) {
    const size = data.readInt32BE(pos + 8) + 12
    if (size > data.length - pos) break
    const magic = data.readInt8(pos + LEGACY_MAGIC_AT)
    const bytes = data.subarray(pos, pos + size)
    pos += size
    if (magic < 2) {
      for (const r of decodeMessageSet(bytes)) {
        if (r.offset < fetchOffset) continue
        records.push({ topic, partition, ...r, timestampType: r.timestamp < 0 ? 'NoTimestampType' : 'CreateTime' })
        nextOffset = r.offset + 1
      }
      continue
    }
    if (size < BATCH_HEADER_BYTES) throw new ProtocolError(`record batch of ${size} bytes in ${topic}-${partition}`)
    const view = new RecordBatch(bytes)
    if (checkCrcs && !view.isValidCrc()) throw new ProtocolError(`record batch at offset ${view.baseOffset} of ${topic}-${partition} fails its CRC-32C`)
    nextOffset = Math.max(nextOffset, view.nextOffset)
    if (view.isControl || view.nextOffset <= fetchOffset) continue
    const inflated = view.compressionCodec === 0 ? undefined : await decompressAsync(view.compressionCodec, bytes.subarray(BATCH_HEADER_BYTES))
    // the CRC was checked above (or deliberately not): skip decodeRecordBatch's second pass over it
    const batch = decodeRecordBatch(bytes, inflated ?? bytes.subarray(BATCH_HEADER_BYTES), false)
    const timestampType: TimestampType = view.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'
    for (const r of batch.records) {
      if (r.offset >= fetchOffset) records.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, timestampType, key: r.key, value: r.value, headers: r.headers })
    }
  }
  return { records, nextOffset }
}
