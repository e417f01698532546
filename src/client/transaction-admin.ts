/** Transactions and producers' state (KIP-664; Java's Admin.describeTransactions, listTransactions, describeProducers, abortTransaction). */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { DescribeProducersRequest, DescribeProducersResponse } from '../protocol/messages/describe-producers.js'
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../protocol/messages/describe-transactions.js'
import { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/messages/list-transactions.js'
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/messages/write-txn-markers.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions, TopicPartitionRef } from './admin.js'
import { atPartitionBrokers } from './admin-api-driver.js'
import { CoordinatorType, findCoordinator } from './coordinator-channel.js'
import { describeError, type KafkaClient } from './kafka-client.js'

/** ListTransactions' answer per id (Java's TransactionListing). */
export interface TransactionListing { transactionalId: string, producerId: number, state: string }

/** DescribeTransactions' answer (Java's TransactionDescription); errorCode NONE, or the id's error with the rest empty. */
export interface TransactionDescription {
  transactionalId: string
  errorCode: number
  coordinatorId: number
  /** Kafka's state names: Empty, Ongoing, PrepareCommit, ... */
  state: string
  producerId: number
  producerEpoch: number
  transactionTimeoutMs: number
  /** -1 when no transaction is under way. */
  transactionStartTimeMs: number
  topicPartitions: TopicPartitionRef[]
}

/** One producer in a partition's producer state (Java's ProducerState); -1 stands for "none". */
export interface ProducerState {
  producerId: number
  producerEpoch: number
  lastSequence: number
  lastTimestamp: number
  coordinatorEpoch: number
  currentTransactionStartOffset: number
}

export interface PartitionProducerState extends TopicPartitionRef { errorCode: number, errorMessage: string | null, activeProducers: ProducerState[] }

/** What Admin.abortTransaction writes (Java's AbortTransactionSpec). */
export interface AbortTransactionSpec extends TopicPartitionRef { producerId: number, producerEpoch: number, coordinatorEpoch: number }

/** Errors after which a partition's leader is looked up again (Kafka's AbortTransactionHandler and DescribeProducersHandler). */
const LEADER_MOVED = new Set<number>([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REPLICA_NOT_AVAILABLE, ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE])

/**
 * DescribeTransactions at each id's coordinator (Admin.describeTransactions): one answer per id,
 * in the order asked; a moved or loading coordinator is found again until the call's timeout, an
 * unknown id is TRANSACTIONAL_ID_NOT_FOUND.
 */
export async function describeTransactions (client: KafkaClient, transactionalIds: readonly string[], options: AdminOptions = {}): Promise<TransactionDescription[]> {
  return await Promise.all(transactionalIds.map(async transactionalId => await client.retry(`DescribeTransactions for ${transactionalId}`, async () => {
    const node = await findCoordinator(client, transactionalId, CoordinatorType.TRANSACTION)
    if (!client.metadata.brokers.has(node.nodeId)) await client.refreshMetadata([])
    const response = await client.send(node.nodeId, DescribeTransactionsRequest, DescribeTransactionsResponse, { min: 0, max: 0 }, { transactionalIds: [transactionalId] })
    const t = response.transactionStates.find(x => x.transactionalId === transactionalId)
    if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeTransactions answered nothing for ${transactionalId}`)
    if (isRetriable(t.errorCode)) throw new KafkaError(t.errorCode as ErrorCode, `DescribeTransactions for ${transactionalId} at broker ${node.nodeId}: ${describeError(t.errorCode)}`)
    return {
      transactionalId,
      errorCode: t.errorCode,
      coordinatorId: node.nodeId,
      state: t.transactionState,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      transactionTimeoutMs: t.transactionTimeoutMs,
      transactionStartTimeMs: t.transactionStartTimeMs,
      topicPartitions: t.topics.flatMap(tp => tp.partitions.map(partition => ({ topic: tp.topic, partition }))),
    }
  }, { timeoutMs: options.timeoutMs })))
}

/**
 * ListTransactions on every broker (Admin.listTransactions(...).allByBrokerId()): the ids each
 * coordinates, filtered by state names and producer ids (none given: all) and, when durationMs
 * >= 0 (KIP-994, ListTransactions v1), only those running longer than that.
 */
export async function listTransactions (client: KafkaClient, filters: { states?: readonly string[], producerIds?: readonly number[], durationMs?: number } = {}, options: AdminOptions = {}): Promise<Map<number, TransactionListing[]>> {
  await client.retry('Metadata', async () => await client.refreshMetadata([]), { timeoutMs: options.timeoutMs })
  const durationFilter = filters.durationMs ?? -1
  const answers = await Promise.all([...client.metadata.brokers.keys()].map(async nodeId => await client.retry(`ListTransactions on broker ${nodeId}`, async () => {
    const response = await client.send(nodeId, ListTransactionsRequest, ListTransactionsResponse, { min: durationFilter >= 0 ? 1 : 0, max: 1 }, {
      stateFilters: [...filters.states ?? []], producerIdFilters: [...filters.producerIds ?? []], durationFilter,
    })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ListTransactions on broker ${nodeId}: ${describeError(response.errorCode)}`)
    return [nodeId, response.transactionStates.map(t => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState }))] as const
  }, { timeoutMs: options.timeoutMs })))
  return new Map(answers)
}

/**
 * DescribeProducers (Admin.describeProducers): each partition's producer state, from its leader
 * (found again while leadership moves) or, with `brokerId`, from that broker's replica (no
 * retry: its error is the answer). One answer per partition, in the order asked.
 */
export async function describeProducers (client: KafkaClient, partitions: readonly TopicPartitionRef[], options: AdminOptions & { brokerId?: number } = {}): Promise<PartitionProducerState[]> {
  return await atPartitionBrokers(client, 'DescribeProducers', partitions, {
    timeoutMs: options.timeoutMs,
    brokerId: options.brokerId,
    retriable: r => options.brokerId === undefined && LEADER_MOVED.has(r.errorCode),
    failed: (p, errorCode) => ({ ...p, errorCode, errorMessage: null, activeProducers: [] }),
  }, async (nodeId, list) => {
    const byTopic = new Map<string, number[]>()
    for (const p of list) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
    const response = await client.send(nodeId, DescribeProducersRequest, DescribeProducersResponse, { min: 0, max: 0 }, {
      topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    })
    return response.topics.flatMap(t => t.partitions.map(r => ({
      topic: t.name, partition: r.partitionIndex, errorCode: r.errorCode, errorMessage: r.errorMessage,
      activeProducers: r.activeProducers.map(a => ({ producerId: a.producerId, producerEpoch: a.producerEpoch, lastSequence: a.lastSequence, lastTimestamp: a.lastTimestamp, coordinatorEpoch: a.coordinatorEpoch, currentTransactionStartOffset: a.currentTxnStartOffset })),
    })))
  })
}

/**
 * Aborts a hanging transaction on one partition (Admin.abortTransaction): an abort marker for the
 * producer id and epoch, written by the partition's leader as if from the transaction
 * coordinator (WriteTxnMarkers, which needs ClusterAction on the cluster). A moved leader is found
 * again; a refusal (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, ...) throws.
 */
export async function abortTransaction (client: KafkaClient, spec: AbortTransactionSpec, options: AdminOptions = {}): Promise<void> {
  const name = `${spec.topic}-${spec.partition}`
  await client.retry(`WriteTxnMarkers for ${name}`, async () => {
    await client.refreshMetadata([spec.topic])
    const leader = client.metadata.leaderFor(spec.topic, spec.partition)
    if (leader === undefined) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${name}`)
    const response = await client.send(leader.nodeId, WriteTxnMarkersRequest, WriteTxnMarkersResponse, { min: 0, max: 1 }, {
      markers: [{ producerId: spec.producerId, producerEpoch: spec.producerEpoch, transactionResult: false, coordinatorEpoch: spec.coordinatorEpoch, topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }] }],
    })
    const errorCode = response.markers.find(m => m.producerId === spec.producerId)?.topics.find(t => t.name === spec.topic)?.partitions.find(p => p.partitionIndex === spec.partition)?.errorCode
    if (errorCode === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `WriteTxnMarkers answered nothing for ${name}`)
    if (errorCode === ErrorCode.NONE) return
    // a retriable error (a moved leader among them) is tried again with fresh metadata
    throw new KafkaError(errorCode as ErrorCode, `WriteTxnMarkers for ${name} at broker ${leader.nodeId}: ${describeError(errorCode)}`)
  }, { timeoutMs: options.timeoutMs })
}
