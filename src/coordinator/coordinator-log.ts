/**
 * Reading and writing a coordinator's partition of its internal topic, shared by the group and
 * the transaction coordinators: the load replays the log in chunks, yielding between them; a write
 * appends one batch with acks=-1 and waits for the ISR, answering a coordinator error code
 * (Kafka's GroupMetadataManager.storeGroup / TransactionStateManager.appendTransactionToLog mappings).
 */
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { recordBatches, type RecordBatch } from '../protocol/records/record-batch.js'
import { buildRecordBatch, decodeRecordBatch, type ConsumerRecord, type RecordInput } from '../protocol/records/record.js'
import { delayedProduce } from '../replication/delayed-produce.js'
import type { Partition } from '../replication/partition.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { Scheduler } from '../scheduler.js'
import type { TransactionVerification } from '../storage/partition-log.js'

const LOAD_CHUNK_BYTES = 1024 * 1024

export interface CoordinatorLogDeps {
  replicas: Pick<ReplicaManager, 'waitForData'>
  scheduler: Scheduler
  /** How long a write waits for the ISR (offsets.commit.timeout.ms, transaction's request timeout). */
  writeTimeoutMs: number
}

/**
 * A transactional write: the producer's id and epoch go on the batch (TxnOffsetCommit). With
 * `verification` (KIP-890), the log appends it only while the producer's transaction is open on
 * the partition or the coordinator's verification still stands, as for a producer's own batches.
 */
export interface TransactionalWrite { producerId: number, producerEpoch: number, verification?: TransactionVerification }

/**
 * Visits every batch from the log start to the end the load began at, with its records decoded
 * (none for a control batch or one that cannot be decoded, which is logged and skipped, as
 * Kafka's loaders skip what they cannot read: giving up would leave the partition without a
 * coordinator for good). Stops early when `loading` turns false. Returns the number of records.
 */
export async function replayCoordinatorLog (partition: Partition, loading: () => boolean, visit: (batch: RecordBatch, records: ConsumerRecord[]) => void, log: Logger): Promise<number> {
  const plog = partition.log
  let offset = plog.logStartOffset
  const end = plog.logEndOffset
  let records = 0
  while (offset < end && loading()) {
    const read = partition.read(offset, LOAD_CHUNK_BYTES, 'logEnd', true)
    if (read.errorCode !== 0 || read.records.length === 0) break
    for (const batch of recordBatches(read.records)) {
      offset = batch.nextOffset
      const decoded = batch.isControl ? [] : decodeOrSkip(batch, log)
      records += decoded.length
      visit(batch, decoded)
    }
    await new Promise(resolve => setImmediate(resolve)) // let other partitions' requests in between chunks
  }
  return records
}

/** Appends records with acks=-1 and waits for the ISR; answers with a coordinator error code. */
export async function appendCoordinatorRecords (
  partition: Partition, deps: CoordinatorLogDeps, records: RecordInput[],
  errorFor: (code: number) => number = storeErrorFor, txn?: TransactionalWrite,
): Promise<{ errorCode: number, baseOffset: number }> {
  const batch = buildRecordBatch({ records, baseTimestamp: deps.scheduler.now(), ...(txn === undefined ? {} : { transactional: true, producerId: txn.producerId, producerEpoch: txn.producerEpoch }) })
  const appended = partition.appendRecordsAsLeader(batch, -1, 'coordinator', txn?.verification)
  if (appended.errorCode !== ErrorCode.NONE) return { errorCode: errorFor(appended.errorCode), baseOffset: -1 }
  const code = await delayedProduce(deps.replicas as ReplicaManager, partition, appended.lastOffset, deps.writeTimeoutMs)
  return { errorCode: code === ErrorCode.NONE ? code : errorFor(code), baseOffset: appended.baseOffset }
}

/** Kafka's GroupMetadataManager.storeGroup error mapping (the transaction coordinator's is the same for these). */
export function storeErrorFor (code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: case ErrorCode.NOT_ENOUGH_REPLICAS: case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND: case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE
    case ErrorCode.NOT_LEADER_OR_FOLLOWER: case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR
  }
}

function decodeOrSkip (batch: RecordBatch, log: Logger): ConsumerRecord[] {
  try {
    return decodeRecordBatch(batch.buffer.subarray(batch.position, batch.position + batch.sizeInBytes)).records
  } catch (err) {
    log.warn('skipped undecodable batch', { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, error: (err as Error).message })
    return []
  }
}
