/**
 * The producer state of one partition replica (Kafka's ProducerStateManager): per producer id its
 * epoch, last batches and last timestamp (producer-state-entry.ts), as of mapEndOffset. The
 * leader checks a producer's batches against it (producer-append-info.ts); followers build it
 * from the batches they replicate, so that a new leader still recognizes retries.
 *
 * Snapshots (producer-snapshot-file.ts) are taken at each segment roll and at clean shutdown; a
 * log loads the latest one at or below its end and replays the batches after it. Truncation
 * reloads from the latest snapshot still valid. State outlives the records it came from (Kafka
 * 2.4+, KAFKA-7190): retention deletes snapshots with their segments but keeps producers in
 * memory, and only producer.id.expiration.ms forgets an idle producer.
 *
 * Transactions: the open ones (by first offset) and those whose marker is not yet below the high
 * watermark decide the first unstable offset, hence the last stable offset read_committed
 * consumers read up to (Kafka's ongoingTxns, unreplicatedTxns, firstUnstableOffset). The open ones
 * come back from a snapshot through each producer's currentTxnFirstOffset.
 *
 * Verification (KIP-890 part 1): before a producer's first transactional batch on this partition
 * the leader asks the transaction coordinator whether the partition is in the producer's
 * transaction. The entry made when it asks holds a guard (Kafka's VerificationStateEntry and
 * VerificationGuard) that a marker or the transaction's start clears, so an answer that arrives
 * after the transaction ended cannot open a transaction the coordinator does not know. Memory
 * only, as in Kafka.
 */
import { readdirSync, rmSync } from 'node:fs'
import type { Logger } from '../logger.js'
import type { AppendOrigin } from '../protocol/records/record-batch.js'
import { segmentFileName } from './log-segment.js'
import { ProducerAppendInfo, type CompletedTxn, type TxnMetadata } from './producer-append-info.js'
import { CorruptSnapshotError, readProducerSnapshot, writeProducerSnapshot } from './producer-snapshot-file.js'
import { ProducerStateEntry } from './producer-state-entry.js'

/** Kafka's VerificationGuard: compared by identity, a fresh one per verification entry. */
export type VerificationGuard = Readonly<Record<string, never>>

/** Kafka's VerificationStateEntry: a verification asked of the coordinator and not yet used. */
interface VerificationStateEntry { guard: VerificationGuard, epoch: number, timestampMs: number }

const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/

/** What the maps below read as until their first entry. */
const NONE: ReadonlyMap<number, never> = new Map<number, never>()

export class ProducerStateManager {
  // The maps are created with their first entry: most partitions of a broker never see a producer
  // id, let alone a transaction, and four empty Maps are ~0.9 KiB of each idle partition.
  private producers?: Map<number, ProducerStateEntry>
  /** Open transactions by first offset. */
  private ongoingTxns?: Map<number, TxnMetadata>
  /** Ended transactions whose marker is not below the high watermark yet, by first offset. */
  private unreplicatedTxns?: Map<number, CompletedTxn>
  /** Verifications in flight or answered, by producer id. */
  private verificationStates?: Map<number, VerificationStateEntry>
  /** Offsets of the snapshot files in the partition directory, ascending. */
  private snapshots: number[]
  private lastMapOffset = 0
  private lastSnapOffset = 0

  constructor (
    private readonly dir: string,
    private readonly topicPartition: string,
    /** producer.id.expiration.ms: a dynamic broker config, so the log manager may change it. */
    public producerIdExpirationMs: number,
    private readonly logger: Logger,
    /** A directory just created holds no snapshot: not listed. */
    newDir = false,
  ) {
    this.snapshots = newDir ? [] : listSnapshotOffsets(dir)
  }

  /** The offset up to which (exclusive) the state reflects the log. */
  get mapEndOffset (): number { return this.lastMapOffset }
  get activeProducers (): ReadonlyMap<number, ProducerStateEntry> { return this.producers ?? NONE }
  get snapshotOffsets (): readonly number[] { return this.snapshots }
  get latestSnapshotOffset (): number | undefined { return this.snapshots.at(-1) }

  lastEntry (producerId: number): ProducerStateEntry | undefined {
    return this.producers?.get(producerId)
  }

  prepareUpdate (producerId: number, origin: AppendOrigin): ProducerAppendInfo {
    return new ProducerAppendInfo(this.topicPartition, producerId, this.producers?.get(producerId) ?? ProducerStateEntry.empty(producerId), origin, this.logger)
  }

  /** Applies an append that reached the log. */
  update (appendInfo: ProducerAppendInfo): void {
    const current = this.producers?.get(appendInfo.producerId)
    if (current !== undefined) current.update(appendInfo.updatedEntry)
    else (this.producers ??= new Map()).set(appendInfo.producerId, appendInfo.updatedEntry)
    for (const txn of appendInfo.startedTransactions) {
      (this.ongoingTxns ??= new Map()).set(txn.firstOffset, txn)
      this.verificationStates?.delete(txn.producerId)
    }
  }

  /** Whether the producer has an open transaction here at this epoch: its batches need no verification. */
  hasOngoingTransaction (producerId: number, producerEpoch: number): boolean {
    const entry = this.producers?.get(producerId)
    return entry !== undefined && entry.currentTxnFirstOffset >= 0 && entry.producerEpoch === producerEpoch
  }

  /**
   * Kafka's maybeCreateVerificationStateEntry: the guard of the producer's verification, a new one
   * unless one is already pending (the batches of one transaction share it); a newer epoch replaces it.
   */
  startVerification (producerId: number, producerEpoch: number, nowMs: number): VerificationGuard {
    const current = this.verificationStates?.get(producerId)
    if (current !== undefined && current.epoch >= producerEpoch) return current.guard
    const entry = { guard: Object.freeze({}), epoch: producerEpoch, timestampMs: nowMs }
    ;(this.verificationStates ??= new Map()).set(producerId, entry)
    return entry.guard
  }

  /** Whether `guard` is still the producer's verification (no marker or transaction start since). */
  verificationGuardMatches (producerId: number, guard: VerificationGuard): boolean {
    return this.verificationStates?.get(producerId)?.guard === guard
  }

  /**
   * Kafka's lastStableOffset(completedTxn), for the .txnindex entry of an abort: the first offset
   * of another producer's open transaction, else the offset after the marker.
   */
  lastStableOffset (completed: CompletedTxn): number {
    for (const txn of (this.ongoingTxns ?? NONE).values()) if (txn.producerId !== completed.producerId) return txn.firstOffset
    return completed.lastOffset + 1
  }

  /** A marker ended the transaction; it stays unstable until the marker is below the high watermark. */
  completeTxn (completed: CompletedTxn): void {
    this.ongoingTxns?.delete(completed.firstOffset)
    this.verificationStates?.delete(completed.producerId)
    ;(this.unreplicatedTxns ??= new Map()).set(completed.firstOffset, completed)
  }

  /** Kafka's onHighWatermarkUpdated: ended transactions whose marker is replicated become stable. */
  onHighWatermarkUpdated (highWatermark: number): void {
    const txns = this.unreplicatedTxns
    if (txns !== undefined) for (const [first, txn] of txns) if (txn.lastOffset < highWatermark) txns.delete(first)
  }

  /** The first offset of a transaction not yet stable, or undefined when every one is. */
  get firstUnstableOffset (): number | undefined {
    let first: number | undefined
    for (const offset of (this.unreplicatedTxns ?? NONE).keys()) if (first === undefined || offset < first) first = offset
    for (const offset of (this.ongoingTxns ?? NONE).keys()) if (first === undefined || offset < first) first = offset
    return first
  }

  get ongoingTransactions (): ReadonlyMap<number, TxnMetadata> { return this.ongoingTxns ?? NONE }

  updateMapEndOffset (offset: number): void {
    this.lastMapOffset = offset
  }

  /** Writes `<mapEndOffset>.snapshot` unless the latest snapshot is already there (segment roll, clean shutdown). */
  takeSnapshot (): void {
    if (this.lastMapOffset <= this.lastSnapOffset) return
    writeProducerSnapshot(snapshotPath(this.dir, this.lastMapOffset), this.activeProducers.values())
    this.snapshots = [...this.snapshots.filter(o => o < this.lastMapOffset), this.lastMapOffset]
    this.lastSnapOffset = this.lastMapOffset
    this.logger.debug('wrote producer snapshot', { offset: this.lastMapOffset, producers: this.activeProducers.size })
  }

  /**
   * Kafka's removeStraySnapshots, at load: a snapshot at no segment's base offset goes, except
   * the latest one if it lies past the last segment's base (the one written at clean shutdown).
   * `segmentBaseOffsets` ascending, as LogSegments keeps them.
   */
  removeStraySnapshots (segmentBaseOffsets: readonly number[]): void {
    const bases = new Set(segmentBaseOffsets)
    const maxBase = segmentBaseOffsets.at(-1) ?? -1
    const strays = this.snapshots.filter(o => !bases.has(o))
    const keep = strays.at(-1) !== undefined && strays.at(-1)! > maxBase ? strays.at(-1) : undefined
    for (const offset of strays) if (offset !== keep) this.removeAndDeleteSnapshot(offset)
  }

  /**
   * After the log's end moved back (follower truncation, recovery) or at load: snapshots past the
   * end go, and unless the state already ends there it is reloaded from the latest snapshot left
   * (producers idle past producer.id.expiration.ms are not loaded); the caller replays the log
   * from mapEndOffset to its end.
   */
  truncateAndReload (logStartOffset: number, logEndOffset: number, nowMs: number): void {
    for (const offset of this.snapshots.filter(o => o > logEndOffset)) this.removeAndDeleteSnapshot(offset)
    if (logEndOffset === this.lastMapOffset) {
      this.onLogStartOffsetIncremented(logStartOffset)
      return
    }
    this.clear()
    this.loadFromSnapshot(logStartOffset, nowMs)
  }

  /** Every snapshot goes and the state starts empty at `offset` (a follower's log truncated fully). */
  truncateFullyAndStartAt (offset: number): void {
    this.clear()
    for (const o of [...this.snapshots]) this.removeAndDeleteSnapshot(o)
    this.lastSnapOffset = 0
    this.lastMapOffset = offset
  }

  /** The log start moved up (retention, DeleteRecords): the state stays, as in Kafka. */
  onLogStartOffsetIncremented (logStartOffset: number): void {
    if (this.lastMapOffset < logStartOffset) this.lastMapOffset = logStartOffset
    this.lastSnapOffset = this.latestSnapshotOffset ?? logStartOffset
  }

  /** Segments below `offset` were deleted: so are their snapshots. */
  deleteSnapshotsBefore (offset: number): void {
    for (const o of this.snapshots.filter(o => o < offset)) this.removeAndDeleteSnapshot(o)
  }

  /** Forgets producers idle for producer.id.expiration.ms, by their last batch's timestamp (Kafka's removeExpiredProducers). */
  removeExpiredProducers (nowMs: number): number {
    // A verification the producer never used (it gave up, or was fenced) goes after as long.
    const verifications = this.verificationStates
    if (verifications !== undefined) for (const [producerId, v] of verifications) if (nowMs - v.timestampMs >= this.producerIdExpirationMs) verifications.delete(producerId)
    let removed = 0
    const producers = this.producers
    if (producers !== undefined) {
      for (const [producerId, entry] of producers) {
        if (this.isProducerExpired(nowMs, entry)) {
          producers.delete(producerId)
          removed++
        }
      }
    }
    return removed
  }

  private isProducerExpired (nowMs: number, entry: ProducerStateEntry): boolean {
    return entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp >= this.producerIdExpirationMs
  }

  private loadFromSnapshot (logStartOffset: number, nowMs: number): void {
    for (;;) {
      const offset = this.latestSnapshotOffset
      if (offset === undefined) {
        this.lastSnapOffset = this.lastMapOffset = logStartOffset
        return
      }
      try {
        for (const entry of readProducerSnapshot(snapshotPath(this.dir, offset))) {
          if (this.isProducerExpired(nowMs, entry)) continue
          ;(this.producers ??= new Map()).set(entry.producerId, entry)
          if (entry.currentTxnFirstOffset >= 0) (this.ongoingTxns ??= new Map()).set(entry.currentTxnFirstOffset, { producerId: entry.producerId, firstOffset: entry.currentTxnFirstOffset })
        }
        if (this.ongoingTxns !== undefined) sortByKey(this.ongoingTxns)
        this.lastSnapOffset = this.lastMapOffset = offset
        this.logger.info('loaded producer state from snapshot', { offset, producers: this.activeProducers.size })
        return
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError)) throw err
        this.logger.warn('deleting corrupt producer snapshot', { offset, error: err.message })
        this.clear()
        this.removeAndDeleteSnapshot(offset)
      }
    }
  }

  private clear (): void {
    this.producers = this.ongoingTxns = this.unreplicatedTxns = this.verificationStates = undefined
  }

  private removeAndDeleteSnapshot (offset: number): void {
    this.snapshots = this.snapshots.filter(o => o !== offset)
    rmSync(snapshotPath(this.dir, offset), { force: true })
  }
}

/** Re-inserts the entries in ascending key order: the maps are read oldest first. */
function sortByKey<V> (map: Map<number, V>): void {
  const sorted = [...map].sort(([a], [b]) => a - b)
  map.clear()
  for (const [k, v] of sorted) map.set(k, v)
}

function snapshotPath (dir: string, offset: number): string {
  return segmentFileName(dir, offset, '.snapshot')
}

function listSnapshotOffsets (dir: string): number[] {
  const offsets: number[] = []
  for (const name of readdirSync(dir)) {
    const match = SNAPSHOT_NAME.exec(name)
    if (match !== null) offsets.push(Number(match[1]))
  }
  return offsets.sort((a, b) => a - b)
}
