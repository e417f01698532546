/**
 * Legacy message sets (magic 0 and 1: Kafka's documentation, Message Format: Old Message Format; KIP-32) to and from record batch v2. Kafka 3.x stores
 * only v2, so old producers' data (Sarama's default Produce v0 magic 0, kafka-go's magic 1) is
 * up-converted on the way in, and Fetch answers for readers that know only magic 0/1 (kafka-go
 * 0.2 via Fetch v2) are down-converted on the way out.
 *
 * Entry: offset int64, messageSize int32, crc uint32 (CRC-32 IEEE over magic..end), magic int8,
 * attributes int8 (bits 0-2 codec, bit 3 LogAppendTime in magic 1), timestamp int64 (magic 1 only),
 * key and value as int32-length nullable bytes. A compressed "wrapper" holds an inner message set
 * in its value; only gzip is built in (compression.ts).
 */
import { crc32 } from 'node:zlib'
import { ProtocolError } from '../protocol-error.js'
import { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'
import { compress, Compression, decompress } from './compression.js'
import { buildRecordBatch, decodeRecordBatches, type ConsumerRecord, type RecordInput } from './record.js'

/** offset + messageSize: the bytes before each message. */
const LOG_OVERHEAD = 12
/** crc + magic + attributes + key length + value length: the smallest magic-0 message. */
const MIN_MESSAGE_BYTES = 14
/** Records without a timestamp (magic 0) carry Kafka's NO_TIMESTAMP. */
const NO_TIMESTAMP = -1

/** The magic of the first entry in `records` (v2 batches and legacy sets keep it at byte 16). */
export function magicOf (records: Buffer): number {
  if (records.length < 17) throw new ProtocolError(`records of ${records.length} bytes are too short to carry a magic byte`)
  return records.readInt8(16)
}

/**
 * One uncompressed-or-gzip v2 batch holding every message of a magic 0/1 message set, offsets
 * 0..n-1 (the broker assigns real ones). Legacy messages have no headers and no producer state.
 */
export function messageSetToRecordBatch (messageSet: Buffer): Buffer {
  const records: RecordInput[] = []
  let codec: number = Compression.none
  for (const message of readMessageSet(messageSet)) {
    if (message.codec === Compression.none) {
      records.push(message.record)
      continue
    }
    codec = message.codec
    for (const inner of readMessageSet(decompress(message.codec, message.record.value as Buffer))) {
      if (inner.codec !== Compression.none) throw new ProtocolError('nested compressed message inside a wrapper')
      // magic 1 with LogAppendTime: the wrapper's timestamp stands for the inner messages
      if (message.logAppendTime) inner.record.timestamp = message.record.timestamp
      records.push(inner.record)
    }
  }
  if (records.length === 0) throw new ProtocolError('empty message set')
  return buildRecordBatch({ records, compression: codec as Compression, baseTimestamp: records[0]!.timestamp })
}

/**
 * The whole v2 batches in `batches` as a magic 0 or 1 message set, as Java's down-conversion for
 * Fetch v0-v3 does: absolute offsets, headers dropped, control batches skipped, gzip batches become
 * one gzip wrapper. A partial trailing batch is dropped (the reader would discard it anyway).
 */
export function recordBatchesToMessageSet (batches: Buffer, magic: 0 | 1): Buffer {
  const out = new Writer(batches.length + 64)
  for (const batch of decodeRecordBatches(batches)) {
    if (batch.isControl || batch.records.length === 0) continue
    const logAppendTime = (batch.attributes & 0x08) !== 0
    if (batch.compression === Compression.none) {
      for (const r of batch.records) writeMessage(out, magic, r.offset, 0, r.timestamp, r.key, r.value, logAppendTime)
      continue
    }
    // KIP-31: magic 1 wrappers hold relative inner offsets; magic 0 ones hold absolute offsets
    const inner = new Writer(256)
    const first = batch.records[0]!.offset
    for (const r of batch.records) {
      writeMessage(inner, magic, magic === 1 ? r.offset - first : r.offset, 0, r.timestamp, r.key, r.value, false)
    }
    const last = batch.records[batch.records.length - 1]!
    const wrapperTimestamp = logAppendTime ? batch.maxTimestamp : batch.records.reduce((max, r) => Math.max(max, r.timestamp), -1)
    writeMessage(out, magic, last.offset, batch.compression, wrapperTimestamp, null,
      compress(batch.compression, inner.toBuffer()), logAppendTime)
  }
  return out.toBuffer()
}

/**
 * The records of a magic 0/1 message set as a consumer sees them (absolute offsets; timestamp -1
 * for magic 0), for Fetch answers from brokers that serve old formats. Compressed wrappers are
 * opened: magic 1 inner offsets count back from the wrapper's, which is the last inner one's (KIP-31).
 */
export function decodeMessageSet (messageSet: Buffer): ConsumerRecord[] {
  const out: ConsumerRecord[] = []
  for (const message of readMessageSet(messageSet)) {
    const { key, value, timestamp } = message.record
    if (message.codec === Compression.none) {
      out.push({ offset: message.offset, timestamp, key: key as Buffer | null, value, headers: [] })
      continue
    }
    const inner = readMessageSet(decompress(message.codec, value as Buffer))
    const lastInner = inner[inner.length - 1]?.offset ?? 0
    for (const m of inner) {
      out.push({
        offset: message.magic === 1 ? message.offset - lastInner + m.offset : m.offset,
        timestamp: message.logAppendTime ? timestamp : m.record.timestamp,
        key: m.record.key as Buffer | null,
        value: m.record.value,
        headers: [],
      })
    }
  }
  return out
}

interface LegacyMessage {
  offset: number
  magic: number
  codec: number
  logAppendTime: boolean
  record: RecordInput & { timestamp: number, value: Buffer | null }
}

/** The whole messages of a set; a partial trailing message is ignored, as Kafka's readers do. */
function readMessageSet (buf: Buffer): LegacyMessage[] {
  const messages: LegacyMessage[] = []
  const r = new Reader(buf)
  while (r.remaining >= LOG_OVERHEAD) {
    const offset = r.int64()
    const size = r.int32()
    if (size < MIN_MESSAGE_BYTES) throw new ProtocolError(`message size ${size} is below the minimum ${MIN_MESSAGE_BYTES}`)
    if (size > r.remaining) break
    const start = r.pos
    const m = new Reader(buf, start, start + size)
    r.skip(size)
    const crc = m.uint32()
    if (crc32(buf.subarray(start + 4, start + size)) !== crc) throw new ProtocolError('message CRC-32 mismatch')
    const magic = m.int8()
    if (magic !== 0 && magic !== 1) throw new ProtocolError(`message magic ${magic} in a legacy message set`)
    const attributes = m.int8()
    const timestamp = magic === 1 ? m.int64() : NO_TIMESTAMP
    const key = m.nullableBytes()
    const value = m.nullableBytes()
    messages.push({
      offset,
      magic,
      codec: attributes & 0x07,
      logAppendTime: magic === 1 && (attributes & 0x08) !== 0,
      record: { key, value, timestamp },
    })
  }
  return messages
}

function writeMessage (
  out: Writer, magic: 0 | 1, offset: number, codec: number, timestamp: number,
  key: Buffer | null, value: Buffer | null, logAppendTime: boolean,
): void {
  const body = new Writer(64)
  body.int8(magic).int8(codec | (magic === 1 && logAppendTime ? 0x08 : 0))
  if (magic === 1) body.int64(timestamp)
  body.nullableBytes(key).nullableBytes(value)
  const bytes = body.toBuffer()
  out.int64(offset).int32(bytes.length + 4).uint32(crc32(bytes)).raw(bytes)
}
