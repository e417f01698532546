/**
 * Which leader epoch started at which offset, persisted as `leader-epoch-checkpoint`
 * (`epoch startOffset` lines). Followers ask the leader for the end offset of their latest epoch
 * (OffsetForLeaderEpoch) and truncate there instead of at the high watermark (KIP-101, KIP-279).
 */
import { join } from 'node:path'
import { CheckpointFile } from './checkpoint-file.js'

export const UNDEFINED_EPOCH = -1
export const UNDEFINED_EPOCH_OFFSET = -1

export interface EpochEntry { epoch: number, startOffset: number }
export interface EpochEndOffset { leaderEpoch: number, endOffset: number }

export class LeaderEpochCache {
  private entries: EpochEntry[]
  private readonly file: CheckpointFile
  /** An entry assignAtLogEnd kept in memory only, for the first record of its epoch to write. */
  private pending = false

  constructor (partitionDir: string) {
    this.file = new CheckpointFile(join(partitionDir, 'leader-epoch-checkpoint'), 2)
    this.entries = this.file.read().map(([epoch, startOffset]) => ({ epoch: Number(epoch), startOffset: Number(startOffset) }))
  }

  get latestEpoch (): number { return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH }
  get epochEntries (): readonly EpochEntry[] { return this.entries }

  /**
   * Records that `epoch` starts at `startOffset`. Entries it contradicts (an epoch >= it, or a start
   * offset >= it) are dropped first, as Kafka's LeaderEpochFileCache.assign does; re-assigning the
   * latest epoch is a no-op.
   */
  assign (epoch: number, startOffset: number): void {
    this.assignAtLogEnd(epoch, startOffset)
    this.flushPending()
  }

  /**
   * A new leader's epoch, which starts at the log end (KIP-101): in memory at once, in the file with
   * the first record of that epoch (flushPending). Written earlier, it would buy nothing: a reload
   * drops every entry that starts at or past the log end (truncateFromEnd), so until a record of
   * the epoch is appended a crash loses nothing the file could have kept. Becoming leader of
   * thousands of partitions thus costs no fsync each.
   */
  assignAtLogEnd (epoch: number, logEndOffset: number): void {
    if (epoch < 0) return
    const latest = this.entries.at(-1)
    if (latest !== undefined && latest.epoch === epoch && latest.startOffset <= logEndOffset) return
    this.entries = this.entries.filter(e => e.epoch < epoch && e.startOffset < logEndOffset)
    this.entries.push({ epoch, startOffset: logEndOffset })
    this.pending = true
  }

  /** Writes an entry assignAtLogEnd kept in memory: records of its epoch are being appended. */
  flushPending (): void {
    if (this.pending) this.flush()
  }

  /**
   * The end offset of `requestedEpoch` for OffsetForLeaderEpoch: the start offset of the next larger
   * epoch, or the log end offset for the latest epoch, with the largest epoch <= requestedEpoch
   * (KIP-279). Unknown (-1, -1) for an undefined or future epoch.
   */
  endOffsetFor (requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedResult = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }
    if (requestedEpoch === UNDEFINED_EPOCH) return undefinedResult
    if (requestedEpoch === this.latestEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset }
    const higher = this.entries.find(e => e.epoch > requestedEpoch)
    if (higher === undefined) return undefinedResult
    const floor = this.entries[lastIndexWhere(this.entries, e => e.epoch <= requestedEpoch)]
    // Older than anything cached: the requested epoch ends where the first cached one starts.
    return { leaderEpoch: floor?.epoch ?? requestedEpoch, endOffset: higher.startOffset }
  }

  /** After the log is truncated to `endOffset`: drop epochs that start at or after it. */
  truncateFromEnd (endOffset: number): void {
    const kept = this.entries.filter(e => e.startOffset < endOffset)
    if (kept.length === this.entries.length) return
    this.entries = kept
    this.flush()
  }

  /**
   * After the log start moves to `startOffset`: drop epochs that end before it, and move the start of
   * the epoch that holds it up to it.
   */
  truncateFromStart (startOffset: number): void {
    const firstKept = lastIndexWhere(this.entries, e => e.startOffset <= startOffset)
    if (firstKept < 0) return
    const entry = this.entries[firstKept]!
    if (firstKept === 0 && entry.startOffset === startOffset) return
    this.entries = [{ epoch: entry.epoch, startOffset }, ...this.entries.slice(firstKept + 1)]
    this.flush()
  }

  clear (): void {
    this.entries = []
    this.flush()
  }

  private flush (): void {
    this.file.write(this.entries.map(e => [e.epoch, e.startOffset]))
    this.pending = false
  }
}

/** Array.prototype.findLastIndex, which the ES2022 lib lacks. */
function lastIndexWhere (entries: readonly EpochEntry[], predicate: (e: EpochEntry) => boolean): number {
  for (let i = entries.length - 1; i >= 0; i--) if (predicate(entries[i]!)) return i
  return -1
}
