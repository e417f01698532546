import { ErrorCode } from '../protocol/error-codes.js'
import { magicOf, messageSetToRecordBatch } from '../protocol/records/legacy-message-set.js'
import { ProtocolError } from '../protocol/protocol-error.js'
import type { PartitionMetadata } from '../cluster/metadata-cache.js'
import type { AppendOrigin } from '../protocol/records/record-batch.js'
import type { EndTransactionMarker } from '../protocol/records/end-transaction-marker.js'
import type { AppendResult, PartitionLog, ReadResult, TransactionVerification } from '../storage/partition-log.js'
import type { VerificationGuard } from '../storage/producer-state-manager.js'

interface FollowerState { logEndOffset: number, logStartOffset: number, lastCaughtUpMs: number, lastFetchLeaderLogEndOffset: number, lastFetchMs: number }

/** DeleteRecords on the leader: the offset the replicas must reach (the request's, -1 as the high watermark), or an error. */
export type DeleteRecordsResult =
  | { errorCode: typeof ErrorCode.NONE, requiredOffset: number }
  | { errorCode: Exclude<ErrorCode, typeof ErrorCode.NONE>, requiredOffset: -1 }

/** DeleteRecordsRequest.HIGH_WATERMARK: delete everything below the high watermark. */
const HIGH_WATERMARK = -1

export interface ProduceResult { errorCode: number, baseOffset: number, lastOffset: number, logAppendTimeMs: number, logStartOffset: number, errorMessage: string | null }

/**
 * Who reads (Kafka's FetchIsolation): a consumer sees only what is below the high watermark, a
 * read_committed one only what is below the last stable offset, a follower up to the log end.
 */
export type FetchIsolation = 'highWatermark' | 'txnCommitted' | 'logEnd'

/** A read from a replica in a failed log dir: no records, no offsets. */
export interface StorageErrorResult { errorCode: typeof ErrorCode.KAFKA_STORAGE_ERROR, logStartOffset: -1 }
const STORAGE_ERROR: StorageErrorResult = Object.freeze({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logStartOffset: -1 })

/**
 * One partition replica hosted by this broker (Kafka's Partition): its role from the controller's
 * state in ZooKeeper, its log, and the high watermark, which the leader keeps at the smallest log
 * end offset over the ISR.
 */
export class Partition {
  leaderId = -1
  leaderEpoch = -1
  isr: number[] = []
  replicas: number[] = []
  minInsyncReplicas = 1
  /** The state znode's version this broker last saw or wrote: ISR writes are conditional on it. */
  zkVersion = -1
  // followers and appendListeners are created at first use: most partitions of a broker have
  // neither (a follower's, an RF=1 leader's, one nobody waits on), and an empty Map is ~0.2 KiB.
  /** Followers as the leader sees them through their fetches. */
  private followers?: Map<number, FollowerState>
  private leaderSinceMs = 0
  /**
   * waitForData's listeners, in slots emptied rather than removed: a Set shrinks its table when
   * emptied and grows it again on the next wait, and an idle follower's fetch waits on thousands
   * of partitions twice a second.
   */
  private appendListeners?: Array<(() => void) | undefined>
  /** Its log dir failed (Kafka's HostedPartition.Offline): it serves nothing until a restart. */
  private offline = false

  constructor (readonly topic: string, readonly partition: number, public topicId: string, readonly log: PartitionLog, private readonly brokerId: number) {}

  get isLeader (): boolean { return this.leaderId === this.brokerId }
  get isOffline (): boolean { return this.offline }

  /** The log dir failed: appends and reads answer KAFKA_STORAGE_ERROR, parked waiters wake up. */
  markOffline (): void {
    this.offline = true
    this.notifyAppend()
  }

  /** Takes the controller's latest state; returns whether this broker's role changed. */
  applyState (state: PartitionMetadata, nowMs: number): boolean {
    const wasLeader = this.isLeader
    const newEpoch = state.leaderEpoch !== this.leaderEpoch
    if (state.stateVersion < this.zkVersion) return false // older than what this leader itself wrote
    this.replicas = state.replicas
    this.isr = state.isr
    this.leaderId = state.leader
    this.leaderEpoch = state.leaderEpoch
    this.zkVersion = state.stateVersion
    if (this.isLeader && (newEpoch || !wasLeader)) {
      // KIP-101: the new epoch starts at our log end; followers truncate to it.
      this.log.leaderEpochCache.assignAtLogEnd(this.leaderEpoch, this.log.logEndOffset)
      this.followers = undefined
      this.leaderSinceMs = nowMs
    }
    if (this.isLeader) this.maybeIncrementHighWatermark()
    // Parked acks=all produces and long polls must learn at once that leadership moved.
    else if (wasLeader) this.notifyAppend()
    return wasLeader !== this.isLeader || newEpoch
  }

  /**
   * Appends a producer's records (old magic 0/1 message sets are converted to a v2 batch first);
   * origin 'coordinator' for the group coordinator's transactional offset commits; `verification`
   * when transaction.partition.verification.enable applies (PartitionLog.appendAsLeader).
   */
  appendRecordsAsLeader (records: Buffer, acks: number, origin: AppendOrigin = 'client', verification?: TransactionVerification): ProduceResult {
    const refused = this.refuseAppend(acks)
    if (refused !== null) return refused
    let batches = records
    if (records.length >= 17 && magicOf(records) < 2) {
      try {
        batches = messageSetToRecordBatch(records)
      } catch (err) {
        return this.error(err instanceof ProtocolError ? ErrorCode.CORRUPT_MESSAGE : ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message)
      }
    }
    return this.appendToLog(() => this.log.appendAsLeader(batches, this.leaderEpoch, origin, verification))
  }

  /** See PartitionLog.maybeStartTransactionVerification. */
  maybeStartTransactionVerification (producerId: number, producerEpoch: number): VerificationGuard | null {
    return this.log.maybeStartTransactionVerification(producerId, producerEpoch)
  }

  /** WriteTxnMarkers: a commit or abort marker, appended as acks=all requires (Kafka appends markers with acks -1). */
  appendMarkerAsLeader (producerId: number, producerEpoch: number, marker: EndTransactionMarker): ProduceResult {
    return this.refuseAppend(-1) ?? this.appendToLog(() => this.log.appendMarkerAsLeader(producerId, producerEpoch, marker, this.leaderEpoch))
  }

  private refuseAppend (acks: number): ProduceResult | null {
    if (this.offline) return this.error(ErrorCode.KAFKA_STORAGE_ERROR, 'the log dir of this replica is offline')
    if (!this.isLeader) return this.error(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    // min.insync.replicas guards acks=all only; acks=0/1 accept a shrunken ISR, as Kafka does.
    if (acks === -1 && this.isr.length < this.minInsyncReplicas) return this.error(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR ${this.isr.length} is insufficient to satisfy the min.isr requirement of ${this.minInsyncReplicas}`)
    return null
  }

  private appendToLog (append: () => AppendResult): ProduceResult {
    let result: AppendResult
    try {
      result = append()
    } catch (err) {
      this.log.maybeHandleIoError('appending records', err)
      return this.error(ErrorCode.KAFKA_STORAGE_ERROR, (err as Error).message)
    }
    if (result.errorCode !== 0) return this.error(result.errorCode, result.reason)
    if (!this.maybeIncrementHighWatermark()) this.notifyAppend()
    return { errorCode: ErrorCode.NONE, baseOffset: result.baseOffset, lastOffset: result.lastOffset, logAppendTimeMs: result.logAppendTimeMs, logStartOffset: result.logStartOffset, errorMessage: null }
  }

  /** The offset below which `isolation` may read. */
  readableEnd (isolation: FetchIsolation): number {
    return isolation === 'highWatermark' ? this.log.highWatermark : isolation === 'txnCommitted' ? this.log.lastStableOffset : this.log.logEndOffset
  }

  read (fetchOffset: number, maxBytes: number, isolation: FetchIsolation, minOneMessage: boolean, allocate?: (size: number) => Buffer): ReadResult | StorageErrorResult {
    if (this.offline) return STORAGE_ERROR
    try {
      return this.log.read(fetchOffset, maxBytes, this.readableEnd(isolation), minOneMessage, allocate)
    } catch (err) {
      this.log.maybeHandleIoError('reading records', err)
      return STORAGE_ERROR
    }
  }

  /**
   * A follower fetched from `offset`: everything below it is replicated there. It counts as caught
   * up when it reached our log end, or the log end we had at its previous fetch (Kafka's rule).
   * `logStartOffset` is the follower's own (Fetch v5+; -1 before): a parked DeleteRecords waits for it.
   */
  updateFollowerFetchState (replicaId: number, offset: number, nowMs: number, logStartOffset = -1): void {
    const leo = this.log.logEndOffset
    const followers = this.followers ??= new Map()
    const f = followers.get(replicaId) ?? { logEndOffset: -1, logStartOffset: -1, lastCaughtUpMs: this.leaderSinceMs, lastFetchLeaderLogEndOffset: -1, lastFetchMs: 0 }
    if (offset >= leo) f.lastCaughtUpMs = nowMs
    else if (offset >= f.lastFetchLeaderLogEndOffset) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs)
    const logStartMoved = logStartOffset !== f.logStartOffset
    f.logEndOffset = offset
    f.logStartOffset = logStartOffset
    f.lastFetchLeaderLogEndOffset = leo
    f.lastFetchMs = nowMs
    followers.set(replicaId, f)
    if (!this.maybeIncrementHighWatermark() && logStartMoved) this.notifyAppend()
  }

  /**
   * Kafka's Partition.deleteRecordsOnLeader: moves the leader's log start offset to `offset` (-1:
   * the high watermark); never past the high watermark (OFFSET_OUT_OF_RANGE), and only where
   * cleanup.policy has 'delete' (POLICY_VIOLATION).
   */
  deleteRecordsOnLeader (offset: number): DeleteRecordsResult {
    if (this.offline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, requiredOffset: -1 }
    if (!this.isLeader) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, requiredOffset: -1 }
    if (!this.log.logConfig['cleanup.policy'].includes('delete')) return { errorCode: ErrorCode.POLICY_VIOLATION, requiredOffset: -1 }
    const requiredOffset = offset === HIGH_WATERMARK ? this.log.highWatermark : offset
    try {
      if (this.log.deleteRecordsBefore(requiredOffset).errorCode !== 0) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, requiredOffset: -1 }
    } catch (err) {
      this.log.maybeHandleIoError('deleting records', err)
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, requiredOffset: -1 }
    }
    return { errorCode: ErrorCode.NONE, requiredOffset }
  }

  /**
   * Kafka's Partition.lowWatermarkIfLeader: the smallest log start offset over this leader and
   * every follower on a live broker (-1 for one that has not told us yet).
   */
  lowWatermark (isAlive: (brokerId: number) => boolean): number {
    let low = this.log.logStartOffset
    for (const id of this.replicas) {
      if (id === this.brokerId || !isAlive(id)) continue
      low = Math.min(low, this.followers?.get(id)?.logStartOffset ?? -1)
    }
    return low
  }

  /**
   * Kafka's Partition.maybeExpandIsr, for the follower that just fetched: outside the ISR, it rejoins
   * once it has caught up to the high watermark and our epoch, if its broker is registered
   * (Partition.isReplicaIsrEligible in ZooKeeper mode, KIP-841): a broker whose session expired may
   * still fetch, and in the ISR it would hold acks=all produce until replica.lag.time.max.ms once
   * it is gone. Called for every partition of every follower fetch: nothing is allocated unless
   * the ISR changes.
   */
  isrToExpand (followerId: number, isAlive: (brokerId: number) => boolean): number[] | undefined {
    if (!this.isLeader || this.isr.includes(followerId) || !this.replicas.includes(followerId)) return undefined
    const f = this.followers?.get(followerId)
    const epochStart = this.log.leaderEpochCache.epochEntries.at(-1)?.startOffset ?? 0
    if (f === undefined || f.logEndOffset < this.log.highWatermark || f.logEndOffset < epochStart || !isAlive(followerId)) return undefined
    return [...this.isr, followerId]
  }

  /** Followers in the ISR that have not caught up within replica.lag.time.max.ms leave it. */
  isrToShrink (nowMs: number, lagTimeMaxMs: number): number[] | undefined {
    if (!this.isLeader) return undefined
    const lagging = this.isr.filter(id => id !== this.leaderId && nowMs - (this.followers?.get(id)?.lastCaughtUpMs ?? this.leaderSinceMs) > lagTimeMaxMs)
    return lagging.length === 0 ? undefined : this.isr.filter(id => !lagging.includes(id))
  }

  /** The leader wrote a new ISR to ZooKeeper (same leader epoch, new znode version). */
  isrWritten (isr: number[], zkVersion: number): void {
    this.isr = isr
    this.zkVersion = zkVersion
    this.maybeIncrementHighWatermark()
  }

  /** The leader epoch of the batch holding `offset` (ListOffsets v4+), from the epoch cache. */
  epochForOffset (offset: number): number {
    let epoch = -1
    for (const e of this.log.leaderEpochCache.epochEntries) {
      if (e.startOffset > offset) break
      epoch = e.epoch
    }
    return epoch
  }

  /** `listener` runs on each append and high watermark move, until offAppend. */
  onAppend (listener: () => void): void {
    const slots = this.appendListeners ??= []
    let free = -1
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === listener) return
      if (free < 0 && slots[i] === undefined) free = i
    }
    if (free >= 0) slots[free] = listener
    else slots.push(listener)
  }

  offAppend (listener: () => void): void {
    const slots = this.appendListeners
    if (slots === undefined) return
    const i = slots.indexOf(listener)
    if (i >= 0) slots[i] = undefined
  }

  /** The high watermark only moves forward: the smallest log end offset over the ISR. */
  private maybeIncrementHighWatermark (): boolean {
    let hw = this.log.logEndOffset
    for (const id of this.isr) {
      if (id !== this.brokerId) hw = Math.min(hw, this.followers?.get(id)?.logEndOffset ?? this.log.highWatermark)
    }
    if (hw <= this.log.highWatermark) return false
    this.log.highWatermark = hw
    this.notifyAppend()
    return true
  }

  /** A listener may take itself off while this runs; one added meanwhile may run now or only at the next append. */
  private notifyAppend (): void {
    const slots = this.appendListeners
    if (slots === undefined) return
    for (let i = 0, n = slots.length; i < n; i++) slots[i]?.()
  }

  private error (errorCode: number, errorMessage: string | null = null): ProduceResult {
    return { errorCode, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage }
  }
}
