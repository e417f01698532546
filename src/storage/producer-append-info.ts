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
 */
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { NO_SEQUENCE, type AppendOrigin } from '../protocol/records/record-batch.js'
import { inSequence, NO_PRODUCER_EPOCH, type ProducerStateEntry } from './producer-state-entry.js'

export interface ProducerStateError {
  errorCode: typeof ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER | typeof ErrorCode.INVALID_PRODUCER_EPOCH
  reason: string
}

export class ProducerAppendInfo {
  /** The entry as this append leaves it: the current one's epoch and timestamps, and only the new batches. */
  readonly updatedEntry: ProducerStateEntry

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
  appendDataBatch (epoch: number, firstSeq: number, lastSeq: number, lastTimestamp: number, firstOffset: number, lastOffset: number): ProducerStateError | null {
    const error = this.checkProducerEpoch(epoch, firstOffset) ?? (this.origin === 'client' ? this.checkSequence(epoch, firstSeq, firstOffset) : null)
    if (error !== null) return error
    this.updatedEntry.addBatch(epoch, lastSeq, lastOffset, lastOffset - firstOffset, lastTimestamp)
    return null
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
