/**
 * The transaction coordinator (Kafka's TransactionCoordinator): every transactional id lives on
 * the __transaction_state partition its hash picks (transaction-partition.ts), led by its
 * coordinator; the partitions follow leadership as the group coordinator's do
 * (coordinator-shards.ts). The state machine is transaction-state.ts; this file answers
 * InitProducerId, AddPartitionsToTxn (also for AddOffsetsToTxn), EndTxn and the leaders'
 * verification, sends the markers of a transaction that is ending (transaction-marker-channel.ts)
 * until every partition has it, and aborts transactions past their transaction.timeout.ms.
 */
import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { ZkClient } from '../cluster/zk-session.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { MarkerResult } from '../replication/txn-marker-writer.js'
import { systemScheduler, type Scheduler } from '../scheduler.js'
import type { CoordinatorLogDeps } from './coordinator-log.js'
import { CoordinatorShards } from './coordinator-shards.js'
import { CoordinatorTopic, type CoordinatorTopicSpec } from './coordinator-topic.js'
import { OFFSETS_TOPIC, partitionForGroup, storable } from './offsets-topic.js'
import type { ProducerIdManager } from './producer-id-manager.js'
import type { TransactionMarkerChannel } from './transaction-marker-channel.js'
import { TransactionPartition } from './transaction-partition.js'
import {
  fenceProducerEpoch, IllegalTransactionTransition, MAX_PRODUCER_EPOCH, newTransactionMetadata, partitionKey, prepareTransition,
  type TopicPartitionRef, type TransactionMetadata,
} from './transaction-state.js'

export const TRANSACTION_STATE_TOPIC = '__transaction_state'

/**
 * Kafka's TransactionStateManager topic: transaction.state.log.* configs; min.insync.replicas
 * from transaction.state.log.min.isr, capped at the replication factor actually used (the
 * factor itself is capped by the live brokers, as for __consumer_offsets).
 */
export const transactionStateTopicSpec: CoordinatorTopicSpec = {
  name: TRANSACTION_STATE_TOPIC,
  numPartitions: v => v['transaction.state.log.num.partitions'],
  replicationFactor: v => v['transaction.state.log.replication.factor'],
  topicConfig: (v, replicationFactor) => ({
    'cleanup.policy': 'compact',
    'compression.type': 'uncompressed',
    'segment.bytes': String(v['transaction.state.log.segment.bytes']),
    'min.insync.replicas': String(Math.min(v['transaction.state.log.min.isr'], replicationFactor)),
    'unclean.leader.election.enable': 'false',
  }),
}

/** Kafka's request.timeout.ms default, for the coordinator's writes and markers. */
const WRITE_TIMEOUT_MS = 30_000
/** Kafka's transaction marker retry backoff is its request's; 100 ms keeps a failover short. */
const MARKER_RETRY_BACKOFF_MS = 100

/** Marker errors after which a partition is not retried (Kafka's TransactionMarkerRequestCompletionHandler). */
const MARKER_GIVE_UP = new Set<number>([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED])

export interface TransactionCoordinatorOptions {
  config: KafkaConfig
  metadata: MetadataCache
  replicas: ReplicaManager
  zk: ZkClient
  producerIds: ProducerIdManager
  markers: TransactionMarkerChannel
  log: Logger
  scheduler?: Scheduler
}

export interface InitProducerIdResult { errorCode: number, producerId: number, producerEpoch: number }
export interface TxnRequest { transactionalId: string, producerId: number, producerEpoch: number }

export class TransactionCoordinator {
  readonly topic: CoordinatorTopic
  private readonly shards: CoordinatorShards<TransactionPartition>
  private readonly scheduler: Scheduler
  private readonly log: Logger
  /** The periodic tasks' next runs, by name, cancelled at shutdown. */
  private readonly periodic = new Map<string, () => void>()

  constructor (private readonly options: TransactionCoordinatorOptions) {
    this.log = options.log
    this.scheduler = options.scheduler ?? systemScheduler
    this.topic = new CoordinatorTopic(transactionStateTopicSpec, options.zk, options.metadata, options.config, options.log)
    const deps: CoordinatorLogDeps = { replicas: options.replicas, scheduler: this.scheduler, writeTimeoutMs: WRITE_TIMEOUT_MS }
    this.shards = new CoordinatorShards(this.topic, options.metadata, options.replicas, partition => new TransactionPartition(partition, deps, options.log, shard => this.onLoaded(shard)), options.log)
  }

  start (): void {
    this.shards.start()
    const v = this.options.config.values
    this.schedulePeriodic('aborting timed out transactions', v['transaction.abort.timed.out.transaction.cleanup.interval.ms'], async () => await this.abortTimedOutTransactions())
    this.schedulePeriodic('removing expired transactional ids', v['transaction.remove.expired.transaction.cleanup.interval.ms'], async () => await this.removeExpiredTransactionalIds())
  }

  shutdown (): void {
    for (const cancel of this.periodic.values()) cancel()
    this.shards.shutdown()
    this.options.markers.close()
  }

  /** FindCoordinator key type 1: the leader of the id's partition; creates the topic on first use. */
  async findCoordinator (transactionalId: string): Promise<{ errorCode: number, nodeId: number }> {
    const nodeId = await this.topic.leaderFor(transactionalId)
    return { errorCode: nodeId < 0 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE, nodeId }
  }

  /** DescribeTransactions (Kafka's TransactionCoordinator.handleDescribeTransactions): the id's metadata, if this broker coordinates it. */
  describe (transactionalId: string): { errorCode: number, metadata?: TransactionMetadata } {
    const shard = this.shards.shardFor(transactionalId)
    if (typeof shard === 'number') return { errorCode: shard }
    const metadata = shard.transactions.get(transactionalId)
    return metadata === undefined || metadata.state === 'Dead' ? { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND } : { errorCode: ErrorCode.NONE, metadata }
  }

  /**
   * ListTransactions (Kafka's TransactionStateManager.listTransactionStates): the ids of every
   * partition this broker coordinates, filtered by state names, producer ids (both: any of, none
   * given: all) and, when durationMs >= 0, only those running longer than that.
   */
  listTransactions (states: ReadonlySet<string>, producerIds: ReadonlySet<number>, durationMs: number): { errorCode: number, transactions: TransactionMetadata[] } {
    if (!this.shards.isActive) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, transactions: [] }
    const shards = this.shards.all()
    if (shards.some(s => s.status === 'loading')) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, transactions: [] }
    const now = this.scheduler.now()
    const transactions = shards.filter(s => s.status === 'active').flatMap(s => [...s.transactions.values()]).filter(t =>
      t.state !== 'Dead' &&
      (producerIds.size === 0 || producerIds.has(t.producerId)) &&
      (states.size === 0 || states.has(t.state)) &&
      (durationMs < 0 || now - t.txnStartTimestampMs > durationMs))
    return { errorCode: ErrorCode.NONE, transactions }
  }

  /**
   * InitProducerId with a transactional id (Kafka's handleInitProducerId): a new id gets a
   * producer id at epoch 0; a known one gets its epoch bumped, fencing the previous producer. An
   * ongoing transaction of the previous epoch is aborted first (CONCURRENT_TRANSACTIONS until it
   * is: the client retries), as is a transaction whose markers are still on their way.
   */
  async initProducerId (transactionalId: string, txnTimeoutMs: number, expected: { producerId: number, producerEpoch: number }): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 })
    // TransactionLogKey holds the id as an int16-length string: a longer one could never be stored.
    if (transactionalId === '' || !storable(transactionalId)) return fail(ErrorCode.INVALID_REQUEST)
    if (txnTimeoutMs <= 0 || txnTimeoutMs > this.options.config.values['transaction.max.timeout.ms']) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT)
    const shard = await this.shardFor(transactionalId)
    if (typeof shard === 'number') return fail(shard)
    let current = shard.transactions.get(transactionalId)
    if (current === undefined) {
      let producerId: number
      try {
        producerId = await this.options.producerIds.generateProducerId()
      } catch {
        return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
      }
      current = shard.transactions.get(transactionalId) // another request may have created it meanwhile
      if (current === undefined) shard.transactions.set(transactionalId, current = newTransactionMetadata(transactionalId, producerId, txnTimeoutMs, this.scheduler.now()))
    }
    if (current.pendingState !== undefined) return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    // KIP-360: a producer that names its id and epoch may only bump its own.
    if (expected.producerId >= 0 && (expected.producerId !== current.producerId || expected.producerEpoch !== current.producerEpoch)) return fail(ErrorCode.PRODUCER_FENCED)
    switch (current.state) {
      case 'PrepareCommit': case 'PrepareAbort': case 'PrepareEpochFence':
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
      case 'Ongoing':
        await this.abortAfterFence(shard, current)
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
      case 'Dead':
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
      default: {
        let { producerId, producerEpoch } = current
        if (producerEpoch >= MAX_PRODUCER_EPOCH - 1) {
          try {
            producerId = await this.options.producerIds.generateProducerId()
          } catch {
            return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
          }
          producerEpoch = 0
        } else producerEpoch++
        if (current.pendingState !== undefined) return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
        const next = prepareTransition(current, 'Empty', { producerId, producerEpoch, txnTimeoutMs, partitions: new Map(), txnStartTimestampMs: -1 }, this.scheduler.now())
        const errorCode = await shard.writeTransition(current, next)
        if (errorCode !== ErrorCode.NONE) return fail(errorCode)
        this.log.info('initialized transactional producer', { transactionalId, producerId, producerEpoch })
        return { errorCode: ErrorCode.NONE, producerId, producerEpoch }
      }
    }
  }

  /**
   * AddPartitionsToTxn / AddOffsetsToTxn (Kafka's handleAddPartitionsToTransaction): the
   * transaction becomes (or stays) Ongoing with the partitions added. One error for all of them.
   */
  async addPartitions (req: TxnRequest, partitions: readonly TopicPartitionRef[]): Promise<number> {
    const checked = await this.checkProducer(req)
    if (typeof checked === 'number') return checked
    const { shard, current } = checked
    if (current.state === 'PrepareCommit' || current.state === 'PrepareAbort' || current.state === 'PrepareEpochFence') {
      this.log.debug('AddPartitionsToTxn while the previous transaction ends', { transactionalId: req.transactionalId, state: current.state, errorCode: ErrorCode.CONCURRENT_TRANSACTIONS })
      return ErrorCode.CONCURRENT_TRANSACTIONS
    }
    if (current.state === 'Dead') return ErrorCode.INVALID_TXN_STATE
    if (current.state === 'Ongoing' && partitions.every(tp => current.partitions.has(partitionKey(tp)))) return ErrorCode.NONE
    const now = this.scheduler.now()
    const added = new Map(current.state === 'Ongoing' ? current.partitions : [])
    for (const tp of partitions) added.set(partitionKey(tp), { topic: tp.topic, partition: tp.partition })
    const next = prepareTransition(current, 'Ongoing', { partitions: added, txnStartTimestampMs: current.state === 'Ongoing' ? current.txnStartTimestampMs : now }, now)
    return await shard.writeTransition(current, next)
  }

  /** The __consumer_offsets partition of a group, for AddOffsetsToTxn. */
  offsetsPartitionFor (groupId: string): TopicPartitionRef {
    const partitions = this.options.metadata.topic(OFFSETS_TOPIC)?.partitions.size ?? this.options.config.values['offsets.topic.num.partitions']
    return { topic: OFFSETS_TOPIC, partition: partitionForGroup(groupId, partitions) }
  }

  /**
   * AddPartitionsToTxn v4 with VerifyOnly (KIP-890), from a partition leader about to append a
   * producer's first transactional batch: whether the partition is in its ongoing transaction.
   */
  verifyPartitions (req: TxnRequest, partitions: readonly TopicPartitionRef[]): Array<{ tp: TopicPartitionRef, errorCode: number }> {
    const shard = this.shards.shardFor(req.transactionalId)
    const current = typeof shard === 'number' ? undefined : shard.transactions.get(req.transactionalId)
    return partitions.map(tp => {
      if (typeof shard === 'number') return { tp, errorCode: shard }
      const ok = current !== undefined && current.producerId === req.producerId && current.producerEpoch === req.producerEpoch &&
        current.state === 'Ongoing' && current.partitions.has(partitionKey(tp))
      return { tp, errorCode: ok ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE }
    })
  }

  /**
   * EndTxn (Kafka's endTransaction): from Ongoing, PrepareCommit or PrepareAbort is written and
   * answered; the markers then go out, and CompleteCommit / CompleteAbort is written once every
   * partition has its marker. A retry of an ending or ended transaction is answered as Kafka does.
   */
  async endTransaction (req: TxnRequest, commit: boolean): Promise<number> {
    const checked = await this.checkProducer(req)
    if (typeof checked === 'number') return checked
    const { shard, current } = checked
    const errorCode = await this.endFrom(shard, current, commit)
    // Kafka's logInvalidStateTransitionAndReturnError: the state the refused end found
    if (errorCode === ErrorCode.INVALID_TXN_STATE) this.log.debug('EndTxn refused', { transactionalId: req.transactionalId, state: current.state, commit })
    return errorCode
  }

  private async endFrom (shard: TransactionPartition, current: TransactionMetadata, commit: boolean): Promise<number> {
    switch (current.state) {
      case 'Ongoing': {
        const next = prepareTransition(current, commit ? 'PrepareCommit' : 'PrepareAbort', {}, this.scheduler.now())
        const errorCode = await shard.writeTransition(current, next)
        if (errorCode === ErrorCode.NONE) void this.completeTransaction(shard, current)
        return errorCode
      }
      case 'CompleteCommit': return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE
      case 'CompleteAbort': return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE
      case 'PrepareCommit': return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE
      case 'PrepareAbort': return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS
      default: return ErrorCode.INVALID_TXN_STATE
    }
  }

  /** Kafka's abortTimedOutTransactions: Ongoing past its timeout → fenced and aborted. */
  async abortTimedOutTransactions (): Promise<number> {
    const now = this.scheduler.now()
    let aborted = 0
    for (const shard of this.shards.all()) {
      if (shard.status !== 'active') continue
      for (const current of [...shard.transactions.values()]) {
        if (current.state !== 'Ongoing' || current.pendingState !== undefined || now < current.txnStartTimestampMs + current.txnTimeoutMs) continue
        this.log.info('aborting timed out transaction', { transactionalId: current.transactionalId, producerId: current.producerId, producerEpoch: current.producerEpoch, txnTimeoutMs: current.txnTimeoutMs })
        await this.abortAfterFence(shard, current)
        aborted++
      }
    }
    return aborted
  }

  /**
   * Kafka's transactionalId-expiration task: on every partition this broker coordinates, ids idle
   * for transactional.id.expiration.ms in Empty, CompleteCommit or CompleteAbort go (Dead, a
   * tombstone). Answers how many went.
   */
  async removeExpiredTransactionalIds (): Promise<number> {
    const expirationMs = this.options.config.values['transactional.id.expiration.ms']
    let removed = 0
    for (const shard of this.shards.all()) {
      if (shard.status !== 'active') continue
      const ids = await shard.removeExpiredTransactionalIds(expirationMs)
      if (ids.length > 0) this.log.info('removed expired transactional ids', { topicPartition: `${shard.partition.topic}-${shard.partition.partition}`, count: ids.length, expirationMs })
      removed += ids.length
    }
    return removed
  }

  private async shardFor (transactionalId: string): Promise<TransactionPartition | number> {
    return this.shards.shardFor(transactionalId)
  }

  /** The common checks of AddPartitions and EndTxn (Kafka's order): id known, producer id, epoch, no write pending. */
  private async checkProducer (req: TxnRequest): Promise<{ shard: TransactionPartition, current: TransactionMetadata } | number> {
    if (req.transactionalId === '') return ErrorCode.INVALID_REQUEST
    const shard = await this.shardFor(req.transactionalId)
    if (typeof shard === 'number') return shard
    const current = shard.transactions.get(req.transactionalId)
    if (current === undefined || current.producerId !== req.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (current.producerEpoch !== req.producerEpoch) return ErrorCode.PRODUCER_FENCED
    if (current.pendingState !== undefined) return ErrorCode.CONCURRENT_TRANSACTIONS
    return { shard, current }
  }

  /** Fences the producer (epoch + 1) and aborts its transaction with the new epoch. */
  private async abortAfterFence (shard: TransactionPartition, current: TransactionMetadata): Promise<void> {
    fenceProducerEpoch(current)
    const next = prepareTransition(current, 'PrepareAbort', {}, this.scheduler.now())
    const errorCode = await shard.writeTransition(current, next)
    if (errorCode === ErrorCode.NONE) void this.completeTransaction(shard, current)
    else if (current.state === 'PrepareEpochFence') current.state = 'Ongoing' // the fence was never written; the next attempt starts over
  }

  /**
   * Sends the markers of a PrepareCommit / PrepareAbort transaction to every partition's leader,
   * retrying those that fail, then writes CompleteCommit / CompleteAbort. Stops when this broker
   * stops coordinating the id (the new coordinator resumes from the written Prepare state).
   */
  private async completeTransaction (shard: TransactionPartition, current: TransactionMetadata): Promise<void> {
    const commit = current.state === 'PrepareCommit'
    const { producerId, producerEpoch } = current
    let remaining = [...current.partitions.values()]
    const stillOurs = (): boolean => shard.status === 'active' && shard.transactions.get(current.transactionalId) === current && current.state === (commit ? 'PrepareCommit' : 'PrepareAbort')
    while (remaining.length > 0 && stillOurs()) {
      const byLeader = new Map<number, TopicPartitionRef[]>()
      const unknown: TopicPartitionRef[] = []
      for (const tp of remaining) {
        const leader = this.options.metadata.partition(tp.topic, tp.partition)?.leader
        if (leader === undefined) continue // the topic is gone: nothing to mark (Kafka drops it too)
        if (leader < 0) unknown.push(tp)
        else byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp])
      }
      const results: MarkerResult[] = (await Promise.all([...byLeader].map(async ([leader, partitions]) =>
        await this.options.markers.send(leader, { producerId, producerEpoch, commit, coordinatorEpoch: shard.coordinatorEpoch, partitions })))).flat()
      remaining = [...unknown]
      for (const r of results) {
        if (r.errorCode === ErrorCode.NONE) continue
        if (MARKER_GIVE_UP.has(r.errorCode)) {
          this.log.warn('transaction marker refused; not retried', { transactionalId: current.transactionalId, topic: r.topic, partition: r.partition, errorCode: r.errorCode })
          continue
        }
        remaining.push({ topic: r.topic, partition: r.partition })
      }
      if (remaining.length > 0) await new Promise(resolve => setTimeout(resolve, MARKER_RETRY_BACKOFF_MS))
    }
    if (!stillOurs()) return
    try {
      const next = prepareTransition(current, commit ? 'CompleteCommit' : 'CompleteAbort', { partitions: new Map() }, this.scheduler.now())
      const errorCode = await shard.writeTransition(current, next)
      if (errorCode !== ErrorCode.NONE) this.log.warn('could not complete transaction', { transactionalId: current.transactionalId, errorCode })
      else this.log.debug('completed transaction', { transactionalId: current.transactionalId, producerId, producerEpoch, commit })
    } catch (err) {
      if (!(err instanceof IllegalTransactionTransition)) throw err
      this.log.error('transaction state machine refused completion', { transactionalId: current.transactionalId, error: err.message })
    }
  }

  /** A partition became ours: transactions it left half-way get their markers (Kafka's loadTransactionsForTxnTopicPartition). */
  private onLoaded (shard: TransactionPartition): void {
    for (const current of shard.transactions.values()) {
      if (current.state === 'PrepareCommit' || current.state === 'PrepareAbort') void this.completeTransaction(shard, current)
    }
  }

  /** Runs `task` every `intervalMs` (the next run is scheduled when one ends) while the coordinator is up. */
  private schedulePeriodic (what: string, intervalMs: number, task: () => Promise<unknown>): void {
    this.periodic.set(what, this.scheduler.schedule(() => {
      void task()
        .catch((err: unknown) => this.log.error(`${what} failed`, { error: (err as Error).stack }))
        .finally(() => { if (this.shards.isActive) this.schedulePeriodic(what, intervalMs, task) })
    }, intervalMs))
  }
}
