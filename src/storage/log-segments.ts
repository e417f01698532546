import type { LogSegment } from './log-segment.js'

/**
 * The ordered segments of one log (Kafka's LogSegments): ascending by base offset and never
 * empty; the last one is the active segment, the only one appended to. LocalLog rolls, truncates
 * and deletes (when, PartitionLog decides) and the log cleaner swaps cleaned copies in; this keeps
 * the order and finds segments by offset.
 */
export class LogSegments {
  private segments: LogSegment[]

  /** `segments` as loaded (and recovered) from the partition directory, in base offset order. */
  constructor (segments: LogSegment[]) {
    if (segments.length === 0) throw new Error('a log has at least one segment')
    this.segments = segments
  }

  /** Oldest first. */
  get values (): readonly LogSegment[] { return this.segments }
  get first (): LogSegment { return this.segments[0]! }
  get active (): LogSegment { return this.segments[this.segments.length - 1]! }
  get count (): number { return this.segments.length }
  get baseOffsets (): number[] { return this.segments.map(s => s.baseOffset) }
  get sizeInBytes (): number { return this.segments.reduce((sum, s) => sum + s.size, 0) }

  /** Every segment but the active one, oldest first. */
  get inactive (): readonly LogSegment[] { return this.segments.slice(0, -1) }

  /** From the segment that holds `offset` (the floor segment; the first if none is) to the active one. */
  * from (offset: number): Generator<LogSegment> {
    for (let i = this.floorIndex(offset); i < this.segments.length; i++) yield this.segments[i]!
  }

  /** A newly rolled segment becomes the active one. */
  add (segment: LogSegment): void {
    if (segment.baseOffset <= this.active.baseOffset) throw new Error(`segment ${segment.baseOffset} does not follow the active segment ${this.active.baseOffset}`)
    this.segments.push(segment)
  }

  /** Rolling over an empty active segment: the new one takes its place (the caller deleted its files). */
  replaceActive (segment: LogSegment): void {
    this.segments[this.segments.length - 1] = segment
  }

  /** The log cleaner swapped in a cleaned copy of `segment`. */
  replace (segment: LogSegment, cleaned: LogSegment): void {
    const i = this.segments.indexOf(segment)
    if (i < 0) throw new Error(`segment ${segment.baseOffset} is not in this log`)
    this.segments[i] = cleaned
  }

  /** Removes the oldest `count` segments, never the active one; the caller deletes their files. */
  removeOldest (count: number): LogSegment[] {
    return this.segments.splice(0, Math.min(count, this.segments.length - 1))
  }

  /** Deletes every segment after the first whose base offset is at or above `offset` (truncation). */
  deleteFrom (offset: number): void {
    while (this.segments.length > 1 && this.active.baseOffset >= offset) this.segments.pop()!.delete()
  }

  /** Deletes every segment before `create` runs: the new one may reuse a base offset, and so the file names. */
  deleteAllAndStartWith (create: () => LogSegment): void {
    for (const segment of this.segments) segment.delete()
    this.segments = [create()]
  }

  /** The last segment whose base offset is <= offset (the first if none is). */
  private floorIndex (offset: number): number {
    let low = 0
    let high = this.segments.length - 1
    let found = 0
    while (low <= high) {
      const mid = (low + high) >>> 1
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid
        low = mid + 1
      } else {
        high = mid - 1
      }
    }
    return found
  }
}
