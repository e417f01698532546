/**
 * Transaction verification for partition leaders (Kafka's AddPartitionsToTxnManager, KIP-890 part
 * 1): before a producer's first transactional batch on a partition is appended, the leader asks
 * the transaction coordinator (AddPartitionsToTxn v4 with VerifyOnly, in-process when this broker
 * is the coordinator) whether the partition is in the producer's ongoing transaction.
 *
 * One question per verification guard (producer-state-manager.ts): the pipelined batches of one
 * producer on one partition share the guard, hence the answer, and resume in the order they asked,
 * so their sequences still reach the log in order. Once a batch is appended the transaction is open
 * on the partition and the producer's later batches are not verified again.
 */
import type { InterBrokerConnections } from '../cluster/inter-broker-connections.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { TransactionCoordinator } from '../coordinator/transaction-coordinator.js'
import type { TopicPartitionRef } from '../coordinator/transaction-state.js'
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../protocol/messages/add-partitions-to-txn.js'
import type { VerificationGuard } from '../storage/producer-state-manager.js'

/** The first version with VerifyOnly. */
const VERIFY_VERSION = 4

/**
 * Coordinator errors a producer could not act on become NOT_ENOUGH_REPLICAS, which every client
 * retries (Kafka 3.6's ReplicaManager does the same); PRODUCER_FENCED is INVALID_PRODUCER_EPOCH
 * for Produce (AddPartitionsToTxnManager).
 */
export function verificationErrorForProduce (errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.NOT_ENOUGH_REPLICAS
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH
    default:
      return errorCode
  }
}

export interface VerificationRequest { transactionalId: string, producerId: number, producerEpoch: number, tp: TopicPartitionRef }

export interface AddPartitionsToTxnManagerOptions {
  brokerId: number
  metadata: MetadataCache
  coordinator: TransactionCoordinator
  connections: InterBrokerConnections
  log: Logger
}

export class AddPartitionsToTxnManager {
  /** Answered or pending verifications; a guard that is gone (transaction started or ended) takes its entry with it. */
  private readonly answers = new WeakMap<VerificationGuard, Promise<number>>()

  constructor (private readonly options: AddPartitionsToTxnManagerOptions) {}

  /**
   * The coordinator's answer (a Produce error code, NONE when the partition is in the
   * transaction) for the verification `guard` stands for. The same promise for every caller with
   * that guard, until an error: then the next one asks again.
   */
  verify (guard: VerificationGuard, req: VerificationRequest): Promise<number> {
    let answer = this.answers.get(guard)
    if (answer === undefined) {
      answer = this.ask(req).then(code => {
        const errorCode = verificationErrorForProduce(code)
        if (errorCode !== ErrorCode.NONE) this.answers.delete(guard)
        return errorCode
      })
      this.answers.set(guard, answer)
    }
    return answer
  }

  close (): void {
    this.options.connections.close()
  }

  private async ask (req: VerificationRequest): Promise<number> {
    const { coordinator, metadata, brokerId } = this.options
    const leader = metadata.partition(coordinator.topic.name, coordinator.topic.partitionFor(req.transactionalId))?.leader ?? -1
    if (leader < 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (leader === brokerId) return coordinator.verifyPartitions(req, [req.tp])[0]!.errorCode
    try {
      const connection = await this.options.connections.get(leader)
      const response = await connection.send(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, VERIFY_VERSION, {
        transactions: [{
          transactionalId: req.transactionalId,
          producerId: req.producerId,
          producerEpoch: req.producerEpoch,
          verifyOnly: true,
          topics: [{ name: req.tp.topic, partitions: [req.tp.partition] }],
        }],
      })
      if (response.errorCode !== ErrorCode.NONE) return response.errorCode
      const result = response.resultsByTransaction.find(t => t.transactionalId === req.transactionalId)
        ?.topicResults.find(t => t.name === req.tp.topic)?.resultsByPartition.find(p => p.partitionIndex === req.tp.partition)
      return result?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR
    } catch (err) {
      this.options.log.debug('transaction verification failed', { coordinator: leader, transactionalId: req.transactionalId, error: (err as Error).message })
      this.options.connections.drop(leader)
      return ErrorCode.NETWORK_EXCEPTION
    }
  }
}
