/**
 * The log of one partition replica: `<log dir>/<topic>-<partition>/` (Kafka's UnifiedLog).
 *
 * What the records mean lives here: validation of appends as leader or follower, offset
 * assignment, the log start offset, high watermark and last stable offset, producer state and
 * transactions, the leader epoch cache, retention and DeleteRecords, the cleaner's view. The files
 * of the partition directory, with the log end offset and the recovery point, are a LocalLog
 * (local-log.ts) that this log owns, as Kafka's UnifiedLog owns a LocalLog. The line between them
 * is Kafka's: LocalLog handles bytes whose offsets are already final, and this class decides which
 * bytes those are, which offsets readers may see and what may be dropped. Every caller outside
 * storage/ stays on this class.
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
 */
import { basename } from 'node:path'
import { LONG_MAX } from '../config/schema.js'
import type { Logger } from '../logger.js'
import { buildEndTransactionMarker, readEndTransactionMarker, type EndTransactionMarker } from '../protocol/records/end-transaction-marker.js'
import { BatchErrorCode, recordBatches, validateBatches, type AppendOrigin, type RecordBatch } from '../protocol/records/record-batch.js'
import { LeaderEpochCache } from './leader-epoch-cache.js'
import type { LogConfig } from './log-config.js'
import { LogErrorCode } from './log-error-code.js'
import { cleanableSegmentCount, cleanableState, cleanSegments, type CleanableState, type CleanerView, type CompactResult } from './log-cleaner.js'
import { LocalLog, type LocalLogState, type RollReason } from './local-log.js'
import type { LogSegment } from './log-segment.js'
import type { CompletedTxn, ProducerAppendInfo, ProducerStateError } from './producer-append-info.js'
import { firstOffsetOf } from './producer-state-entry.js'
import { ProducerStateManager, type VerificationGuard } from './producer-state-manager.js'
import { retentionBreaches } from './retention.js'
import type { AbortedTxn } from './transaction-index.js'

/** What the log dir's checkpoints say about this partition (LogManager passes them in). */
export interface PartitionLogState extends LocalLogState {
  highWatermark?: number
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

/** What one append does to producer state: one ProducerAppendInfo per producer, and the transactions its markers end. */
interface ProducerAppends { infos: Map<number, ProducerAppendInfo>, completedTxns: CompletedTxn[] }

export const EARLIEST_TIMESTAMP = -2
export const LATEST_TIMESTAMP = -1

export class PartitionLog {
  readonly topic: string
  readonly partition: number
  readonly leaderEpochCache: LeaderEpochCache
  readonly producerStateManager: ProducerStateManager
  /** The partition directory's segments, the log end offset and the recovery point. */
  private readonly localLog: LocalLog
  private lso: number
  private hw: number
  /** Offsets from here on were appended after the last clean began (Kafka's first dirty offset; not checkpointed). */
  private firstDirtyOffset: number
  private cleaning = false
  private readonly logger: Logger
  private readonly now: () => number

  static open (dir: string, config: LogConfig, logger: Logger, state: PartitionLogState = {}): PartitionLog {
    return new PartitionLog(dir, config, logger, state)
  }

  private constructor (readonly dir: string, config: LogConfig, logger: Logger, state: PartitionLogState) {
    const name = basename(dir)
    const dash = name.lastIndexOf('-')
    this.topic = name.slice(0, dash)
    this.partition = Number(name.slice(dash + 1))
    if (dash <= 0 || !Number.isInteger(this.partition)) throw new Error(`not a <topic>-<partition> directory: ${dir}`)
    this.logger = logger.child({ component: 'storage', topicPartition: name })
    this.now = state.now ?? Date.now
    const startMs = this.now()
    const { log: localLog, newDir, recovery } = LocalLog.open(dir, config, this.logger, state, startMs)
    this.localLog = localLog
    const leo = localLog.logEndOffset
    const firstBaseOffset = localLog.segments.first.baseOffset
    this.lso = Math.min(Math.max(state.logStartOffset ?? 0, firstBaseOffset), leo)
    this.hw = clamp(state.highWatermark ?? this.lso, this.lso, leo)
    this.firstDirtyOffset = firstBaseOffset
    this.leaderEpochCache = new LeaderEpochCache(dir)
    this.leaderEpochCache.truncateFromEnd(leo)
    this.leaderEpochCache.truncateFromStart(this.lso)
    this.producerStateManager = new ProducerStateManager(dir, name, state.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS, this.logger, newDir)
    this.producerStateManager.removeStraySnapshots(localLog.segments.baseOffsets)
    this.rebuildProducerState()
    this.logger.info('loaded partition log', {
      logStartOffset: this.lso, logEndOffset: leo, segments: localLog.segments.count, hadCleanShutdown: state.hadCleanShutdown === true,
      recoveredSegments: recovery?.recoveredSegments ?? 0, truncatedBytes: recovery?.truncatedBytes ?? 0, producers: this.producerStateManager.activeProducers.size, durationMs: this.now() - startMs,
    })
  }

  get logStartOffset (): number { return this.lso }
  get logEndOffset (): number { return this.localLog.logEndOffset }
  get highWatermark (): number { return this.hw }
  /** Replication owns the high watermark; it stays within [logStartOffset, logEndOffset]. */
  set highWatermark (offset: number) {
    this.hw = clamp(offset, this.lso, this.localLog.logEndOffset)
    this.producerStateManager.onHighWatermarkUpdated(this.hw)
  }

  /** Kafka's lastStableOffset: read_committed consumers read below it; no transaction is open or unreplicated there. */
  get lastStableOffset (): number {
    const firstUnstable = this.producerStateManager.firstUnstableOffset
    return firstUnstable === undefined ? this.hw : Math.min(firstUnstable, this.hw)
  }
  /** Offsets below this are known to be fsynced. */
  get recoveryPoint (): number { return this.localLog.recoveryPoint }
  get size (): number { return this.localLog.segments.sizeInBytes }
  get segmentCount (): number { return this.localLog.segments.count }
  get segmentBaseOffsets (): number[] { return this.localLog.segments.baseOffsets }
  get logConfig (): LogConfig { return this.localLog.config }
  /** One config for both halves: the LocalLog holds it (Kafka's UnifiedLog.config). */
  private get config (): LogConfig { return this.localLog.config }

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
    const baseOffset = this.localLog.logEndOffset
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

  /** Kafka's collectAbortedTransactions: the aborted transactions with records in [fetchOffset, upperBoundOffset) (LocalLog). */
  collectAbortedTransactions (fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.localLog.collectAbortedTransactions(fetchOffset, upperBoundOffset)
  }

  /** Appends a leader's batches as they are: offsets must start at or after logEndOffset and grow. */
  appendAsFollower (batches: Buffer): AppendResult {
    const validation = validateBatches(batches, { maxMessageBytes: this.config['max.message.bytes'], origin: 'replication' })
    if (validation.errorCode !== BatchErrorCode.NONE) return { errorCode: validation.errorCode, reason: validation.reason }
    const tooLarge = this.checkSegmentFit(batches)
    if (tooLarge !== null) return tooLarge
    let expectedAtLeast = this.localLog.logEndOffset
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
    const leo = this.localLog.logEndOffset
    if (fetchOffset < this.lso || fetchOffset > leo) {
      return { errorCode: LogErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: this.lso, logEndOffset: leo }
    }
    const records = this.localLog.read(fetchOffset, maxBytes, maxOffset, minOneMessage, allocate)
    return { errorCode: 0, records, highWatermark: this.hw, logStartOffset: this.lso, logEndOffset: leo }
  }

  /**
   * ListOffsets: -2 is the log start, -1 the high watermark, otherwise the first record whose
   * timestamp is >= ts, or null. Callers hide answers at or above the high watermark from consumers.
   */
  offsetForTimestamp (timestamp: number): { offset: number, timestamp: number } | null {
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: this.lso, timestamp: -1 }
    if (timestamp === LATEST_TIMESTAMP) return { offset: this.hw, timestamp: -1 }
    for (const segment of this.localLog.segments.values) {
      if (segment.largestTimestamp() < timestamp) continue
      const found = segment.findOffsetByTimestamp(timestamp, this.lso)
      if (found !== null) return found
    }
    return null
  }

  /** Drops every offset >= offset (a follower's divergent tail); indexes, epochs and HW follow. */
  truncateTo (offset: number): void {
    if (offset >= this.localLog.logEndOffset) return
    if (offset < this.localLog.segments.first.baseOffset) {
      this.truncateFullyAndStartAt(offset)
      return
    }
    this.localLog.truncateTo(offset)
    this.afterLogEndMovedBack()
    this.rebuildProducerState()
    this.logger.info('truncated log', { offset, logEndOffset: this.localLog.logEndOffset })
  }

  /** Deletes every segment and starts empty at offset (a follower too far behind the leader's log start). */
  truncateFullyAndStartAt (offset: number): void {
    this.localLog.truncateFullyAndStartAt(offset)
    this.lso = this.hw = this.firstDirtyOffset = offset
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
   * control batches, and tombstones until delete.retention.ms. In slices of the event loop
   * (log-cleaner.ts): appends to the active segment go on meanwhile, and a close, retention or a
   * truncation that takes a segment away stops the pass. null when nothing was cleanable or the
   * pass stopped; the flag stops re-entry.
   */
  async compact (nowMs = this.now()): Promise<CompactResult | null> {
    if (this.localLog.isClosed || this.cleaning) return null
    const count = cleanableSegmentCount(this.cleanerView, nowMs)
    if (count === 0) return null
    this.cleaning = true
    const segments = this.localLog.segments
    try {
      const result = await cleanSegments(segments, count, this.config, nowMs, () => !this.localLog.isClosed && this.localLog.segments === segments)
      if (result === null) return null
      this.firstDirtyOffset = Math.max(this.firstDirtyOffset, result.cleanedUpTo)
      this.logger.info('cleaned log', { ...result })
      return result
    } finally {
      this.cleaning = false
    }
  }

  /** fsyncs when flush.ms has passed since the last flush (LogManager calls this periodically). */
  maybeFlush (): void {
    if (this.localLog.unflushedRecords > 0 && this.now() - this.localLog.lastFlushMs >= this.config['flush.ms']) this.flush()
  }

  /** fsyncs every segment past the recovery point and moves it to logEndOffset. */
  flush (): void { this.localLog.flush() }

  /** A topic or broker config change (AlterConfigs): applies to the next append, roll, retention check and clean. */
  updateConfig (config: LogConfig): void { this.localLog.updateConfig(config) }

  /**
   * Kafka's removeExpiredProducers (every producer.id.expiration.check.interval.ms): producers
   * idle for producer.id.expiration.ms are forgotten; their next batch starts them afresh.
   */
  removeExpiredProducers (nowMs = this.now()): number {
    return this.producerStateManager.removeExpiredProducers(nowMs)
  }

  /** Flushes and closes every file, with a producer snapshot at the end; the recovery point then equals logEndOffset. */
  close (): void {
    if (this.localLog.isClosed) return
    this.flush()
    this.producerStateManager.takeSnapshot()
    this.localLog.close()
  }

  /**
   * For callers of this log that caught an error (Kafka's maybeHandleIOException): an I/O error
   * takes the log dir offline (LocalLog); anything else is a bug and is rethrown.
   */
  maybeHandleIoError (action: string, err: unknown): void { this.localLog.maybeHandleIoError(action, err) }

  /** Closes every file without writing anything: the log dir failed (Kafka's closeHandlers). */
  closeHandlers (): void { this.localLog.closeHandlers() }

  /** Removes the partition directory and everything in it. */
  delete (): void { this.localLog.delete() }

  private get cleanerView (): CleanerView {
    return { segments: this.localLog.segments, firstDirtyOffset: this.firstDirtyOffset, highWatermark: this.hw, config: this.config }
  }

  private deleteSegments (retention: Pick<LogConfig, 'retention.ms' | 'retention.bytes'>): number {
    const segments = this.localLog.segments
    const reasons = retentionBreaches(segments.values, { config: retention, nowMs: this.now(), highWatermark: this.hw, logStartOffset: this.lso })
    if (reasons.length === 0) return 0
    const deleted = this.localLog.deleteOldestSegments(reasons)
    if (segments.first.baseOffset > this.lso) {
      this.lso = segments.first.baseOffset
      this.hw = Math.max(this.hw, this.lso)
      this.leaderEpochCache.truncateFromStart(this.lso)
      this.producerStateManager.onLogStartOffsetIncremented(this.lso)
    }
    this.producerStateManager.deleteSnapshotsBefore(segments.first.baseOffset)
    return deleted
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
    const leo = this.localLog.logEndOffset
    state.truncateAndReload(this.lso, leo, this.now())
    const from = state.mapEndOffset
    if (from < leo) {
      let replayed = 0
      for (const segment of this.localLog.segments.from(from)) {
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
      this.logger.info('rebuilt producer state from the log', { from, to: leo, replayedBatches: replayed, producers: state.activeProducers.size })
    }
    state.updateMapEndOffset(leo)
    state.onHighWatermarkUpdated(this.hw)
  }

  private appendValidated (batches: Buffer, firstOffset: number, lastOffset: number, recordCount: number, maxTimestamp: number, producerAppends?: ProducerAppends): void {
    const localLog = this.localLog
    const nowMs = this.now()
    const rollReason = localLog.shouldRoll(batches.length, lastOffset, maxTimestamp, nowMs)
    if (rollReason !== null) this.roll(firstOffset, nowMs, rollReason)
    localLog.append(batches, lastOffset, recordCount)
    if (producerAppends !== undefined) this.applyProducerAppends(producerAppends, localLog.segments.active)
    this.producerStateManager.updateMapEndOffset(localLog.logEndOffset)
    if (localLog.unflushedRecords >= this.config['flush.messages']) this.flush()
  }

  /**
   * Kafka's UnifiedLog.roll: a new active segment (LocalLog.roll, which flushes the finished one
   * off the append path), then a producer snapshot at its base offset, which bounds the replay
   * after a crash to one segment.
   */
  private roll (baseOffset: number, nowMs: number, reason: RollReason): void {
    void this.localLog.roll(baseOffset, nowMs)
    // Kafka's roll: a snapshot at the new segment's base bounds the replay after a crash to one segment.
    this.producerStateManager.takeSnapshot()
    this.logger.debug('rolled segment', { baseOffset, reason })
  }

  /** After a truncation: every offset the log tracks stays within the new log end. */
  private afterLogEndMovedBack (): void {
    const leo = this.localLog.logEndOffset
    this.hw = Math.min(this.hw, leo)
    this.lso = Math.min(this.lso, leo)
    this.firstDirtyOffset = Math.min(this.firstDirtyOffset, leo)
    this.leaderEpochCache.truncateFromEnd(leo)
  }
}

function newProducerAppends (): ProducerAppends {
  return { infos: new Map(), completedTxns: [] }
}

function clamp (value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max)
}
