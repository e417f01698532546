/**
 * Individual v2 records and whole record batches v2 built from them (Kafka's documentation, Message Format: Record, Record Batch).
 * Only clients, tools and tests use this: the broker keeps batches as bytes (record-batch.ts).
 */
import { ProtocolError } from '../protocol-error.js'
import { crc32c } from '../primitives/crc32c.js'
import { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'
import { compress, Compression, decompress } from './compression.js'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

/** A record as stored inside a batch: timestamp and offset relative to the batch's. */
export interface Record {
  attributes: number
  timestampDelta: number
  offsetDelta: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/** What a producer hands to `buildRecordBatch`. */
export interface RecordInput {
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Array<{ key: string, value: Buffer | string | null }>
  /** Defaults to the batch's baseTimestamp. */
  timestamp?: number
}

export interface RecordBatchInput {
  records: RecordInput[]
  /** Producers send 0; the broker assigns the real one. */
  baseOffset?: number
  partitionLeaderEpoch?: number
  compression?: Compression
  /** Defaults to the first record's timestamp, else now. */
  baseTimestamp?: number
  logAppendTime?: boolean
  transactional?: boolean
  /** A control batch (transaction markers): only the transaction coordinator's. */
  control?: boolean
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
}

/** A record with absolute offset and timestamp, as a consumer sees it. */
export interface ConsumerRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export interface DecodedBatch {
  baseOffset: number
  partitionLeaderEpoch: number
  attributes: number
  compression: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  isControl: boolean
  records: ConsumerRecord[]
}

/** Bytes before the records in a v2 batch. */
export const BATCH_HEADER_BYTES = 61
const CRC_START = 21

/**
 * Writes the record with its length prefix. Producers encode straight into their batch buffer with
 * `writeRecord`; this is the same bytes through a Writer.
 */
export function encodeRecord (writer: Writer, record: Record): Writer {
  const { timestampDelta, offsetDelta, key, value, headers, attributes } = record
  const bytes = Buffer.allocUnsafe(recordSizeInBytes(timestampDelta, offsetDelta, key, value, headers))
  writeRecord(bytes, 0, timestampDelta, offsetDelta, key, value, headers, attributes)
  return writer.raw(bytes)
}

/** Bytes `writeRecord` writes for these fields, length prefix included. */
export function recordSizeInBytes (timestampDelta: number, offsetDelta: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  const body = recordBodySize(timestampDelta, offsetDelta, key, value, headers)
  return uvarintSize(body * 2) + body
}

/**
 * Writes one record (length prefix, then the fields of Message Format: Record) into `buf` at `pos`, which must have
 * `recordSizeInBytes` bytes of room, and returns the position after it. Varints are written in
 * place and the value copied once: this runs for every record a producer sends.
 */
export function writeRecord (buf: Buffer, pos: number, timestampDelta: number, offsetDelta: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[], attributes = 0): number {
  pos = writeUvarint(buf, pos, recordBodySize(timestampDelta, offsetDelta, key, value, headers) * 2)
  buf[pos++] = attributes
  pos = writeUvarint(buf, pos, zigzag(timestampDelta))
  pos = writeUvarint(buf, pos, zigzag(offsetDelta))
  pos = writeBytes(buf, pos, key)
  pos = writeBytes(buf, pos, value)
  pos = writeUvarint(buf, pos, headers.length * 2)
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    const keyBytes = Buffer.byteLength(h.key)
    pos = writeUvarint(buf, pos, keyBytes * 2)
    pos += buf.write(h.key, pos, keyBytes, 'utf8')
    pos = writeBytes(buf, pos, h.value)
  }
  return pos
}

/** Bytes of a zigzag varint (or varlong) holding `n`. */
export function varintSize (n: number): number {
  return uvarintSize(zigzag(n))
}

function recordBodySize (timestampDelta: number, offsetDelta: number, key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[]): number {
  let size = 1 + varintSize(timestampDelta) + varintSize(offsetDelta) + bytesSize(key) + bytesSize(value) + uvarintSize(headers.length * 2)
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    const keyBytes = Buffer.byteLength(h.key)
    size += uvarintSize(keyBytes * 2) + keyBytes + bytesSize(h.value)
  }
  return size
}

function zigzag (n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1
}

/** Bytes of an unsigned varint holding `z` (any safe integer). */
function uvarintSize (z: number): number {
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  if (z < 0x200000) return 3
  let bytes = 4
  for (z = Math.floor(z / 0x10000000); z >= 1; z = Math.floor(z / 128)) bytes++
  return bytes
}

function bytesSize (b: Buffer | null): number {
  return b === null ? 1 : uvarintSize(b.length * 2) + b.length
}

function writeUvarint (buf: Buffer, pos: number, z: number): number {
  // above 2^31 the bit operators would wrap; divide instead
  while (z > 0x7fffffff) {
    buf[pos++] = (z % 128) | 0x80
    z = Math.floor(z / 128)
  }
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  buf[pos++] = z
  return pos
}

/** Zigzag varint length (-1 for null), then the bytes. */
function writeBytes (buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) {
    buf[pos] = 1
    return pos + 1
  }
  pos = writeUvarint(buf, pos, b.length * 2)
  buf.set(b, pos)
  return pos + b.length
}

/**
 * One record's fields where they lie in its batch's payload (Message Format: Record), read without
 * copying or slicing: a consumer builds its objects from it, the gateway renders JSON text straight
 * from the bytes. One view is reused record after record.
 */
export class RecordView {
  buf: Buffer = Buffer.alloc(0)
  attributes = 0
  timestampDelta = 0
  offsetDelta = 0
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  valueStart = 0
  /** -1 for a null value. */
  valueLength = -1
  headerCount = 0
  private headersStart = 0
  private end = 0

  /** Reads the record at `reader`'s position and leaves the reader at the next one. */
  read (reader: Reader): void {
    const length = reader.varint()
    if (length < 0 || length > reader.remaining) throw new ProtocolError(`record length ${length} exceeds the ${reader.remaining} bytes left`)
    const end = reader.pos + length
    // fields are read through the batch's reader (no reader per record); overrunning the record is caught below
    this.buf = reader.buf
    this.end = end
    this.attributes = reader.int8()
    this.timestampDelta = reader.varlong()
    this.offsetDelta = reader.varint()
    this.keyLength = readLength(reader)
    this.keyStart = reader.pos
    reader.skip(Math.max(0, this.keyLength))
    this.valueLength = readLength(reader)
    this.valueStart = reader.pos
    reader.skip(Math.max(0, this.valueLength))
    this.headerCount = Math.max(0, reader.varint())
    this.headersStart = reader.pos
    if (reader.pos > end || this.headerCount > end - reader.pos) throw new ProtocolError(`record of ${length} bytes holds more than that`)
    reader.pos = end
  }

  key (): Buffer | null { return this.keyLength < 0 ? null : this.buf.subarray(this.keyStart, this.keyStart + this.keyLength) }
  value (): Buffer | null { return this.valueLength < 0 ? null : this.buf.subarray(this.valueStart, this.valueStart + this.valueLength) }

  headers (): RecordHeader[] {
    const r = new Reader(this.buf, this.headersStart, this.end)
    const headers: RecordHeader[] = new Array(this.headerCount)
    for (let i = 0; i < this.headerCount; i++) {
      const hk = readVarintBytes(r)
      if (hk === null) throw new ProtocolError('null record header key')
      headers[i] = { key: hk.toString('utf8'), value: readVarintBytes(r) }
    }
    return headers
  }
}

export function decodeRecord (reader: Reader): Record {
  const view = new RecordView()
  view.read(reader)
  return { attributes: view.attributes, timestampDelta: view.timestampDelta, offsetDelta: view.offsetDelta, key: view.key(), value: view.value(), headers: view.headers() }
}

/** One record batch v2 with a correct CRC-32C; offset deltas are 0..n-1. */
export function buildRecordBatch (input: RecordBatchInput): Buffer {
  if (input.records.length === 0) throw new RangeError('a record batch needs at least one record')
  const codec = input.compression ?? Compression.none
  const baseTimestamp = input.baseTimestamp ?? input.records[0]!.timestamp ?? Date.now()
  let maxTimestamp = -1
  const records = input.records.map((rec, i) => {
    const timestamp = rec.timestamp ?? baseTimestamp
    maxTimestamp = Math.max(maxTimestamp, timestamp)
    return {
      timestampDelta: timestamp - baseTimestamp,
      offsetDelta: i,
      key: toBytes(rec.key ?? null),
      value: toBytes(rec.value),
      headers: (rec.headers ?? []).map(h => ({ key: h.key, value: toBytes(h.value) })),
    }
  })
  let size = BATCH_HEADER_BYTES
  for (const r of records) size += recordSizeInBytes(r.timestampDelta, r.offsetDelta, r.key, r.value, r.headers)
  const batch = Buffer.allocUnsafe(size)
  let pos = BATCH_HEADER_BYTES
  for (const r of records) pos = writeRecord(batch, pos, r.timestampDelta, r.offsetDelta, r.key, r.value, r.headers)
  const header = { ...input, baseTimestamp, maxTimestamp, recordCount: input.records.length, compression: codec }
  if (codec !== Compression.none) return sealRecordBatch(header, compress(codec, batch.subarray(BATCH_HEADER_BYTES)))
  writeBatchHeader(batch, header, size - BATCH_HEADER_BYTES)
  return batch
}

/** The batch-level fields `sealRecordBatch` writes around an encoded (and maybe compressed) payload. */
export interface BatchHeaderInput {
  recordCount: number
  baseTimestamp: number
  maxTimestamp: number
  compression?: Compression
  baseOffset?: number
  partitionLeaderEpoch?: number
  logAppendTime?: boolean
  transactional?: boolean
  control?: boolean
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
}

/**
 * A whole v2 batch from records already encoded with offset deltas 0..n-1 and compressed with
 * `header.compression`: header, payload and CRC-32C. Producers that encode records as they arrive
 * and compress off the event loop finish their batches here.
 */
export function sealRecordBatch (header: BatchHeaderInput, payload: Buffer): Buffer {
  const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + payload.length)
  batch.set(payload, BATCH_HEADER_BYTES)
  writeBatchHeader(batch, header, payload.length)
  return batch
}

/**
 * Writes the v2 header into `batch`'s first BATCH_HEADER_BYTES, in front of `payloadBytes` of
 * records already there, and the CRC-32C over them: a producer that encoded its records after a
 * gap of BATCH_HEADER_BYTES finishes its batch where it lies, with no copy.
 */
export function writeBatchHeader (batch: Buffer, header: BatchHeaderInput, payloadBytes: number): void {
  const codec = header.compression ?? Compression.none
  const attributes = codec | (header.logAppendTime === true ? 0x08 : 0) | (header.transactional === true ? 0x10 : 0) | (header.control === true ? 0x20 : 0)
  new Writer(batch.subarray(0, BATCH_HEADER_BYTES))
    .int64(header.baseOffset ?? 0)
    .int32(BATCH_HEADER_BYTES - 12 + payloadBytes)
    .int32(header.partitionLeaderEpoch ?? -1)
    .int8(2)
    .uint32(0) // CRC, filled in below
    .int16(attributes)
    .int32(header.recordCount - 1)
    .int64(header.baseTimestamp)
    .int64(header.maxTimestamp)
    .int64(header.producerId ?? -1)
    .int16(header.producerEpoch ?? -1)
    .int32(header.baseSequence ?? -1)
    .int32(header.recordCount)
  batch.writeUInt32BE(crc32c(batch, CRC_START, BATCH_HEADER_BYTES + payloadBytes), 17)
}

/**
 * Decodes every whole v2 batch in `buf` (a Fetch response's records may end with a partial
 * batch, which is ignored). Throws a ProtocolError for other magics or a bad CRC.
 */
export function decodeRecordBatches (buf: Buffer): DecodedBatch[] {
  const batches: DecodedBatch[] = []
  let pos = 0
  while (buf.length - pos >= BATCH_HEADER_BYTES) {
    const size = buf.readInt32BE(pos + 8) + 12
    if (size > buf.length - pos) break
    if (size < BATCH_HEADER_BYTES) throw new ProtocolError(`record batch at byte ${pos} has length ${size}`)
    batches.push(decodeRecordBatch(buf.subarray(pos, pos + size)))
    pos += size
  }
  return batches
}

/**
 * `inflatedRecords`: the records already decompressed (consumers inflate off the event loop with
 * decompressAsync, and zstd has no synchronous binding); otherwise they are inflated here.
 * `checkCrc` false: the caller checked it already (or was told not to, Kafka's check.crcs).
 */
export function decodeRecordBatch (batch: Buffer, inflatedRecords?: Buffer, checkCrc = true): DecodedBatch {
  const r = new Reader(batch)
  const baseOffset = r.int64()
  r.int32()
  const partitionLeaderEpoch = r.int32()
  const magic = r.int8()
  if (magic !== 2) throw new ProtocolError(`record batch magic ${magic} is not 2`)
  const crc = r.uint32()
  if (checkCrc && crc32c(batch, CRC_START, batch.length) !== crc) throw new ProtocolError('record batch CRC-32C mismatch')
  const attributes = r.int16()
  const lastOffsetDelta = r.int32()
  const baseTimestamp = r.int64()
  const maxTimestamp = r.int64()
  const producerId = r.int64()
  const producerEpoch = r.int16()
  const baseSequence = r.int32()
  const count = r.int32()
  const compression = attributes & 0x07
  const logAppendTime = (attributes & 0x08) !== 0
  const payload = inflatedRecords ?? decompress(compression, r.raw(r.remaining))
  const pr = new Reader(payload)
  if (count < 0 || count > payload.length) throw new ProtocolError(`record count ${count} is impossible`)
  const records: ConsumerRecord[] = new Array(count)
  const rec = new RecordView()
  for (let i = 0; i < count; i++) {
    rec.read(pr)
    records[i] = {
      offset: baseOffset + rec.offsetDelta,
      // with LogAppendTime the batch's maxTimestamp stands for every record (Kafka's DefaultRecordBatch)
      timestamp: logAppendTime ? maxTimestamp : baseTimestamp + rec.timestampDelta,
      key: rec.key(),
      value: rec.value(),
      headers: rec.headerCount === 0 ? [] : rec.headers(),
    }
  }
  return {
    baseOffset, partitionLeaderEpoch, attributes, compression, lastOffsetDelta, baseTimestamp, maxTimestamp,
    producerId, producerEpoch, baseSequence, isControl: (attributes & 0x20) !== 0, records,
  }
}

function toBytes (v: Buffer | string | null): Buffer | null {
  return typeof v === 'string' ? Buffer.from(v) : v
}

function readVarintBytes (r: Reader): Buffer | null {
  const len = readLength(r)
  return len === -1 ? null : r.raw(len)
}

/** A varint length of bytes that follow: -1 for null. */
function readLength (r: Reader): number {
  const len = r.varint()
  if (len < -1) throw new ProtocolError(`negative length ${len} in a record`)
  return len
}
