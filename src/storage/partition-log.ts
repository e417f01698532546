/**
 * The log of one partition replica: `<log dir>/<topic>-<partition>/` (Kafka's UnifiedLog / LocalLog).
 *
 * API (request handlers and replication call these; every method is synchronous, so calls on one
 * partition never interleave and appends are serialized without a queue):
 *   PartitionLog.open(dir, config, logger, state?)   load segments; recover from state.recoveryPoint
 *                                                     unless state.hadCleanShutdown
 *   appendAsLeader(batches, leaderEpoch)             validate, assign offsets from logEndOffset, stamp the
 *                                                     epoch, append → { errorCode, baseOffset, lastOffset, ... }
 *   appendAsFollower(batches)                         keep the leader's offsets (first >= logEndOffset) and epochs
 *   read(fetchOffset, maxBytes, maxOffset, minOneMessage = true)
 *                                                     whole batches below maxOffset (exclusive: highWatermark for
 *                                                     consumers, logEndOffset for followers) or OFFSET_OUT_OF_RANGE
 *   logStartOffset / logEndOffset / highWatermark (settable, clamped) / recoveryPoint / leaderEpochCache
 *   offsetForTimestamp(ts)                            -2 earliest, -1 latest (high watermark), else the time index
 *   truncateTo(offset) / truncateFullyAndStartAt(offset) / deleteRecordsBefore(offset)
 *   deleteRetentionBreachedSegments() / maybeFlush() / flush() / updateConfig(config) / close() / delete()
 *   maybeHandleIoError(action, err) / closeHandlers()
 *                                                     a failed log dir (log-dir-failure-channel.ts)
 *   compact(nowMs) / cleanableState(nowMs)            the log cleaner (cleanup.policy=compact), log-cleaner.ts
 *   producerStateManager / removeExpiredProducers(nowMs)
 *                                                     idempotent producers (producer-state-manager.ts): a
 *                                                     client's batches are checked against it, and every
 *                                                     append, truncation and roll keeps it in step
 *   appendMarkerAsLeader(...) / lastStableOffset / collectAbortedTransactions(from, to)
 *                                                     transactions: markers end them, the LSO bounds
 *                                                     read_committed reads, aborts go to each segment's .txnindex
 *
 * Writes are synchronous positional writes (page cache; fsync only by flush policy, on roll, on close),
 * measured in bench/README.md. Durability comes from replication, as in Kafka.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { LONG_MAX } from '../config/schema.js'
import type { Logger } from '../logger.js'
import { buildEndTransactionMarker, readEndTransactionMarker, type EndTransactionMarker } from '../protocol/records/end-transaction-marker.js'
import { BatchErrorCode, recordBatches, validateBatches, type AppendOrigin, type RecordBatch } from '../protocol/records/record-batch.js'
import { LeaderEpochCache } from './leader-epoch-cache.js'
import { isIoError, type LogDirFailureChannel } from './log-dir-failure-channel.js'
import { maxSegmentMs, randomSegmentJitter, type LogConfig } from './log-config.js'
import { LogErrorCode } from './log-error-code.js'
import { cleanableSegmentCount, cleanableState, cleanSegments, type CleanableState, type CleanerView, type CompactResult } from './log-cleaner.js'
import { LogSegment } from './log-segment.js'
import { LogSegments } from './log-segments.js'
import type { CompletedTxn, ProducerAppendInfo, ProducerStateError } from './producer-append-info.js'
import { firstOffsetOf } from './producer-state-entry.js'
import { ProducerStateManager, type VerificationGuard } from './producer-state-manager.js'
import { loadSegments, recoverSegments } from './recovery.js'
import { retentionBreaches } from './retention.js'
import type { AbortedTxn } from './transaction-index.js'

/** What the log dir's checkpoints say about this partition (LogManager passes them in). */
export interface PartitionLogState {
  hadCleanShutdown?: boolean
  recoveryPoint?: number
  logStartOffset?: number
  highWatermark?: number
  now?: () => number
  /** In [0, 1): draws each segment's segment.jitter.ms (Math.random unless a test fixes it). */
  random?: () => number
  /** Where an I/O error in this log takes its log dir (LogManager passes its channel). */
  logDirFailureChannel?: LogDirFailureChannel
  /** producer.id.expiration.ms (Kafka's default, a day, unless the broker says otherwise). */
  producerIdExpirationMs?: number
}

/**
 * transaction.partition.verification.enable for one append (KIP-890 part 1): present, a
 * transactional batch of a producer with no open transaction here is refused unless `guard` is
 * the one its verification with the coordinator produced (null: none was asked, e.g. a Produce
 * without a transactional id).
 */
export interface TransactionVerification { guard: VerificationGuard | null }

export type AppendResult =
  | { errorCode: 0, baseOffset: number, lastOffset: number, logAppendTimeMs: number, recordCount: number, logStartOffset: number }
  | { errorCode: Exclude<LogErrorCode, 0>, reason: string }

/** Kafka's default producer.id.expiration.ms. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000

export type ReadResult =
  | { errorCode: 0, records: Buffer, highWatermark: number, logStartOffset: number, logEndOffset: number }
  | { errorCode: typeof LogErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: number, logEndOffset: number }

/**
 * What the log cleaner weighs (Kafka's LogCleanerManager: cleanableOffsets, LogToClean and
 * maxCompactionDelay): the share of the cleanable range not cleaned yet, its bytes, and how long
 * ago the oldest dirty segment passed max.compaction.lag.ms (0 while none has).
 */

/** What one append does to producer state: one ProducerAppendInfo per producer, and the transactions its markers end. */
interface ProducerAppends { infos: Map<number, ProducerAppendInfo>, completedTxns: CompletedTxn[] }

export const EARLIEST_TIMESTAMP = -2
export const LATEST_TIMESTAMP = -1
const MAX_RELATIVE_OFFSET = 0x7fffffff

export class PartitionLog {
  readonly topic: string
  readonly partition: number
  readonly leaderEpochCache: LeaderEpochCache
  readonly producerStateManager: ProducerStateManager
  private readonly segments: LogSegments
  private leo: number
  private lso: number
  private hw: number
  private recoveryPointOffset: number
  private unflushedRecords = 0
  private lastFlushMs: number
  private closed = false
  /** Offsets from here on were appended after the last clean began (Kafka's first dirty offset; not checkpointed). */
  private firstDirtyOffset: number
  private cleaning = false
  private readonly logger: Logger
  private readonly now: () => number
  private readonly random: () => number
  /** The active segment's share of segment.jitter.ms, drawn when it became active (Kafka keeps it per segment). */
  private rollJitterMs: number
  private readonly logDirFailureChannel?: LogDirFailureChannel

  static open (dir: string, config: LogConfig, logger: Logger, state: PartitionLogState = {}): PartitionLog {
    return new PartitionLog(dir, config, logger, state)
  }

  private constructor (readonly dir: string, private config: LogConfig, logger: Logger, state: PartitionLogState) {
    const name = basename(dir)
    const dash = name.lastIndexOf('-')
    this.topic = name.slice(0, dash)
    this.partition = Number(name.slice(dash + 1))
    if (dash <= 0 || !Number.isInteger(this.partition)) throw new Error(`not a <topic>-<partition> directory: ${dir}`)
    this.logger = logger.child({ component: 'storage', topicPartition: name })
    this.now = state.now ?? Date.now
    this.random = state.random ?? Math.random
    this.rollJitterMs = randomSegmentJitter(config, this.random)
    this.logDirFailureChannel = state.logDirFailureChannel
    const startMs = this.now()
    // A new partition's directory holds nothing to list: creating thousands skips three listings each.
    const newDir = mkdirSync(dir, { recursive: true }) !== undefined
    let segments = newDir ? [] : loadSegments(dir, config, startMs, this.logger)
    if (segments.length === 0) segments.push(new LogSegment(dir, state.logStartOffset ?? 0, config, startMs))
    let recovery = null
    if (state.hadCleanShutdown !== true) {
      recovery = recoverSegments(segments, state.recoveryPoint ?? 0, this.logger)
      segments = recovery.segments
    }
    this.segments = new LogSegments(segments)
    this.leo = this.segments.active.readNextOffset()
    this.lso = Math.min(Math.max(state.logStartOffset ?? 0, this.segments.first.baseOffset), this.leo)
    this.recoveryPointOffset = state.hadCleanShutdown === true ? this.leo : Math.min(state.recoveryPoint ?? 0, this.leo)
    this.hw = clamp(state.highWatermark ?? this.lso, this.lso, this.leo)
    this.lastFlushMs = startMs
    this.firstDirtyOffset = this.segments.first.baseOffset
    this.leaderEpochCache = new LeaderEpochCache(dir)
    this.leaderEpochCache.truncateFromEnd(this.leo)
    this.leaderEpochCache.truncateFromStart(this.lso)
    this.producerStateManager = new ProducerStateManager(dir, name, state.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS, this.logger, newDir)
    this.producerStateManager.removeStraySnapshots(this.segments.baseOffsets)
    this.rebuildProducerState()
    this.logger.info('loaded partition log', {
      logStartOffset: this.lso, logEndOffset: this.leo, segments: this.segments.count, hadCleanShutdown: state.hadCleanShutdown === true,
      recoveredSegments: recovery?.recoveredSegments ?? 0, truncatedBytes: recovery?.truncatedBytes ?? 0, producers: this.producerStateManager.activeProducers.size, durationMs: this.now() - startMs,
    })
  }

  get logStartOffset (): number { return this.lso }
  get logEndOffset (): number { return this.leo }
  get highWatermark (): number { return this.hw }
  /** Replication owns the high watermark; it stays within [logStartOffset, logEndOffset]. */
  set highWatermark (offset: number) {
    this.hw = clamp(offset, this.lso, this.leo)
    this.producerStateManager.onHighWatermarkUpdated(this.hw)
  }

  /** Kafka's lastStableOffset: read_committed consumers read below it; no transaction is open or unreplicated there. */
  get lastStableOffset (): number {
    const firstUnstable = this.producerStateManager.firstUnstableOffset
    return firstUnstable === undefined ? this.hw : Math.min(firstUnstable, this.hw)
  }
  /** Offsets below this are known to be fsynced. */
  get recoveryPoint (): number { return this.recoveryPointOffset }
  get size (): number { return this.segments.sizeInBytes }
  get segmentCount (): number { return this.segments.count }
  get segmentBaseOffsets (): number[] { return this.segments.baseOffsets }
  get logConfig (): LogConfig { return this.config }

  /** What the cleaner needs to rank this log (Kafka's LogCleanerManager.cleanableOffsets): see log-cleaner.ts. */
  cleanableState (nowMs = this.now()): CleanableState {
    return cleanableState(this.cleanerView, nowMs)
  }

  /**
   * Validates a producer's batches, assigns offsets from logEndOffset and stamps leaderEpoch, in
   * place. An idempotent producer's batches are checked against its state first (Kafka's
   * UnifiedLog.analyzeAndValidateProducerState): a retry of one of its last five batches answers
   * that batch's offsets and appends nothing, a bad epoch or sequence fails the whole append, and
   * so does an unverified transactional batch (Kafka's "Record was not part of an ongoing transaction").
   */
  appendAsLeader (batches: Buffer, leaderEpoch: number, origin: AppendOrigin = 'client', verification?: TransactionVerification): AppendResult {
    // LogValidator.validateTimestamp: CreateTime only, LogAppendTime replaces the producer's
    // timestamps; with Kafka's defaults (Long.MAX_VALUE both sides) there is nothing to check, and
    // the produce path pays neither a clock read nor an object for it.
    const beforeMaxMs = this.config['message.timestamp.before.max.ms']
    const afterMaxMs = this.config['message.timestamp.after.max.ms']
    const timestampLimits = this.config['message.timestamp.type'] === 'CreateTime' && (beforeMaxMs < LONG_MAX || afterMaxMs < LONG_MAX)
      ? { nowMs: this.now(), beforeMaxMs, afterMaxMs }
      : undefined
    const validation = validateBatches(batches, { maxMessageBytes: this.config['max.message.bytes'], timestampLimits, origin })
    if (validation.errorCode !== BatchErrorCode.NONE) return { errorCode: validation.errorCode, reason: validation.reason }
    const tooLarge = this.checkSegmentFit(batches)
    if (tooLarge !== null) return tooLarge
    const baseOffset = this.leo
    const logAppendTimeMs = this.config['message.timestamp.type'] === 'LogAppendTime' ? this.now() : -1
    let nextOffset = baseOffset
    let producerAppends: ProducerAppends | undefined
    for (const batch of recordBatches(batches)) {
      // Neither field is covered by the CRC (Message Format: Record Batch), so no recomputation.
      // A refused append leaves them rewritten in the request's buffer only.
      batch.baseOffset = nextOffset
      batch.partitionLeaderEpoch = leaderEpoch
      if (logAppendTimeMs >= 0) batch.stampLogAppendTime(logAppendTimeMs)
      if (batch.producerId >= 0) {
        // Coordinators write without sequences: nothing of theirs is a retry (Kafka checks CLIENT appends only).
        const duplicate = origin !== 'client' ? undefined : this.producerStateManager.lastEntry(batch.producerId)?.findDuplicateBatch(batch.producerEpoch, batch.baseSequence, batch.lastSequence)
        if (duplicate !== undefined) {
          this.logger.debug('answered a duplicate batch with its original offsets', { producerId: batch.producerId, baseSequence: batch.baseSequence, lastOffset: duplicate.lastOffset })
          return { errorCode: 0, baseOffset: firstOffsetOf(duplicate), lastOffset: duplicate.lastOffset, logAppendTimeMs: -1, recordCount: 0, logStartOffset: this.lso }
        }
        if (verification !== undefined && batch.isTransactional && !batch.isControl && !this.isVerified(batch, verification.guard)) {
          return { errorCode: LogErrorCode.INVALID_TXN_STATE, reason: `Record was not part of an ongoing transaction (producer ${batch.producerId}, epoch ${batch.producerEpoch})` }
        }
        const error = this.checkProducerBatch(producerAppends ??= newProducerAppends(), batch, nextOffset, origin)
        if (error !== null) return { errorCode: error.errorCode, reason: error.reason }
      }
      nextOffset = batch.nextOffset
    }
    this.appendValidated(batches, baseOffset, nextOffset - 1, validation.recordCount, logAppendTimeMs >= 0 ? logAppendTimeMs : validation.maxTimestamp, producerAppends)
    if (leaderEpoch > this.leaderEpochCache.latestEpoch) this.leaderEpochCache.assign(leaderEpoch, baseOffset)
    else this.leaderEpochCache.flushPending()
    return { errorCode: 0, baseOffset, lastOffset: nextOffset - 1, logAppendTimeMs, recordCount: validation.recordCount, logStartOffset: this.lso }
  }

  /**
   * Kafka's UnifiedLog.maybeStartTransactionVerification: null when the producer's transaction is
   * already open here at this epoch (nothing to ask), else the guard its verification will carry.
   */
  maybeStartTransactionVerification (producerId: number, producerEpoch: number): VerificationGuard | null {
    const state = this.producerStateManager
    return state.hasOngoingTransaction(producerId, producerEpoch) ? null : state.startVerification(producerId, producerEpoch, this.now())
  }

  private isVerified (batch: RecordBatch, guard: VerificationGuard | null): boolean {
    const state = this.producerStateManager
    return state.hasOngoingTransaction(batch.producerId, batch.producerEpoch) || (guard !== null && state.verificationGuardMatches(batch.producerId, guard))
  }

  /**
   * Appends a transaction marker (WriteTxnMarkers): a control batch of the producer's id and
   * epoch at the log end, checked against its state (an older epoch, or a fenced coordinator, is refused).
   */
  appendMarkerAsLeader (producerId: number, producerEpoch: number, marker: EndTransactionMarker, leaderEpoch: number): AppendResult {
    return this.appendAsLeader(buildEndTransactionMarker(producerId, producerEpoch, marker, this.now()), leaderEpoch, 'coordinator')
  }

  /**
   * Kafka's collectAbortedTransactions: the aborted transactions with records in
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

  /** Appends a leader's batches as they are: offsets must start at or after logEndOffset and grow. */
  appendAsFollower (batches: Buffer): AppendResult {
    const validation = validateBatches(batches, { maxMessageBytes: this.config['max.message.bytes'], origin: 'replication' })
    if (validation.errorCode !== BatchErrorCode.NONE) return { errorCode: validation.errorCode, reason: validation.reason }
    const tooLarge = this.checkSegmentFit(batches)
    if (tooLarge !== null) return tooLarge
    let expectedAtLeast = this.leo
    let baseOffset = -1
    let producerAppends: ProducerAppends | undefined
    for (const batch of recordBatches(batches)) {
      if (batch.baseOffset < expectedAtLeast) {
        return { errorCode: LogErrorCode.INVALID_RECORD, reason: `batch at offset ${batch.baseOffset} is below the expected ${expectedAtLeast}` }
      }
      if (baseOffset < 0) baseOffset = batch.baseOffset
      expectedAtLeast = batch.nextOffset
      // The leader checked them: a follower only keeps the state it needs should it lead.
      if (batch.producerId >= 0) this.checkProducerBatch(producerAppends ??= newProducerAppends(), batch, batch.baseOffset, 'replication')
    }
    this.appendValidated(batches, baseOffset, expectedAtLeast - 1, validation.recordCount, validation.maxTimestamp, producerAppends)
    for (const batch of recordBatches(batches)) {
      if (batch.partitionLeaderEpoch > this.leaderEpochCache.latestEpoch) this.leaderEpochCache.assign(batch.partitionLeaderEpoch, batch.baseOffset)
    }
    return { errorCode: 0, baseOffset, lastOffset: expectedAtLeast - 1, logAppendTimeMs: -1, recordCount: validation.recordCount, logStartOffset: this.lso }
  }

  /**
   * Whole batches from the one holding fetchOffset: at most maxBytes unless the first batch alone is
   * larger and minOneMessage (KIP-74), only batches wholly below maxOffset, all from one segment.
   * `allocate` gives the buffers read into (LogSegment.read).
   */
  read (fetchOffset: number, maxBytes: number, maxOffset: number, minOneMessage = true, allocate?: (size: number) => Buffer): ReadResult {
    if (fetchOffset < this.lso || fetchOffset > this.leo) {
      return { errorCode: LogErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: this.lso, logEndOffset: this.leo }
    }
    const limit = Math.min(maxOffset, this.leo)
    let records: Buffer | null = null
    if (fetchOffset < limit) {
      for (const segment of this.segments.from(fetchOffset)) {
        records = segment.read(fetchOffset, maxBytes, limit, minOneMessage, allocate)
        if (records !== null) break
      }
    }
    return { errorCode: 0, records: records ?? EMPTY, highWatermark: this.hw, logStartOffset: this.lso, logEndOffset: this.leo }
  }

  /**
   * ListOffsets: -2 is the log start, -1 the high watermark, otherwise the first record whose
   * timestamp is >= ts, or null. Callers hide answers at or above the high watermark from consumers.
   */
  offsetForTimestamp (timestamp: number): { offset: number, timestamp: number } | null {
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: this.lso, timestamp: -1 }
    if (timestamp === LATEST_TIMESTAMP) return { offset: this.hw, timestamp: -1 }
    for (const segment of this.segments.values) {
      if (segment.largestTimestamp() < timestamp) continue
      const found = segment.findOffsetByTimestamp(timestamp, this.lso)
      if (found !== null) return found
    }
    return null
  }

  /** Drops every offset >= offset (a follower's divergent tail); indexes, epochs and HW follow. */
  truncateTo (offset: number): void {
    if (offset >= this.leo) return
    if (offset < this.segments.first.baseOffset) {
      this.truncateFullyAndStartAt(offset)
      return
    }
    this.segments.deleteFrom(offset)
    const active = this.segments.active
    const cutAt = active.truncateTo(offset)
    if (cutAt === null) active.readNextOffset()
    this.leo = cutAt ?? offset
    this.afterLogEndMovedBack()
    this.rebuildProducerState()
    this.logger.info('truncated log', { offset, logEndOffset: this.leo })
  }

  /** Deletes every segment and starts empty at offset (a follower too far behind the leader's log start). */
  truncateFullyAndStartAt (offset: number): void {
    this.segments.deleteAllAndStartWith(() => new LogSegment(this.dir, offset, this.config, this.now()))
    this.rollJitterMs = randomSegmentJitter(this.config, this.random)
    this.leo = this.lso = this.hw = this.recoveryPointOffset = this.firstDirtyOffset = offset
    this.leaderEpochCache.clear()
    this.producerStateManager.truncateFullyAndStartAt(offset)
    this.logger.info('truncated log fully', { logStartOffset: offset })
  }

  /** DeleteRecords: moves the log start offset up to offset (at most the high watermark). */
  deleteRecordsBefore (offset: number): { errorCode: 0 | typeof LogErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: number } {
    if (offset > this.hw || offset < 0) return { errorCode: LogErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: this.lso }
    if (offset > this.lso) {
      this.lso = offset
      this.leaderEpochCache.truncateFromStart(offset)
      this.producerStateManager.onLogStartOffsetIncremented(offset)
      this.deleteSegments({ 'retention.ms': -1, 'retention.bytes': -1 })
    }
    return { errorCode: 0, lowWatermark: this.lso }
  }

  /** Deletes the oldest non-active segments that retention.ms, retention.bytes or the log start offset allow. */
  deleteRetentionBreachedSegments (): number {
    // Without 'delete' in cleanup.policy only the log start offset removes segments (Kafka's deleteOldSegments).
    if (!this.config['cleanup.policy'].includes('delete')) return this.deleteSegments({ 'retention.ms': -1, 'retention.bytes': -1 })
    return this.deleteSegments(this.config)
  }

  /**
   * Cleans the segments cleanableSegmentCount allows: keeps the latest record per key, null keys,
   * control batches, and tombstones until delete.retention.ms. Synchronous, so no append on this
   * log can run in between; the flag only stops re-entry. null when nothing was cleanable.
   */
  compact (nowMs = this.now()): CompactResult | null {
    if (this.closed || this.cleaning) return null
    const count = cleanableSegmentCount(this.cleanerView, nowMs)
    if (count === 0) return null
    this.cleaning = true
    try {
      const result = cleanSegments(this.segments, count, this.config, nowMs)
      this.firstDirtyOffset = Math.max(this.firstDirtyOffset, result.cleanedUpTo)
      this.logger.info('cleaned log', { ...result })
      return result
    } finally {
      this.cleaning = false
    }
  }

  /** fsyncs when flush.ms has passed since the last flush (LogManager calls this periodically). */
  maybeFlush (): void {
    if (this.unflushedRecords > 0 && this.now() - this.lastFlushMs >= this.config['flush.ms']) this.flush()
  }

  /** fsyncs every segment past the recovery point and moves it to logEndOffset. */
  flush (): void {
    // Nothing past the recovery point (an idle partition): no fsync of its files, which at a clean
    // shutdown of a broker with 10,000 partitions would cost seconds.
    if (this.recoveryPointOffset < this.leo || this.unflushedRecords > 0) {
      for (const segment of this.segments.from(this.recoveryPointOffset)) segment.flush()
    }
    this.recoveryPointOffset = this.leo
    this.unflushedRecords = 0
    this.lastFlushMs = this.now()
  }

  /** A topic or broker config change (AlterConfigs): applies to the next append, roll, retention check and clean. */
  updateConfig (config: LogConfig): void { this.config = config }

  /**
   * Kafka's removeExpiredProducers (every producer.id.expiration.check.interval.ms): producers
   * idle for producer.id.expiration.ms are forgotten; their next batch starts them afresh.
   */
  removeExpiredProducers (nowMs = this.now()): number {
    return this.producerStateManager.removeExpiredProducers(nowMs)
  }

  /** Flushes and closes every file, with a producer snapshot at the end; the recovery point then equals logEndOffset. */
  close (): void {
    if (this.closed) return
    this.flush()
    this.producerStateManager.takeSnapshot()
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

  private get cleanerView (): CleanerView {
    return { segments: this.segments, firstDirtyOffset: this.firstDirtyOffset, highWatermark: this.hw, config: this.config }
  }

  private deleteSegments (retention: Pick<LogConfig, 'retention.ms' | 'retention.bytes'>): number {
    const reasons = retentionBreaches(this.segments.values, { config: retention, nowMs: this.now(), highWatermark: this.hw, logStartOffset: this.lso })
    if (reasons.length === 0) return 0
    const deleted = this.segments.removeOldest(reasons.length)
    for (const [i, segment] of deleted.entries()) {
      this.logger.info('deleting segment', { baseOffset: segment.baseOffset, size: segment.size, reason: reasons[i] })
      segment.delete()
    }
    if (this.segments.first.baseOffset > this.lso) {
      this.lso = this.segments.first.baseOffset
      this.hw = Math.max(this.hw, this.lso)
      this.leaderEpochCache.truncateFromStart(this.lso)
      this.producerStateManager.onLogStartOffsetIncremented(this.lso)
    }
    this.producerStateManager.deleteSnapshotsBefore(this.segments.first.baseOffset)
    return deleted.length
  }

  private checkSegmentFit (batches: Buffer): AppendResult | null {
    if (batches.length <= this.config['segment.bytes']) return null
    return { errorCode: LogErrorCode.RECORD_LIST_TOO_LARGE, reason: `${batches.length} bytes exceed segment.bytes ${this.config['segment.bytes']}` }
  }

  /**
   * Takes one batch of a producer with an id into this append's producer state (one
   * ProducerAppendInfo per producer, so that the batches of one request follow each other); a
   * transaction marker ends the producer's transaction.
   */
  private checkProducerBatch (appends: ProducerAppends, batch: RecordBatch, firstOffset: number, origin: AppendOrigin): ProducerStateError | null {
    let info = appends.infos.get(batch.producerId)
    if (info === undefined) appends.infos.set(batch.producerId, info = this.producerStateManager.prepareUpdate(batch.producerId, origin))
    if (batch.isControl) {
      const marker = readEndTransactionMarker(batch)
      if (marker === null) return null
      const result = info.appendEndTxnMarker(marker.commit, marker.coordinatorEpoch, batch.producerEpoch, firstOffset, batch.effectiveMaxTimestamp)
      if ('error' in result) return result.error
      appends.completedTxns.push(result.completed)
      return null
    }
    return info.appendDataBatch(batch.producerEpoch, batch.baseSequence, batch.lastSequence, batch.effectiveMaxTimestamp, firstOffset, firstOffset + batch.lastOffsetDelta, batch.isTransactional)
  }

  /**
   * Applies an append's producer changes (Kafka's UnifiedLog.append): each ended transaction
   * leaves the open ones, and an abort is written to the .txnindex of the segment holding its marker.
   */
  private applyProducerAppends (appends: ProducerAppends, markerSegment: LogSegment): void {
    const state = this.producerStateManager
    for (const info of appends.infos.values()) state.update(info)
    for (const txn of appends.completedTxns) {
      if (txn.isAborted) markerSegment.txnIndex.append({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: state.lastStableOffset(txn) })
      state.completeTxn(txn)
    }
  }

  /**
   * Kafka's rebuildProducerState: the state as of the latest snapshot at or below the log end,
   * then every batch after it replayed as a follower takes it (at load and after truncation).
   */
  private rebuildProducerState (): void {
    const state = this.producerStateManager
    state.truncateAndReload(this.lso, this.leo, this.now())
    const from = state.mapEndOffset
    if (from < this.leo) {
      let replayed = 0
      for (const segment of this.segments.from(from)) {
        segment.forEachBatch(batch => {
          if (batch.lastOffset >= from && batch.producerId >= 0) {
            const appends = newProducerAppends()
            this.checkProducerBatch(appends, batch, batch.baseOffset, 'replication')
            this.applyProducerAppends(appends, segment)
            replayed++
          }
          return true
        })
      }
      this.logger.info('rebuilt producer state from the log', { from, to: this.leo, replayedBatches: replayed, producers: state.activeProducers.size })
    }
    state.updateMapEndOffset(this.leo)
    state.onHighWatermarkUpdated(this.hw)
  }

  private appendValidated (batches: Buffer, firstOffset: number, lastOffset: number, recordCount: number, maxTimestamp: number, producerAppends?: ProducerAppends): void {
    this.maybeRoll(batches.length, firstOffset, lastOffset, maxTimestamp)
    this.segments.active.append(batches)
    this.leo = lastOffset + 1
    if (producerAppends !== undefined) this.applyProducerAppends(producerAppends, this.segments.active)
    this.producerStateManager.updateMapEndOffset(this.leo)
    this.unflushedRecords += recordCount
    if (this.unflushedRecords >= this.config['flush.messages']) this.flush()
  }

  /**
   * Kafka's roll conditions (LogSegment.shouldRoll): segment.bytes, segment.ms (max.compaction.lag.ms
   * if sooner, for a compacted log) less the segment's jitter, a full index, or a relative offset past int32.
   */
  private maybeRoll (appendBytes: number, firstOffset: number, lastOffset: number, maxTimestamp: number): void {
    const active = this.segments.active
    const nowMs = this.now()
    let reason: string | null = null
    if (active.size > 0 && active.size + appendBytes > this.config['segment.bytes']) reason = 'segment.bytes'
    else if (active.size > 0 && active.timeWaitedForRollMs(nowMs, maxTimestamp) > maxSegmentMs(this.config) - this.rollJitterMs) reason = 'segment.ms'
    else if (active.offsetIndex.isFull || active.timeIndex.isFull) reason = 'index full'
    else if (lastOffset - active.baseOffset > MAX_RELATIVE_OFFSET) reason = 'relative offset overflow'
    if (reason === null) return
    active.onBecomeInactive()
    const rolled = active.size === 0 ? active : null
    // Deleted before the new segment is created: an empty one may have the same base offset, and so file names.
    rolled?.delete()
    const next = new LogSegment(this.dir, firstOffset, this.config, nowMs)
    this.rollJitterMs = randomSegmentJitter(this.config, this.random)
    if (rolled === null) this.segments.add(next)
    else this.segments.replaceActive(next)
    // Kafka's roll: a snapshot at the new segment's base bounds the replay after a crash to one segment.
    this.producerStateManager.takeSnapshot()
    this.logger.debug('rolled segment', { baseOffset: firstOffset, reason })
    // Kafka flushes the finished segment off the append path; the recovery point moves when it is done.
    if (rolled === null) {
      void active.flushAsync().then(() => {
        if (!this.closed && this.recoveryPointOffset < firstOffset && firstOffset <= this.leo) this.recoveryPointOffset = firstOffset
      })
    }
  }

  private afterLogEndMovedBack (): void {
    this.hw = Math.min(this.hw, this.leo)
    this.lso = Math.min(this.lso, this.leo)
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, this.leo)
    this.firstDirtyOffset = Math.min(this.firstDirtyOffset, this.leo)
    this.leaderEpochCache.truncateFromEnd(this.leo)
  }
}

const EMPTY = Buffer.alloc(0)

function newProducerAppends (): ProducerAppends {
  return { infos: new Map(), completedTxns: [] }
}

function clamp (value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max)
}
