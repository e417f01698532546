/**
 * One __transaction_state partition this broker leads (Kafka's TransactionStateManager, per
 * partition): loads the transactional ids' metadata from the log before serving them (last record
 * per id wins, a tombstone removes it) and writes each state change with acks=-1 before it takes
 * effect. The coordinator epoch of its markers is the partition's leader epoch, so a deposed
 * coordinator's late markers are refused by the partition leaders.
 */
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import { appendCoordinatorRecords, replayCoordinatorLog, type CoordinatorLogDeps } from './coordinator-log.js'
import type { CoordinatorShard, ShardStatus } from './coordinator-shards.js'
import { parseTransactionLogRecord, transactionLogRecord, transactionLogTombstone } from './transaction-log.js'
import { abandonTransition, completeTransition, prepareTransition, type TransactionMetadata } from './transaction-state.js'

/**
 * Tombstone bytes per batch. Kafka fills each batch up to the partition's max.message.bytes; half
 * of its default (1 MiB) leaves room for batch and record overhead whatever the ids' lengths.
 */
const TOMBSTONE_BATCH_BYTES = 512 * 1024

export class TransactionPartition implements CoordinatorShard {
  status: ShardStatus = 'loading'
  readonly transactions = new Map<string, TransactionMetadata>()
  readonly loadedEpoch: number
  private readonly log: Logger

  constructor (readonly partition: Partition, private readonly deps: CoordinatorLogDeps, log: Logger, private readonly onLoaded: (shard: TransactionPartition) => void) {
    this.loadedEpoch = partition.leaderEpoch
    this.log = log.child({ topicPartition: `${partition.topic}-${partition.partition}` })
  }

  get coordinatorEpoch (): number { return this.loadedEpoch }

  async load (): Promise<void> {
    const started = this.deps.scheduler.now()
    const records = await replayCoordinatorLog(this.partition, () => this.status === 'loading', (_batch, decoded) => {
      for (const r of decoded) {
        if (r.key === null) continue
        try {
          const { transactionalId, metadata } = parseTransactionLogRecord(r.key, r.value)
          if (metadata === null) this.transactions.delete(transactionalId)
          else this.transactions.set(transactionalId, metadata)
        } catch (err) {
          this.log.warn('skipped undecodable record', { offset: r.offset, error: (err as Error).message })
        }
      }
    }, this.log)
    if (this.status !== 'loading') return
    this.status = 'active'
    this.log.info('loaded transaction state partition', { transactionalIds: this.transactions.size, records, durationMs: this.deps.scheduler.now() - started })
    this.onLoaded(this)
  }

  unload (): void {
    const wasLoading = this.status === 'loading'
    this.status = 'unloaded'
    this.transactions.clear()
    if (!wasLoading) this.log.info('unloaded transaction state partition', {})
  }

  /**
   * Kafka's TransactionStateManager.removeExpiredTransactionalIds for this partition: ids whose
   * state has not changed for `expirationMs` and that are Empty, CompleteCommit or CompleteAbort
   * (none with a write in flight) are made pending Dead, so requests for them get
   * CONCURRENT_TRANSACTIONS; a tombstone per id is written (acks=-1, in batches); once replicated
   * they are removed, and a producer that comes back starts over with a new producer id. A failed
   * write leaves them as they were. Answers the ids removed.
   */
  async removeExpiredTransactionalIds (expirationMs: number): Promise<string[]> {
    const now = this.deps.scheduler.now()
    const expired = [...this.transactions.values()].filter(m => m.pendingState === undefined &&
      (m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort') && m.txnLastUpdateTimestampMs <= now - expirationMs)
    const removed: string[] = []
    while (expired.length > 0 && this.status === 'active') {
      const batch: Array<{ current: TransactionMetadata, dead: TransactionMetadata }> = []
      for (let bytes = 0; expired.length > 0 && (batch.length === 0 || bytes < TOMBSTONE_BATCH_BYTES);) {
        const current = expired.shift()!
        if (current.pendingState !== undefined || this.transactions.get(current.transactionalId) !== current) continue // changed since the scan
        bytes += Buffer.byteLength(current.transactionalId)
        batch.push({ current, dead: prepareTransition(current, 'Dead', {}, now) })
      }
      if (batch.length === 0) break
      const { errorCode } = await appendCoordinatorRecords(this.partition, this.deps, batch.map(b => transactionLogTombstone(b.current.transactionalId)))
      const written = errorCode === ErrorCode.NONE && this.status === 'active' && this.partition.leaderEpoch === this.loadedEpoch
      for (const { current, dead } of batch) {
        if (written && current.pendingState === 'Dead' && current.producerEpoch === dead.producerEpoch) {
          this.transactions.delete(current.transactionalId)
          removed.push(current.transactionalId)
        } else abandonTransition(current)
      }
      if (!written) {
        this.log.warn('could not write tombstones of expired transactional ids', { transactionalIds: batch.length, errorCode })
        break
      }
    }
    return removed
  }

  /**
   * Writes `next` (prepared from `current` by prepareTransition) and makes it current once
   * replicated; on failure the pending transition is dropped. Answers a coordinator error code
   * (NOT_COORDINATOR when leadership moved meanwhile, as Kafka's appendTransactionToLog).
   */
  async writeTransition (current: TransactionMetadata, next: TransactionMetadata): Promise<number> {
    if (this.status !== 'active') {
      abandonTransition(current)
      return ErrorCode.NOT_COORDINATOR
    }
    const { errorCode } = await appendCoordinatorRecords(this.partition, this.deps, [transactionLogRecord(next)])
    if (errorCode !== ErrorCode.NONE || this.status !== 'active' || this.partition.leaderEpoch !== this.loadedEpoch) {
      abandonTransition(current)
      return errorCode !== ErrorCode.NONE ? errorCode : ErrorCode.NOT_COORDINATOR
    }
    completeTransition(current, next)
    if (!this.transactions.has(next.transactionalId)) this.transactions.set(next.transactionalId, current)
    return ErrorCode.NONE
  }
}
