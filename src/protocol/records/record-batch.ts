/**
 * A zero-copy view over record batch v2 headers (Kafka's documentation, Message Format: Record Batch) in a buffer that holds one or
 * more batches back to back, as in a Produce request, a Fetch response or a log segment.
 * Nothing here decodes records: the broker validates and rewrites headers only (where Kafka's LogValidator rewrites them).
 */
import { ErrorCode } from '../error-codes.js'
import { crc32c } from '../primitives/crc32c.js'
import { readInt64, writeInt64 } from '../primitives/int64.js'

/** baseOffset (8) + batchLength (4): the bytes before the length-counted part of a batch. */
export const LOG_OVERHEAD = 12
export const RECORD_BATCH_HEADER_BYTES = 61
export const MAGIC_V2 = 2

export const CompressionCodec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const
export const TimestampType = { CREATE_TIME: 0, LOG_APPEND_TIME: 1 } as const

/** The outcomes batch validation can have. */
export const BatchErrorCode = {
  NONE: ErrorCode.NONE,
  CORRUPT_MESSAGE: ErrorCode.CORRUPT_MESSAGE,
  MESSAGE_TOO_LARGE: ErrorCode.MESSAGE_TOO_LARGE,
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  INVALID_TIMESTAMP: ErrorCode.INVALID_TIMESTAMP,
} as const
export type BatchErrorCode = (typeof BatchErrorCode)[keyof typeof BatchErrorCode]

export type BatchSetValidation =
  | {
    errorCode: typeof BatchErrorCode.NONE
    batchCount: number
    recordCount: number
    /** The largest effective max timestamp of any batch (see RecordBatch.effectiveMaxTimestamp). */
    maxTimestamp: number
  }
  | { errorCode: Exclude<BatchErrorCode, 0>, reason: string, batchIndex: number }

/**
 * message.timestamp.before.max.ms / after.max.ms around the broker's clock, for CreateTime topics
 * (Kafka's LogValidator.validateTimestamp).
 */
export interface TimestampLimits { nowMs: number, beforeMaxMs: number, afterMaxMs: number }

/** Kafka's default, Long.MAX_VALUE: no limit. Config holds it as Number.MAX_SAFE_INTEGER (config/schema.ts). */
const NO_LIMIT = Number.MAX_SAFE_INTEGER
const NO_TIMESTAMP = -1
/** RecordBatch.NO_SEQUENCE: the batch of a producer without idempotence. */
export const NO_SEQUENCE = -1
const INT32_MAX = 0x7fffffff

const POS_BASE_OFFSET = 0
const POS_BATCH_LENGTH = 8
const POS_PARTITION_LEADER_EPOCH = 12
const POS_MAGIC = 16
const POS_CRC = 17
/** The CRC covers attributes .. end of batch. */
const POS_ATTRIBUTES = 21
const POS_LAST_OFFSET_DELTA = 23
const POS_FIRST_TIMESTAMP = 27
const POS_MAX_TIMESTAMP = 35
const POS_PRODUCER_ID = 43
const POS_PRODUCER_EPOCH = 51
const POS_BASE_SEQUENCE = 53
const POS_RECORDS_COUNT = 57

export class RecordBatch {
  constructor (readonly buffer: Buffer, readonly position = 0) {}

  get baseOffset (): number { return readInt64(this.buffer, this.position + POS_BASE_OFFSET) }
  /** Not covered by the CRC, so rewriting it in place keeps the batch valid. */
  set baseOffset (offset: number) { writeInt64(this.buffer, this.position + POS_BASE_OFFSET, offset) }
  get batchLength (): number { return this.buffer.readInt32BE(this.position + POS_BATCH_LENGTH) }
  get sizeInBytes (): number { return this.batchLength + LOG_OVERHEAD }
  get partitionLeaderEpoch (): number { return this.buffer.readInt32BE(this.position + POS_PARTITION_LEADER_EPOCH) }
  /** Not covered by the CRC either. */
  set partitionLeaderEpoch (epoch: number) { this.buffer.writeInt32BE(epoch, this.position + POS_PARTITION_LEADER_EPOCH) }
  get magic (): number { return this.buffer.readInt8(this.position + POS_MAGIC) }
  get crc (): number { return this.buffer.readUInt32BE(this.position + POS_CRC) }
  get attributes (): number { return this.buffer.readInt16BE(this.position + POS_ATTRIBUTES) }
  get compressionCodec (): number { return this.attributes & 0x07 }
  get timestampType (): number { return (this.attributes >> 3) & 1 }
  get isTransactional (): boolean { return (this.attributes & 0x10) !== 0 }
  get isControl (): boolean { return (this.attributes & 0x20) !== 0 }
  get lastOffsetDelta (): number { return this.buffer.readInt32BE(this.position + POS_LAST_OFFSET_DELTA) }
  get lastOffset (): number { return this.baseOffset + this.lastOffsetDelta }
  get nextOffset (): number { return this.lastOffset + 1 }
  get firstTimestamp (): number { return readInt64(this.buffer, this.position + POS_FIRST_TIMESTAMP) }
  get maxTimestamp (): number { return readInt64(this.buffer, this.position + POS_MAX_TIMESTAMP) }
  /** Sarama writes maxTimestamp -1; indexes and retention must never see that, so take the larger. */
  get effectiveMaxTimestamp (): number { return Math.max(this.firstTimestamp, this.maxTimestamp) }
  get producerId (): number { return readInt64(this.buffer, this.position + POS_PRODUCER_ID) }
  get producerEpoch (): number { return this.buffer.readInt16BE(this.position + POS_PRODUCER_EPOCH) }
  get baseSequence (): number { return this.buffer.readInt32BE(this.position + POS_BASE_SEQUENCE) }
  /** Kafka's DefaultRecordBatch.lastSequence: the sequence of the last record, wrapping past Integer.MAX_VALUE. */
  get lastSequence (): number {
    const base = this.baseSequence
    return base === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(base, this.lastOffsetDelta)
  }
  get recordsCount (): number { return this.buffer.readInt32BE(this.position + POS_RECORDS_COUNT) }

  computeCrc (): number {
    return crc32c(this.buffer, this.position + POS_ATTRIBUTES, this.position + this.sizeInBytes)
  }

  isValidCrc (): boolean { return this.computeCrc() === this.crc }

  /**
   * message.timestamp.type=LogAppendTime (Kafka's setMaxTimestamp): the timestamp-type attribute
   * and maxTimestamp become the broker's clock, and the CRC is recomputed: both are under it.
   */
  stampLogAppendTime (nowMs: number): void {
    this.buffer.writeInt16BE(this.attributes | 0x08, this.position + POS_ATTRIBUTES)
    writeInt64(this.buffer, this.position + POS_MAX_TIMESTAMP, nowMs)
    this.buffer.writeUInt32BE(this.computeCrc(), this.position + POS_CRC)
  }
}

/** Sequences wrap from Integer.MAX_VALUE to 0 (Kafka's DefaultRecordBatch.incrementSequence). */
export function incrementSequence (sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment
}

export function decrementSequence (sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement
}

/**
 * The batches of `buf` in order. Stops at the first batch whose header or body is not wholly
 * inside `buf` (a Fetch response may end with a partial batch); callers that must not accept a
 * partial tail use validateBatches first.
 */
export function * recordBatches (buf: Buffer): Generator<RecordBatch> {
  let position = 0
  for (;;) {
    const size = wholeBatchSizeAt(buf, position)
    if (size === 0) return
    yield new RecordBatch(buf, position)
    position += size
  }
}

/**
 * The size of the batch starting at `position` if its header and body lie wholly inside `buf`,
 * else 0. The size check alone (no magic or CRC), for scanning bytes that were validated before.
 */
export function wholeBatchSizeAt (buf: Buffer, position: number): number {
  if (buf.length - position < RECORD_BATCH_HEADER_BYTES) return 0
  const size = buf.readInt32BE(position + POS_BATCH_LENGTH) + LOG_OVERHEAD
  if (size < RECORD_BATCH_HEADER_BYTES || size > buf.length - position) return 0
  return size
}

/**
 * Where appended bytes come from (Kafka's AppendOrigin). A client's batches must also be dense
 * (lastOffsetDelta + 1 == recordsCount) and within max.message.bytes; a leader's batches may be
 * compacted and were size-checked when the leader accepted them. A coordinator (transaction
 * markers, transactional offset commits) writes control batches and batches without sequences.
 */
export type AppendOrigin = 'client' | 'coordinator' | 'replication'

/**
 * Checks every batch of a produced (or replicated) set without decoding records: sizes, magic,
 * CRC-32C, the offset range, max.message.bytes, and timestamps when limits are given (a leader's
 * CreateTime topic). The first failing batch decides the result.
 */
export function validateBatches (
  buf: Buffer,
  options: { maxMessageBytes: number, origin?: AppendOrigin, timestampLimits?: TimestampLimits },
): BatchSetValidation {
  const fromClient = options.origin !== 'replication'
  // The transaction coordinator's markers and the group coordinator's transactional offset commits carry no sequence.
  const fromProducer = fromClient && options.origin !== 'coordinator'
  const limits = options.timestampLimits
  let position = 0
  let batchIndex = 0
  let recordCount = 0
  let maxTimestamp = -1
  while (position < buf.length) {
    const fail = (errorCode: Exclude<BatchErrorCode, 0>, reason: string): BatchSetValidation =>
      ({ errorCode, reason, batchIndex })
    const remaining = buf.length - position
    if (remaining < RECORD_BATCH_HEADER_BYTES) {
      // The magic byte is inside the 17 bytes Kafka reads first; an old-format tail reports as such.
      if (remaining > POS_MAGIC && buf.readInt8(position + POS_MAGIC) !== MAGIC_V2) return fail(BatchErrorCode.INVALID_RECORD, 'unsupported magic')
      return fail(BatchErrorCode.CORRUPT_MESSAGE, 'truncated batch header')
    }
    const batch = new RecordBatch(buf, position)
    // Java's ProduceRequest rejects non-v2 data with INVALID_RECORD before looking further.
    if (batch.magic !== MAGIC_V2) return fail(BatchErrorCode.INVALID_RECORD, `unsupported magic ${batch.magic}`)
    const size = batch.sizeInBytes
    if (size < RECORD_BATCH_HEADER_BYTES) return fail(BatchErrorCode.CORRUPT_MESSAGE, `batch length ${batch.batchLength} below the header size`)
    if (fromClient && size > options.maxMessageBytes) return fail(BatchErrorCode.MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds max.message.bytes ${options.maxMessageBytes}`)
    if (size > remaining) return fail(BatchErrorCode.CORRUPT_MESSAGE, `truncated batch: ${remaining} of ${size} bytes`)
    if (!batch.isValidCrc()) return fail(BatchErrorCode.CORRUPT_MESSAGE, 'CRC-32C mismatch')
    const count = batch.recordsCount
    if (batch.lastOffsetDelta < 0) return fail(BatchErrorCode.CORRUPT_MESSAGE, `negative lastOffsetDelta ${batch.lastOffsetDelta}`)
    // Java LogValidator: lastOffsetDelta + 1 must equal recordsCount, both positive (InvalidRecordException).
    if (fromClient && (count <= 0 || batch.lastOffsetDelta + 1 !== count)) {
      return fail(BatchErrorCode.INVALID_RECORD, `recordsCount ${count} does not match lastOffsetDelta ${batch.lastOffsetDelta}`)
    }
    // Java LogValidator.validateBatch: control records come only from the transaction coordinator,
    // and an idempotent batch must carry a sequence.
    if (fromProducer && batch.isControl) return fail(BatchErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records')
    if (fromProducer && batch.producerId >= 0 && batch.baseSequence < 0) {
      return fail(BatchErrorCode.INVALID_RECORD, `Invalid sequence number ${batch.baseSequence} in record batch with producerId ${batch.producerId}`)
    }
    if (limits !== undefined) {
      const outOfRange = timestampOutOfRange(batch, limits)
      if (outOfRange !== undefined) return fail(BatchErrorCode.INVALID_TIMESTAMP, outOfRange)
    }
    recordCount += count
    maxTimestamp = Math.max(maxTimestamp, batch.effectiveMaxTimestamp)
    position += size
    batchIndex++
  }
  if (batchIndex === 0) return { errorCode: BatchErrorCode.CORRUPT_MESSAGE, reason: 'no batches', batchIndex: 0 }
  return { errorCode: BatchErrorCode.NONE, batchCount: batchIndex, recordCount, maxTimestamp }
}

/**
 * Kafka's LogValidator checks each record's timestamp. The broker never inflates a batch, so it
 * checks the two its header holds: the first record's (baseTimestamp) and the largest
 * (maxTimestamp). That decides the "after" limit exactly, and the "before" limit for records in
 * time order. The message is Kafka's; the largest timestamp is reported at the batch's last offset,
 * where a producer appending in time order put it. Offsets are the producer's, as in Kafka, which
 * validates before assigning them.
 */
function timestampOutOfRange (batch: RecordBatch, limits: TimestampLimits): string | undefined {
  const first = batch.firstTimestamp
  if (outsideLimits(first, limits)) return outOfRangeMessage(first, batch.baseOffset, limits)
  const max = batch.maxTimestamp
  if (outsideLimits(max, limits)) return outOfRangeMessage(max, batch.lastOffset, limits)
  return undefined
}

/** NO_TIMESTAMP (-1, an old client's) is never outside, as in Kafka. */
function outsideLimits (timestamp: number, { nowMs, beforeMaxMs, afterMaxMs }: TimestampLimits): boolean {
  return timestamp !== NO_TIMESTAMP &&
    ((beforeMaxMs < NO_LIMIT && nowMs - timestamp > beforeMaxMs) || (afterMaxMs < NO_LIMIT && timestamp - nowMs > afterMaxMs))
}

/** Kafka's words, in bigint arithmetic: exact digits beyond 2^53; a side without a limit is Long.MAX_VALUE away. */
function outOfRangeMessage (timestamp: number, offset: number, { nowMs, beforeMaxMs, afterMaxMs }: TimestampLimits): string {
  const ms = (limit: number): bigint => limit < NO_LIMIT ? BigInt(limit) : 2n ** 63n - 1n
  return `Timestamp ${BigInt(timestamp)} of message with offset ${offset} is out of range. ` +
    `The timestamp should be within [${BigInt(nowMs) - ms(beforeMaxMs)}, ${BigInt(nowMs) + ms(afterMaxMs)}]`
}
