/**
 * The records of one partition's Fetch answer: v2 batches (compressed ones inflated off the event
 * loop) and the old magic 0/1 message sets, in log order. Control batches (transaction markers)
 * carry no user records but still move the position past them. A partial batch at the end is cut
 * off by the broker's size limit and dropped, as every client does.
 *
 * Two steps, so each reader takes what it needs: `fetchedBatches` checks and inflates the batches
 * and keeps their records as bytes (the gateway renders JSON straight from them, src/gateway/
 * records-frame.ts); `decodeFetchedRecords` turns those into a consumer's record objects.
 */
import { ProtocolError } from '../protocol/protocol-error.js'
import { Reader } from '../protocol/primitives/reader.js'
import { decompressAsync } from '../protocol/records/compression.js'
import { decodeMessageSet } from '../protocol/records/legacy-message-set.js'
import { BATCH_HEADER_BYTES, RecordView, recordSizeInBytes, writeRecord, type RecordHeader } from '../protocol/records/record.js'
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

/** A v2 batch's records as bytes (inflated), with what its records' offsets and timestamps are relative to. */
export interface FetchedBatch {
  baseOffset: number
  baseTimestamp: number
  /** Every record's timestamp under LogAppendTime (Kafka's DefaultRecordBatch). */
  maxTimestamp: number
  timestampType: TimestampType
  count: number
  /** Past its last record. */
  nextOffset: number
  /** The records, back to back (Message Format: Record). */
  records: Buffer
}

export interface FetchedBatches {
  batches: FetchedBatch[]
  /** Where the next fetch starts: past the last whole batch (records below fetchOffset skipped). */
  nextOffset: number
}

export interface DecodedFetch {
  records: ConsumerRecord[]
  nextOffset: number
}

/** Bytes before a legacy message's magic: offset, size, crc. */
const LEGACY_MAGIC_AT = 16

export async function fetchedBatches (topic: string, partition: number, data: Buffer, fetchOffset: number, checkCrcs = true): Promise<FetchedBatches> {
  const batches: FetchedBatch[] = []
  let nextOffset = fetchOffset
  let pos = 0
  while (data.length - pos > LEGACY_MAGIC_AT) {
    const size = data.readInt32BE(pos + 8) + 12
    if (size > data.length - pos) break
    const magic = data.readInt8(pos + LEGACY_MAGIC_AT)
    const bytes = data.subarray(pos, pos + size)
    pos += size
    if (magic < 2) {
      const legacy = decodeMessageSet(bytes).filter(r => r.offset >= fetchOffset)
      if (legacy.length === 0) continue
      batches.push(legacyAsBatch(legacy))
      nextOffset = Math.max(nextOffset, legacy[legacy.length - 1]!.offset + 1)
      continue
    }
    if (size < BATCH_HEADER_BYTES) throw new ProtocolError(`record batch of ${size} bytes in ${topic}-${partition}`)
    const view = new RecordBatch(bytes)
    if (checkCrcs && !view.isValidCrc()) throw new ProtocolError(`record batch at offset ${view.baseOffset} of ${topic}-${partition} fails its CRC-32C`)
    nextOffset = Math.max(nextOffset, view.nextOffset)
    if (view.isControl || view.nextOffset <= fetchOffset) continue
    const count = view.recordsCount
    const records = view.compressionCodec === 0 ? bytes.subarray(BATCH_HEADER_BYTES) : await decompressAsync(view.compressionCodec, bytes.subarray(BATCH_HEADER_BYTES))
    if (count < 0 || count > records.length) throw new ProtocolError(`record count ${count} is impossible in ${topic}-${partition} at offset ${view.baseOffset}`)
    batches.push({
      baseOffset: view.baseOffset,
      baseTimestamp: view.firstTimestamp,
      maxTimestamp: view.maxTimestamp,
      timestampType: view.timestampType === 1 ? 'LogAppendTime' : 'CreateTime',
      count,
      nextOffset: view.nextOffset,
      records,
    })
  }
  return { batches, nextOffset }
}

export async function decodeFetchedRecords (topic: string, partition: number, data: Buffer, fetchOffset: number, checkCrcs = true): Promise<DecodedFetch> {
  const { batches, nextOffset } = await fetchedBatches(topic, partition, data, fetchOffset, checkCrcs)
  const records: ConsumerRecord[] = []
  const rec = new RecordView()
  for (const b of batches) {
    const reader = new Reader(b.records)
    const logAppendTime = b.timestampType === 'LogAppendTime'
    for (let i = 0; i < b.count; i++) {
      rec.read(reader)
      const offset = b.baseOffset + rec.offsetDelta
      if (offset < fetchOffset) continue
      const timestamp = logAppendTime ? b.maxTimestamp : b.baseTimestamp + rec.timestampDelta
      records.push({ topic, partition, offset, timestamp, timestampType: b.timestampType, key: rec.key(), value: rec.value(), headers: rec.headerCount === 0 ? [] : rec.headers() })
    }
  }
  return { records, nextOffset }
}

/**
 * The records of an old message set as a batch's records (absolute offsets kept as deltas from the
 * first), so every reader walks one format. Magic 0 carries no timestamps: NoTimestampType, -1.
 */
function legacyAsBatch (legacy: Array<{ offset: number, timestamp: number, key: Buffer | null, value: Buffer | null }>): FetchedBatch {
  const base = legacy[0]!
  let size = 0
  for (const r of legacy) size += recordSizeInBytes(r.timestamp - base.timestamp, r.offset - base.offset, r.key, r.value, [])
  const records = Buffer.allocUnsafe(size)
  let pos = 0
  for (const r of legacy) pos = writeRecord(records, pos, r.timestamp - base.timestamp, r.offset - base.offset, r.key, r.value, [])
  return {
    baseOffset: base.offset,
    baseTimestamp: base.timestamp,
    maxTimestamp: base.timestamp,
    timestampType: base.timestamp < 0 ? 'NoTimestampType' : 'CreateTime',
    count: legacy.length,
    nextOffset: legacy[legacy.length - 1]!.offset + 1,
    records,
  }
}
