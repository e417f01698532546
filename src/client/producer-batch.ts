/**
 * The records bound for one partition that go out together (Java's ProducerBatch over a
 * MemoryRecordsBuilder): each record is encoded into the batch buffer the moment it is appended,
 * after a gap left for the v2 header, so batch.size is measured on real bytes and no per-record
 * objects wait around. Sealing an uncompressed batch writes the header and CRC into that gap and
 * hands out the buffer itself (no copy); a compressed one is compressed off the event loop first.
 */
import { Compression, compressAsync } from '../protocol/records/compression.js'
import { BATCH_HEADER_BYTES, recordSizeInBytes, sealRecordBatch, writeBatchHeader, writeRecord, type RecordHeader } from '../protocol/records/record.js'
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
  /** An idempotent producer's id, epoch and this batch's first sequence (TransactionManager); -1 otherwise. */
  producerId = -1
  producerEpoch = -1
  baseSequence = -1
  /** End of the encoded records in `buffer` (they start at BATCH_HEADER_BYTES). */
  private pos = BATCH_HEADER_BYTES
  private buf: Buffer
  /**
   * Per record: its callback (undefined when nobody asked) and its timestamp less baseTimestamp
   * (a small integer, stored unboxed where an absolute timestamp would not be). Sized up front
   * for the records expected: grown one push at a time, their copies were most of what a
   * record allocated.
   */
  private readonly callbacks: Array<DeliveryCallback | undefined>
  private readonly timestampDeltas: number[]

  /**
   * `buffer`: a recycled one to encode into (see RecordAccumulator's pool); else a fresh one. It
   * must stay untouched until the batch is released: the sealed batch is a view of it.
   * `expectedRecords`: how many records the batch will probably hold.
   */
  constructor (readonly topic: string, readonly partition: number, readonly batchSize: number, readonly createdMs: number,
    buffer: Buffer = Buffer.allocUnsafe(bufferBytes(batchSize)), expectedRecords = 16) {
    this.buf = buffer
    this.callbacks = new Array(expectedRecords)
    this.timestampDeltas = new Array(expectedRecords)
  }

  /** What the batch encodes into: the buffer it was given, or a bigger one for an oversized record. */
  get buffer (): Buffer { return this.buf }
  /** Bytes of the batch if it were sealed uncompressed now. */
  get sizeInBytes (): number { return this.pos }
  /** Encoded record bytes: what the batch holds of buffer.memory. */
  get recordBytes (): number { return this.pos - BATCH_HEADER_BYTES }
  get isFull (): boolean { return this.sizeInBytes >= this.batchSize }

  /** Whether a record of about `recordBytes` still fits; the first record always does (Kafka too). */
  hasRoomFor (recordBytes: number): boolean {
    return this.recordCount === 0 || this.sizeInBytes + recordBytes <= this.batchSize
  }

  /** Encodes the record into the batch; returns its encoded size. */
  append (key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, callback?: DeliveryCallback): number {
    if (this.recordCount === 0) this.baseTimestamp = timestamp
    const timestampDelta = timestamp - this.baseTimestamp
    const bytes = recordSizeInBytes(timestampDelta, this.recordCount, key, value, headers)
    if (this.pos + bytes > this.buf.length) this.grow(this.pos + bytes)
    this.pos = writeRecord(this.buf, this.pos, timestampDelta, this.recordCount, key, value, headers)
    // plain arrays of callbacks and numbers, not a promise per record: at hundreds of thousands
    // of records per second, per-record objects are what the garbage collector spends its time on
    this.callbacks[this.recordCount] = callback
    this.timestampDeltas[this.recordCount] = timestampDelta
    this.recordCount++
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
    return bytes
  }

  /**
   * The finished v2 batch. Uncompressed, it is a view of `buffer` (header and CRC written in place,
   * again on a retry); compression runs on the thread pool and yields a new buffer.
   */
  async seal (compression: Compression): Promise<Buffer> {
    const header = {
      recordCount: this.recordCount, baseTimestamp: this.baseTimestamp, maxTimestamp: this.maxTimestamp, compression,
      producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence: this.baseSequence,
    }
    if (compression === Compression.none) {
      writeBatchHeader(this.buf, header, this.recordBytes)
      return this.buf.subarray(0, this.pos)
    }
    return sealRecordBatch(header, await compressAsync(compression, this.buf.subarray(BATCH_HEADER_BYTES, this.pos)))
  }

  /** The broker appended the batch at `baseOffset` (-1 with acks=0); logAppendTimeMs -1 means CreateTime. */
  complete (baseOffset: number, logAppendTimeMs: number): void {
    for (let i = 0; i < this.recordCount; i++) {
      this.callbacks[i]?.(null, {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : this.baseTimestamp + this.timestampDeltas[i]!,
      })
    }
  }

  fail (err: KafkaError): void {
    for (let i = 0; i < this.recordCount; i++) this.callbacks[i]?.(err, null)
  }

  /** A record bigger than the buffer's room: the batch moves to a fresh buffer (not pooled, see RecordAccumulator.release). */
  private grow (bytes: number): void {
    const next = Buffer.allocUnsafe(Math.max(bytes, this.buf.length * 2))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }
}
