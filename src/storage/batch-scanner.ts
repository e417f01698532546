/**
 * Walks the batches of a segment file from a position, reading large chunks with positional reads so
 * that many small batches cost one syscall. Only sizes are checked here; callers check the rest.
 */
import { fstatSync, readSync } from 'node:fs'
import { LOG_OVERHEAD, RECORD_BATCH_HEADER_BYTES, RecordBatch } from '../protocol/records/record-batch.js'

const CHUNK_BYTES = 1 << 20

export type ScanEnd =
  /** Every batch up to `end` was visited. */
  | 'end'
  /** The visitor returned false for the batch at `position`. */
  | 'stopped'
  /** The bytes at `position` are not a whole batch: a torn tail or a corrupt length. */
  | 'truncated'

export interface ScanResult { stoppedBy: ScanEnd, position: number }

/**
 * Calls visit(batch, position) for each whole batch in [from, end) of the file; the batch is a view
 * into a scratch buffer that is only valid during the call. Stops when visit returns false.
 */
export function scanBatches (
  fd: number,
  from: number,
  end: number,
  visit: (batch: RecordBatch, position: number) => boolean,
): ScanResult {
  let chunk: Buffer = Buffer.alloc(0)
  let chunkStart = from
  let position = from
  while (position < end) {
    let at = position - chunkStart
    if (chunk.length - at < LOG_OVERHEAD || chunk.length - at < wholeSize(chunk, at)) {
      const needed = Math.min(end - position, Math.max(CHUNK_BYTES, peekSize(fd, position, end)))
      chunk = readAt(fd, position, needed)
      chunkStart = position
      at = 0
    }
    const size = wholeSize(chunk, at)
    if (size < RECORD_BATCH_HEADER_BYTES || size > chunk.length - at) return { stoppedBy: 'truncated', position }
    if (!visit(new RecordBatch(chunk, at), position)) return { stoppedBy: 'stopped', position }
    position += size
  }
  return { stoppedBy: 'end', position }
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file), into a buffer from `allocate`. */
export function readAt (fd: number, position: number, length: number, allocate: (size: number) => Buffer = allocUnsafe): Buffer {
  const buf = allocate(length)
  let filled = 0
  while (filled < length) {
    const n = readSync(fd, buf, filled, length - filled, position + filled)
    if (n === 0) break
    filled += n
  }
  return filled === length ? buf : buf.subarray(0, filled)
}

export function fileSize (fd: number): number {
  return fstatSync(fd).size
}

/** The batch size claimed by the header at `at`, or 0 if not even the length field is there. */
function wholeSize (chunk: Buffer, at: number): number {
  return chunk.length - at < LOG_OVERHEAD ? 0 : chunk.readInt32BE(at + 8) + LOG_OVERHEAD
}

function peekSize (fd: number, position: number, end: number): number {
  if (end - position < LOG_OVERHEAD) return 0
  return wholeSize(readAt(fd, position, LOG_OVERHEAD), 0)
}

function allocUnsafe (size: number): Buffer { return Buffer.allocUnsafe(size) }
