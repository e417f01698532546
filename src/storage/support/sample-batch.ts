/**
 * Builds uncompressed record batch v2 bytes for storage tests and the segment-append benchmark:
 * real records (Message Format: Record) with a correct CRC-32C, so any client could decode them.
 * Test-only: the broker itself never builds batches.
 */
import { crc32c } from '../../protocol/primitives/crc32c.js'

export interface TestBatchOptions {
  baseOffset?: number
  partitionLeaderEpoch?: number
  recordCount?: number
  valueBytes?: number
  firstTimestamp?: number
  /** Defaults to the last record's timestamp; Sarama sends -1. */
  maxTimestamp?: number
  /** Milliseconds between consecutive records' timestamps. */
  timestampStepMs?: number
  /** Byte every value is filled with, to tell batches apart. */
  fill?: number
  /** An idempotent producer's batch: its id, epoch and first sequence (-1, -1, -1 without). */
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  /** A transactional producer's batch (attribute bit 4). */
  transactional?: boolean
}

export function buildTestBatch (options: TestBatchOptions = {}): Buffer {
  const recordCount = options.recordCount ?? 1
  const valueBytes = options.valueBytes ?? 10
  const firstTimestamp = options.firstTimestamp ?? 1_700_000_000_000
  const stepMs = options.timestampStepMs ?? 0
  const records: Buffer[] = []
  for (let i = 0; i < recordCount; i++) {
    const body = Buffer.concat([
      Buffer.from([0]), // attributes
      varint(i * stepMs), // timestampDelta
      varint(i), // offsetDelta
      varint(-1), // null key
      varint(valueBytes),
      Buffer.alloc(valueBytes, options.fill ?? 0x61),
      varint(0), // no headers
    ])
    records.push(varint(body.length), body)
  }
  const recordBytes = Buffer.concat(records)
  const batch = Buffer.alloc(61 + recordBytes.length)
  writeInt64(batch, 0, options.baseOffset ?? 0)
  batch.writeInt32BE(batch.length - 12, 8)
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12)
  batch.writeInt8(2, 16)
  batch.writeInt16BE(options.transactional === true ? 0x10 : 0, 21)
  batch.writeInt32BE(recordCount - 1, 23)
  writeInt64(batch, 27, firstTimestamp)
  writeInt64(batch, 35, options.maxTimestamp ?? firstTimestamp + (recordCount - 1) * stepMs)
  writeInt64(batch, 43, options.producerId ?? -1)
  batch.writeInt16BE(options.producerEpoch ?? -1, 51)
  batch.writeInt32BE(options.baseSequence ?? -1, 53)
  batch.writeInt32BE(recordCount, 57)
  recordBytes.copy(batch, 61)
  batch.writeUInt32BE(crc32c(batch, 21), 17)
  return batch
}

/** Zigzag varint, as records encode their lengths and deltas (values well inside int32 here). */
function varint (value: number): Buffer {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  const bytes: number[] = []
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  bytes.push(v)
  return Buffer.from(bytes)
}

function writeInt64 (buf: Buffer, position: number, value: number): void {
  buf.writeBigInt64BE(BigInt(value), position)
}
