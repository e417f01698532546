/**
 * The segments on disk of one partition directory (Kafka's LocalLog): the log end offset, appends
 * of final bytes to the active segment, rolling, flushing and the recovery point, reads of byte
 * ranges, truncation, deleting segments, and the directory itself with its file handles.
 *
 * The split from PartitionLog (Kafka's UnifiedLog) is Kafka's: everything here is about files and
 * byte ranges and knows nothing of what the batches mean. Offsets arrive assigned, batches
 * validated, and PartitionLog decides when to truncate, what retention deletes and when to flush;
 * here they are carried out. Where Kafka keeps a mechanism in UnifiedLog and ours is simpler it
 * stays here: the roll check, because this class draws each active segment's segment.jitter.ms
 * when it creates the segment, and the flush of a finished segment on roll.
 *
 * Every method is synchronous, so a partition's calls never interleave (only the fsync of a
 * finished segment after a roll completes later): appends and reads are positional I/O on the
 * segment's descriptor (page cache; fsync only by flush policy, on roll, on close, measured in
 * bench/README.md). Durability comes from replication, as in Kafka.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from '../logger.js'
import { isIoError, type LogDirFailureChannel } from './log-dir-failure-channel.js'
import { maxSegmentMs, randomSegmentJitter, type LogConfig } from './log-config.js'
import { LogSegment } from './log-segment.js'
import { LogSegments } from './log-segments.js'
import { loadSegments, recoverSegments, type RecoveryResult } from './recovery.js'
import type { AbortedTxn } from './transaction-index.js'

/** What the log dir's checkpoints and the broker tell the files of one partition at open. */
export interface LocalLogState {
  hadCleanShutdown?: boolean
  recoveryPoint?: number
  /** A new log's first segment starts here. */
  logStartOffset?: number
  now?: () => number
  /** In [0, 1): draws each segment's segment.jitter.ms (Math.random unless a test fixes it). */
  random?: () => number
  /** Where an I/O error in this log takes its log dir (LogManager passes its channel). */
  logDirFailureChannel?: LogDirFailureChannel
}

/** An opened log, with what its loading found (for the owner's one "loaded" log line). */
export interface LoadedLocalLog {
  log: LocalLog
  /** The directory did not exist: nothing else in it (producer snapshots) needs listing. */
  newDir: boolean
  /** null after a clean shutdown, when nothing was recovered. */
  recovery: RecoveryResult | null
}

/** Why the active segment rolls (Kafka's LogSegment.shouldRoll conditions). */
export type RollReason = 'segment.bytes' | 'segment.ms' | 'index full' | 'relative offset overflow'

const MAX_RELATIVE_OFFSET = 0x7fffffff
const EMPTY = Buffer.alloc(0)

export class LocalLog {
  /**
   * The segments, oldest first. The owner's policies read them (retention, the cleaner, time
   * lookups, producer state replay); only this class adds or removes one, except the cleaner,
   * which swaps a cleaned copy in place of a segment.
   */
  readonly segments: LogSegments
  private leo: number
  private recoveryPointOffset: number
  private unflushed = 0
  private lastFlushAtMs: number
  private closed = false
  /** The active segment's share of segment.jitter.ms, drawn when it became active (Kafka keeps it per segment). */
  private rollJitterMs: number
  private readonly now: () => number
  private readonly random: () => number
  private readonly logDirFailureChannel?: LogDirFailureChannel

  /**
   * Loads the segments of `dir` (creating it if new) and, unless state.hadCleanShutdown, recovers
   * them from state.recoveryPoint (recovery.ts, Kafka's LogLoader).
   */
  static open (dir: string, config: LogConfig, logger: Logger, state: LocalLogState, nowMs: number): LoadedLocalLog {
    // A new partition's directory holds nothing to list: creating thousands skips three listings each.
    const newDir = mkdirSync(dir, { recursive: true }) !== undefined
    let segments = newDir ? [] : loadSegments(dir, config, nowMs, logger)
    if (segments.length === 0) segments.push(new LogSegment(dir, state.logStartOffset ?? 0, config, nowMs))
    let recovery = null
    if (state.hadCleanShutdown !== true) {
      recovery = recoverSegments(segments, state.recoveryPoint ?? 0, logger)
      segments = recovery.segments
    }
    return { log: new LocalLog(dir, config, new LogSegments(segments), logger, state, nowMs), newDir, recovery }
  }

  private constructor (readonly dir: string, private logConfig: LogConfig, segments: LogSegments, private readonly logger: Logger, state: LocalLogState, nowMs: number) {
    this.segments = segments
    this.now = state.now ?? Date.now
    this.random = state.random ?? Math.random
    this.rollJitterMs = randomSegmentJitter(logConfig, this.random)
    this.logDirFailureChannel = state.logDirFailureChannel
    this.leo = segments.active.readNextOffset()
    this.recoveryPointOffset = state.hadCleanShutdown === true ? this.leo : Math.min(state.recoveryPoint ?? 0, this.leo)
    this.lastFlushAtMs = nowMs
  }

  get config (): LogConfig { return this.logConfig }
  /** The offset the next appended batch starts at. */
  get logEndOffset (): number { return this.leo }
  /** Offsets below this are known to be fsynced. */
  get recoveryPoint (): number { return this.recoveryPointOffset }
  /** Records appended since the last flush (flush.messages counts them). */
  get unflushedRecords (): number { return this.unflushed }
  /** When the last flush finished (flush.ms counts from it; Kafka's lastFlushTime). */
  get lastFlushMs (): number { return this.lastFlushAtMs }
  /** closed, deleted, or its log dir failed: no file is touched any more. */
  get isClosed (): boolean { return this.closed }

  /** A topic or broker config change: applies to the next segment created and the next roll check. */
  updateConfig (config: LogConfig): void { this.logConfig = config }

  /**
   * Appends batches whose offsets are final and checked (lastOffset is the last one's); the log end
   * moves past them. The caller rolled first if shouldRoll said so.
   */
  append (batches: Buffer, lastOffset: number, recordCount: number): void {
    this.segments.active.append(batches)
    this.leo = lastOffset + 1
    this.unflushed += recordCount
  }

  /**
   * Whether an append of appendBytes ending at lastOffset, whose largest timestamp is
   * maxTimestamp, needs a new segment (Kafka's LogSegment.shouldRoll): segment.bytes, segment.ms
   * (max.compaction.lag.ms if sooner, for a compacted log) less the segment's jitter, a full index,
   * or a relative offset past int32.
   */
  shouldRoll (appendBytes: number, lastOffset: number, maxTimestamp: number, nowMs: number): RollReason | null {
    const active = this.segments.active
    if (active.size > 0 && active.size + appendBytes > this.logConfig['segment.bytes']) return 'segment.bytes'
    if (active.size > 0 && active.timeWaitedForRollMs(nowMs, maxTimestamp) > maxSegmentMs(this.logConfig) - this.rollJitterMs) return 'segment.ms'
    if (active.offsetIndex.isFull || active.timeIndex.isFull) return 'index full'
    if (lastOffset - active.baseOffset > MAX_RELATIVE_OFFSET) return 'relative offset overflow'
    return null
  }

  /**
   * A new active segment at baseOffset (Kafka's LocalLog.roll); an empty active segment is replaced
   * rather than kept. The finished segment is fsynced off the append path, as Kafka schedules it;
   * the returned promise settles once it is, with the recovery point moved up to baseOffset.
   */
  roll (baseOffset: number, nowMs: number): Promise<void> {
    const active = this.segments.active
    active.onBecomeInactive()
    const replacesEmpty = active.size === 0
    // Deleted before the new segment is created: an empty one may have the same base offset, and so file names.
    if (replacesEmpty) active.delete()
    const next = new LogSegment(this.dir, baseOffset, this.logConfig, nowMs)
    this.rollJitterMs = randomSegmentJitter(this.logConfig, this.random)
    if (replacesEmpty) {
      this.segments.replaceActive(next)
      return Promise.resolve()
    }
    this.segments.add(next)
    return active.flushAsync().then(() => {
      if (!this.closed && this.recoveryPointOffset < baseOffset && baseOffset <= this.leo) this.recoveryPointOffset = baseOffset
    })
  }

  /**
   * Whole batches from the one holding fetchOffset: at most maxBytes unless the first batch alone is
   * larger and minOneMessage (KIP-74), only batches wholly below maxOffset, all from one segment;
   * empty at or past the log end. The caller checked fetchOffset against the log's range.
   * `allocate` gives the buffers read into (LogSegment.read).
   */
  read (fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean, allocate?: (size: number) => Buffer): Buffer {
    const limit = Math.min(maxOffset, this.leo)
    if (fetchOffset >= limit) return EMPTY
    for (const segment of this.segments.from(fetchOffset)) {
      const records = segment.read(fetchOffset, maxBytes, limit, minOneMessage, allocate)
      if (records !== null) return records
    }
    return EMPTY
  }

  /**
   * Kafka's LocalLog.collectAbortedTransactions: the aborted transactions with records in
   * [fetchOffset, upperBoundOffset), from the .txnindex of the segment holding fetchOffset onwards,
   * until an entry's last stable offset shows that later segments hold none.
   */
  collectAbortedTransactions (fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const txns: AbortedTxn[] = []
    for (const segment of this.segments.from(fetchOffset)) {
      const found = segment.txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset)
      txns.push(...found.txns)
      if (found.complete) break
    }
    return txns
  }

  /**
   * Drops every offset >= offset, which lies in [first segment's base offset, logEndOffset): later
   * segments go, the batch holding offset goes whole, and the log end and recovery point follow.
   */
  truncateTo (offset: number): void {
    this.segments.deleteFrom(offset)
    const active = this.segments.active
    const cutAt = active.truncateTo(offset)
    if (cutAt === null) active.readNextOffset()
    this.leo = cutAt ?? offset
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, this.leo)
  }

  /** Deletes every segment and starts empty at offset, which is also the new recovery point. */
  truncateFullyAndStartAt (offset: number): void {
    this.segments.deleteAllAndStartWith(() => new LogSegment(this.dir, offset, this.logConfig, this.now()))
    this.rollJitterMs = randomSegmentJitter(this.logConfig, this.random)
    this.leo = this.recoveryPointOffset = offset
  }

  /**
   * Removes and deletes the oldest segments, one for each reason given, never the active one
   * (Kafka's removeAndDeleteSegments); returns how many went.
   */
  deleteOldestSegments (reasons: readonly string[]): number {
    const deleted = this.segments.removeOldest(reasons.length)
    for (const [i, segment] of deleted.entries()) {
      this.logger.info('deleting segment', { baseOffset: segment.baseOffset, size: segment.size, reason: reasons[i] })
      segment.delete()
    }
    return deleted.length
  }

  /** fsyncs every segment past the recovery point and moves it to logEndOffset. */
  flush (): void {
    // Nothing past the recovery point (an idle partition): no fsync of its files, which at a clean
    // shutdown of a broker with 10,000 partitions would cost seconds.
    if (this.recoveryPointOffset < this.leo || this.unflushed > 0) {
      for (const segment of this.segments.from(this.recoveryPointOffset)) segment.flush()
    }
    this.recoveryPointOffset = this.leo
    this.unflushed = 0
    this.lastFlushAtMs = this.now()
  }

  /** Closes every file, writing the indexes; the caller flushed first if it wanted them on disk. */
  close (): void {
    for (const segment of this.segments.values) segment.close()
    this.closed = true
  }

  /**
   * For callers of this log that caught an error (Kafka's maybeHandleIOException): an I/O error
   * (ENOSPC, EIO ...) takes the log dir offline, so that nothing is served from it any more;
   * anything else is a bug and is rethrown.
   */
  maybeHandleIoError (action: string, err: unknown): void {
    if (!isIoError(err)) throw err
    this.logDirFailureChannel?.maybeAddOfflineLogDir(dirname(this.dir), action, err)
  }

  /** Closes every file without writing anything: the log dir failed (Kafka's closeHandlers). */
  closeHandlers (): void {
    for (const segment of this.segments.values) segment.closeHandlers()
    this.closed = true
  }

  /** Removes the partition directory and everything in it. */
  delete (): void {
    for (const segment of this.segments.values) segment.close()
    this.closed = true
    rmSync(this.dir, { recursive: true, force: true })
    this.logger.info('deleted partition log')
  }
}
