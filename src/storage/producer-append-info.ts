/**
 * The checks and changes one append makes to one producer's state (Kafka's ProducerAppendInfo):
 * built from the producer's current entry, it takes the append's batches in order, and
 * ProducerStateManager.update applies them once the append is in the log. A batch it refuses
 * refuses the whole append, so nothing of a request that fails reaches the log.
 *
 * A client's batch (origin 'client') must carry the producer's current epoch or a newer one
 * (else INVALID_PRODUCER_EPOCH), and a sequence that follows the last one (else
 * OUT_OF_ORDER_SEQUENCE_NUMBER); a new epoch starts at sequence 0. A producer the partition knows
 * nothing of may start at any sequence (KIP-360: its state may have gone with retention or
 * producer.id.expiration.ms), so UNKNOWN_PRODUCER_ID is never answered. A leader's batch
 * (origin 'replication', and the log replayed at load) is taken as it is.
 *
 * Transactions: a producer's first transactional batch opens its transaction on this partition
 * (currentTxnFirstOffset); a non-transactional batch while one is open is INVALID_TXN_STATE. A
 * marker (origin 'coordinator', or replicated) closes it and yields the CompletedTxn the log
 * turns into a last stable offset move and, for an abort, a .txnindex entry.
 */
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { NO_SEQUENCE, type AppendOrigin } from '../protocol/records/record-batch.js'
import { inSequence, NO_PRODUCER_EPOCH, type ProducerStateEntry } from './producer-state-entry.js'

export interface ProducerStateError {
  errorCode: typeof ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER | typeof ErrorCode.INVALID_PRODUCER_EPOCH | typeof ErrorCode.INVALID_TXN_STATE | typeof ErrorCode.TRANSACTION_COORDINATOR_FENCED
  reason: string
}

/** An open transaction of one producer on this partition (Kafka's TxnMetadata). */
export interface TxnMetadata { producerId: number, firstOffset: number }

/** A transaction a marker ended (Kafka's CompletedTxn); lastOffset is the marker's offset. */
export interface CompletedTxn { producerId: number, firstOffset: number, lastOffset: number, isAborted: boolean }

export class ProducerAppendInfo {
  /** The entry as this append leaves it: the current one's epoch and timestamps, and only the new batches. */
  readonly updatedEntry: ProducerStateEntry
  /** Transactions this append opened. */
  readonly startedTransactions: TxnMetadata[] = []

  constructor (
    private readonly topicPartition: string,
    readonly producerId: number,
    private readonly currentEntry: ProducerStateEntry,
    private readonly origin: AppendOrigin,
    private readonly logger: Logger,
  ) {
    this.updatedEntry = currentEntry.withoutBatches()
  }

  /** Takes one data batch at [firstOffset, lastOffset]; an error leaves the state as it was. */
  appendDataBatch (epoch: number, firstSeq: number, lastSeq: number, lastTimestamp: number, firstOffset: number, lastOffset: number, isTransactional = false): ProducerStateError | null {
    const error = this.checkProducerEpoch(epoch, firstOffset) ?? (this.origin === 'client' ? this.checkSequence(epoch, firstSeq, firstOffset) : null)
    if (error !== null) return error
    const entry = this.updatedEntry
    if (!isTransactional && entry.currentTxnFirstOffset >= 0 && this.origin === 'client') {
      return { errorCode: ErrorCode.INVALID_TXN_STATE, reason: `Expected transactional write from producer ${this.producerId} at offset ${firstOffset} in partition ${this.topicPartition}` }
    }
    entry.addBatch(epoch, lastSeq, lastOffset, lastOffset - firstOffset, lastTimestamp)
    if (isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset
      this.startedTransactions.push({ producerId: this.producerId, firstOffset })
    }
    return null
  }

  /**
   * Takes a commit or abort marker at `offset` (Kafka's appendEndTxnMarker): an older producer
   * epoch is INVALID_PRODUCER_EPOCH, an older coordinator epoch TRANSACTION_COORDINATOR_FENCED (a
   * deposed coordinator's late marker). A marker with no open transaction still ends one, empty.
   */
  appendEndTxnMarker (commit: boolean, coordinatorEpoch: number, producerEpoch: number, offset: number, timestamp: number): { completed: CompletedTxn } | { error: ProducerStateError } {
    const error = this.checkProducerEpoch(producerEpoch, offset)
    if (error !== null) return { error }
    const entry = this.updatedEntry
    if (this.origin !== 'replication' && entry.coordinatorEpoch > coordinatorEpoch) {
      return { error: { errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED, reason: `Invalid coordinator epoch for producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)` } }
    }
    entry.maybeUpdateProducerEpoch(producerEpoch)
    const firstOffset = entry.currentTxnFirstOffset >= 0 ? entry.currentTxnFirstOffset : offset
    entry.currentTxnFirstOffset = -1
    entry.coordinatorEpoch = coordinatorEpoch
    entry.lastTimestamp = timestamp
    return { completed: { producerId: this.producerId, firstOffset, lastOffset: offset, isAborted: !commit } }
  }

  /**
   * Since Kafka 2.7 an old epoch is INVALID_PRODUCER_EPOCH (no longer PRODUCER_FENCED), which lets
   * the client abort and retry; a replica takes the leader's batch anyway and only warns.
   */
  private checkProducerEpoch (epoch: number, offset: number): ProducerStateError | null {
    const current = this.updatedEntry.producerEpoch
    if (epoch >= current) return null
    const reason = `Epoch of producer ${this.producerId} at offset ${offset} in ${this.topicPartition} is ${epoch}, which is smaller than the last seen epoch ${current}`
    if (this.origin === 'replication') {
      this.logger.warn('replicated batch with an older producer epoch', { producerId: this.producerId, epoch, currentEpoch: current, offset })
      return null
    }
    return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, reason }
  }

  private checkSequence (epoch: number, firstSeq: number, offset: number): ProducerStateError | null {
    if (epoch !== this.updatedEntry.producerEpoch) {
      if (firstSeq !== 0 && this.updatedEntry.producerEpoch !== NO_PRODUCER_EPOCH) {
        return outOfOrder(`Invalid sequence number for new epoch of producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${this.updatedEntry.producerEpoch} (current producer epoch)`)
      }
      return null
    }
    let currentLastSeq: number
    if (!this.updatedEntry.isEmpty) currentLastSeq = this.updatedEntry.lastSeq
    else if (epoch === this.currentEntry.producerEpoch) currentLastSeq = this.currentEntry.lastSeq
    else currentLastSeq = NO_SEQUENCE
    // No epoch known (the producer's records went with retention or DeleteRecords): any sequence starts it.
    if (this.currentEntry.producerEpoch === NO_PRODUCER_EPOCH || inSequence(currentLastSeq, firstSeq)) return null
    return outOfOrder(`Out of order sequence number for producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${firstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`)
  }
}

function outOfOrder (reason: string): ProducerStateError {
  return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, reason }
}
