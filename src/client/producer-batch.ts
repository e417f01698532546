/**
 * The records bound for one partition that go out together (Java's ProducerBatch over a
 * MemoryRecordsBuilder): each record is encoded into the batch the moment it is appended, so
 * batch.size is measured on real bytes and no per-record objects wait around. Sealing compresses
 * the encoded records off the event loop and writes the v2 header and CRC around them.
 */
import { compressAsync, type Compression } from '../protocol/records/compression.js'
import { BATCH_HEADER_BYTES, encodeRecord, sealRecordBatch, type RecordHeader } from '../protocol/records/record.js'
import { Writer } from '../protocol/primitives/writer.js'
import type { KafkaError } from '../errors.js'

/** Where a record landed (Java's RecordMetadata). offset is -1 with acks=0. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
  timestamp: number
}

/** The buffer a batch of `batchSize` encodes into (it grows past that only for one oversized record). */
export function bufferBytes (batchSize: number): number {
  return Math.max(256, Math.min(batchSize, 1 << 20))
}

/** Called once per record with its outcome (Java's producer Callback). */
export type DeliveryCallback = (err: KafkaError | null, meta: RecordMetadata | null) => void

export class ProducerBatch {
  recordCount = 0
  baseTimestamp = 0
  maxTimestamp = -1
  /** Send attempts so far (retries = attempts - 1). */
  attempts = 0
  /** Date.now() before which a retried batch stays put (retry.backoff.ms). */
  retryAtMs = 0
  private readonly writer: Writer
  /** Per record: its callback (undefined when nobody asked) and its timestamp. */
  private readonly callbacks: Array<DeliveryCallback | undefined> = []
  private readonly timestamps: number[] = []

  /** `buffer`: a recycled one to encode into (see RecordAccumulator's pool); else a fresh one. */
  constructor (readonly topic: string, readonly partition: number, readonly batchSize: number, readonly createdMs: number, readonly buffer: Buffer = Buffer.allocUnsafe(bufferBytes(batchSize))) {
    this.writer = new Writer(buffer)
  }

  /** Bytes of the batch if it were sealed uncompressed now. */
  get sizeInBytes (): number { return BATCH_HEADER_BYTES + this.writer.length }
  /** Encoded record bytes: what the batch holds of buffer.memory. */
  get recordBytes (): number { return this.writer.length }
  get isFull (): boolean { return this.sizeInBytes >= this.batchSize }

  /** Whether a record of about `recordBytes` still fits; the first record always does (Kafka too). */
  hasRoomFor (recordBytes: number): boolean {
    return this.recordCount === 0 || this.sizeInBytes + recordBytes <= this.batchSize
  }

  /** Encodes the record into the batch; returns its encoded size. */
  append (key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, callback?: DeliveryCallback): number {
    if (this.recordCount === 0) this.baseTimestamp = timestamp
    const before = this.writer.length
    encodeRecord(this.writer, {
      attributes: 0,
      timestampDelta: timestamp - this.baseTimestamp,
      offsetDelta: this.recordCount,
      key,
      value,
      headers,
    })
    this.recordCount++
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
    // plain arrays of callbacks and numbers, not a promise per record: at hundreds of thousands
    // of records per second, per-record objects are what the garbage collector spends its time on
    this.callbacks.push(callback)
    this.timestamps.push(timestamp)
    return this.writer.length - before
  }

  /** The finished v2 batch; compression runs on the thread pool. */
  async seal (compression: Compression): Promise<Buffer> {
    const records = this.writer.toBuffer()
    return sealRecordBatch({
      recordCount: this.recordCount,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      compression,
    }, await compressAsync(compression, records))
  }

  /** The broker appended the batch at `baseOffset` (-1 with acks=0); logAppendTimeMs -1 means CreateTime. */
  complete (baseOffset: number, logAppendTimeMs: number): void {
    for (let i = 0; i < this.callbacks.length; i++) {
      this.callbacks[i]?.(null, {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : this.timestamps[i]!,
      })
    }
  }

  fail (err: KafkaError): void {
    for (const cb of this.callbacks) cb?.(err, null)
  }
}
