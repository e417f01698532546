/**
 * `<20-digit offset>.snapshot`: the producer state of a partition as of that offset, in Kafka's
 * format (ProducerStateManager.writeSnapshot, version 1), so that Kafka's tools read ours:
 *
 *   version      int16   1
 *   crc          uint32  CRC-32C of every byte after this field
 *   entries      int32 count, then per producer:
 *     producer_id int64, epoch int16, last_sequence int32, last_offset int64, offset_delta int32,
 *     timestamp int64, coordinator_epoch int32, current_txn_first_offset int64 (-1: none)
 *
 * Only each producer's last batch is kept, as in Kafka: after a restart a retry of that batch is
 * still answered as a duplicate, one of an older batch as a sequence error.
 */
import { readFileSync } from 'node:fs'
import { crc32c } from '../protocol/primitives/crc32c.js'
import { readInt64, writeInt64 } from '../protocol/primitives/int64.js'
import { atomicWrite } from './atomic-write.js'
import { ProducerStateEntry } from './producer-state-entry.js'

const SNAPSHOT_VERSION = 1
const CRC_OFFSET = 2
const ENTRIES_OFFSET = CRC_OFFSET + 4
const ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8

/** A snapshot that cannot be read as written (Kafka's CorruptSnapshotException): it is deleted and an older one used. */
export class CorruptSnapshotError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CorruptSnapshotError'
  }
}

export function encodeProducerSnapshot (entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries]
  const buf = Buffer.alloc(ENTRIES_OFFSET + 4 + list.length * ENTRY_BYTES)
  buf.writeInt16BE(SNAPSHOT_VERSION, 0)
  buf.writeInt32BE(list.length, ENTRIES_OFFSET)
  let at = ENTRIES_OFFSET + 4
  for (const e of list) {
    writeInt64(buf, at, e.producerId)
    buf.writeInt16BE(e.producerEpoch, at + 8)
    buf.writeInt32BE(e.lastSeq, at + 10)
    writeInt64(buf, at + 14, e.lastDataOffset)
    buf.writeInt32BE(e.lastOffsetDelta, at + 22)
    writeInt64(buf, at + 26, e.lastTimestamp)
    buf.writeInt32BE(e.coordinatorEpoch, at + 34)
    writeInt64(buf, at + 38, e.currentTxnFirstOffset)
    at += ENTRY_BYTES
  }
  buf.writeUInt32BE(crc32c(buf, ENTRIES_OFFSET, buf.length), CRC_OFFSET)
  return buf
}

export function decodeProducerSnapshot (buf: Buffer): ProducerStateEntry[] {
  if (buf.length < ENTRIES_OFFSET + 4) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`)
  const version = buf.readInt16BE(0)
  if (version !== SNAPSHOT_VERSION) throw new CorruptSnapshotError(`Snapshot contained an unknown file version ${version}`)
  const crc = buf.readUInt32BE(CRC_OFFSET)
  const computed = crc32c(buf, ENTRIES_OFFSET, buf.length)
  if (crc !== computed) throw new CorruptSnapshotError(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${crc}. Computed crc: ${computed}`)
  const count = buf.readInt32BE(ENTRIES_OFFSET)
  if (count < 0 || buf.length !== ENTRIES_OFFSET + 4 + count * ENTRY_BYTES) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes cannot hold ${count} entries`)
  const entries: ProducerStateEntry[] = []
  for (let at = ENTRIES_OFFSET + 4; at < buf.length; at += ENTRY_BYTES) {
    const lastSeq = buf.readInt32BE(at + 10)
    const lastOffset = readInt64(buf, at + 14)
    const offsetDelta = buf.readInt32BE(at + 22)
    const timestamp = readInt64(buf, at + 26)
    // A producer whose last entry was a transaction marker has no data batch (last_offset -1).
    const batches = lastOffset >= 0 ? [{ lastSeq, lastOffset, offsetDelta, timestamp }] : []
    entries.push(new ProducerStateEntry(readInt64(buf, at), buf.readInt16BE(at + 8), buf.readInt32BE(at + 34), timestamp, readInt64(buf, at + 38), batches))
  }
  return entries
}

/** Written to `<path>.tmp`, fsynced and renamed: a crash leaves the old set of snapshots or the new. */
export function writeProducerSnapshot (path: string, entries: Iterable<ProducerStateEntry>): void {
  atomicWrite(path, encodeProducerSnapshot(entries))
}

export function readProducerSnapshot (path: string): ProducerStateEntry[] {
  return decodeProducerSnapshot(readFileSync(path))
}
