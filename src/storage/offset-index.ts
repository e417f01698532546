/**
 * A segment's sparse offset index (`.index`): 8-byte entries (int32 offset - baseOffset, int32
 * position in the `.log`). An entry names a batch's last offset and that batch's start position,
 * so the greatest entry <= a target offset is a position from which a forward scan finds it.
 */
import { IndexFile } from './index-file.js'

export const OFFSET_INDEX_ENTRY_BYTES = 8

export interface OffsetPosition { offset: number, position: number }

export class OffsetIndex {
  private readonly file: IndexFile

  constructor (path: string, readonly baseOffset: number, readonly maxEntries: number) {
    this.file = new IndexFile(path, OFFSET_INDEX_ENTRY_BYTES)
  }

  get path (): string { return this.file.path }
  get entryCount (): number { return this.file.entryCount }
  get isFull (): boolean { return this.file.entryCount >= this.maxEntries }

  /** Loads the file and checks it against the log's size; false means: rebuild from the log. */
  load (logSizeBytes: number): boolean {
    if (!this.file.load()) return logSizeBytes === 0
    let previous: OffsetPosition = { offset: this.baseOffset - 1, position: -1 }
    for (let i = 0; i < this.entryCount; i++) {
      const entry = this.entry(i)
      if (entry.offset <= previous.offset || entry.position <= previous.position || entry.position >= logSizeBytes) {
        this.file.reset()
        return false
      }
      previous = entry
    }
    return true
  }

  entry (i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_BYTES
    const data = this.file.data
    return { offset: this.baseOffset + data.readInt32BE(at), position: data.readInt32BE(at + 4) }
  }

  lastEntry (): OffsetPosition {
    return this.entryCount === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.entryCount - 1)
  }

  append (offset: number, position: number): void {
    if (this.entryCount > 0 && offset <= this.lastEntry().offset) {
      throw new Error(`offset index ${this.path}: entry ${offset} is not above the last entry ${this.lastEntry().offset}`)
    }
    const at = this.file.appendEntry()
    this.file.data.writeInt32BE(offset - this.baseOffset, at)
    this.file.data.writeInt32BE(position, at + 4)
  }

  /** The greatest entry whose offset is <= target, or (baseOffset, 0). */
  lookup (targetOffset: number): OffsetPosition {
    const slot = this.floorSlot(targetOffset)
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot)
  }

  /** Removes every entry for offsets >= offset. */
  truncateTo (offset: number): void {
    this.file.truncateToEntries(this.floorSlot(offset - 1) + 1)
  }

  reset (): void { this.file.reset() }
  persist (fsync: boolean, create = true): void { this.file.persist(fsync, create) }
  delete (): void { this.file.delete() }

  private floorSlot (targetOffset: number): number {
    const relative = targetOffset - this.baseOffset
    const data = this.file.data
    let low = 0
    let high = this.entryCount - 1
    let found = -1
    while (low <= high) {
      const mid = (low + high) >>> 1
      if (data.readInt32BE(mid * OFFSET_INDEX_ENTRY_BYTES) <= relative) {
        found = mid
        low = mid + 1
      } else {
        high = mid - 1
      }
    }
    return found
  }
}
