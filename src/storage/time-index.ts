/**
 * A segment's time index (`.timeindex`): 12-byte entries (int64 largest timestamp so far, int32
 * offset - baseOffset of the batch that reached it). Timestamps only grow, so the greatest entry
 * <= a target time is an offset from which a forward scan finds the first batch at or after it.
 */
import { readInt64, writeInt64 } from '../protocol/primitives/int64.js'
import { IndexFile } from './index-file.js'

export const TIME_INDEX_ENTRY_BYTES = 12

export interface TimestampOffset { timestamp: number, offset: number }

export class TimeIndex {
  private readonly file: IndexFile

  constructor (path: string, readonly baseOffset: number, readonly maxEntries: number) {
    this.file = new IndexFile(path, TIME_INDEX_ENTRY_BYTES)
  }

  get path (): string { return this.file.path }
  get entryCount (): number { return this.file.entryCount }
  get isFull (): boolean { return this.file.entryCount >= this.maxEntries }

  /** Loads the file and checks its order; false means: rebuild from the log. */
  load (logSizeBytes: number): boolean {
    if (!this.file.load()) return logSizeBytes === 0
    let previous: TimestampOffset = { timestamp: -Infinity, offset: this.baseOffset - 1 }
    for (let i = 0; i < this.entryCount; i++) {
      const entry = this.entry(i)
      if (entry.timestamp < previous.timestamp || entry.offset < previous.offset) {
        this.file.reset()
        return false
      }
      previous = entry
    }
    return true
  }

  /** The last entry; from the file's tail when the index was never loaded (closed segments). */
  lastEntry (): TimestampOffset | null {
    if (this.file.isLoaded) return this.entryCount > 0 ? this.entry(this.entryCount - 1) : null
    const tail = this.file.readLastEntryFromFile()
    return tail === null ? null : decode(tail, 0, this.baseOffset)
  }

  entry (i: number): TimestampOffset {
    return decode(this.file.data, i * TIME_INDEX_ENTRY_BYTES, this.baseOffset)
  }

  /** Adds an entry only when the timestamp moves forward, as Kafka's TimeIndex.maybeAppend does. */
  maybeAppend (timestamp: number, offset: number): void {
    const last = this.entryCount === 0 ? null : this.entry(this.entryCount - 1)
    if (last !== null && (timestamp <= last.timestamp || offset < last.offset)) return
    const at = this.file.appendEntry()
    writeInt64(this.file.data, at, timestamp)
    this.file.data.writeInt32BE(offset - this.baseOffset, at + 8)
  }

  /** The greatest entry whose timestamp is <= target, or (-1, baseOffset). */
  lookup (targetTimestamp: number): TimestampOffset {
    let low = 0
    let high = this.entryCount - 1
    let found: TimestampOffset = { timestamp: -1, offset: this.baseOffset }
    while (low <= high) {
      const mid = (low + high) >>> 1
      const entry = this.entry(mid)
      if (entry.timestamp <= targetTimestamp) {
        found = entry
        low = mid + 1
      } else {
        high = mid - 1
      }
    }
    return found
  }

  /** Removes every entry for offsets >= offset. */
  truncateTo (offset: number): void {
    let keep = this.entryCount
    while (keep > 0 && this.entry(keep - 1).offset >= offset) keep--
    this.file.truncateToEntries(keep)
  }

  reset (): void { this.file.reset() }
  persist (fsync: boolean, create = true): void { this.file.persist(fsync, create) }
  delete (): void { this.file.delete() }
}

function decode (data: Buffer, at: number, baseOffset: number): TimestampOffset {
  return { timestamp: readInt64(data, at), offset: baseOffset + data.readInt32BE(at + 8) }
}
