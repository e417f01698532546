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
import { parseTransactionLogRecord, transactionLogRecord } from './transaction-log.js'
import { abandonTransition, completeTransition, type TransactionMetadata } from './transaction-state.js'

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
