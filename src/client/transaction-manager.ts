/**
 * The idempotent producer's part of Java's TransactionManager (KIP-98): a producer id and epoch
 * from InitProducerId, and for each partition the sequence its next batch starts at. A batch gets
 * its sequence when it is first sent and keeps it on every retry, so a broker that already wrote
 * it answers the retry with the original offset instead of writing it twice.
 *
 * Order: a batch being retried waits until nothing else of its partition is in flight, and retries
 * queue in sequence order (RecordAccumulator.reenqueue), so a partition's batches reach the broker
 * in sequence order. A batch answered OUT_OF_ORDER_SEQUENCE_NUMBER while an earlier one of its
 * partition is unanswered or being retried was only refused for that earlier gap: it is retried.
 *
 * A batch with a sequence that fails for good (out of retries or delivery.timeout.ms, or a
 * non-retriable error) leaves a gap the broker would refuse every later batch for, and a producer
 * the broker fences (INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID) cannot go on: either way the
 * producer takes a new producer id once nothing is in flight, and sequences start again at 0 (the
 * Java client bumps the epoch instead where the broker supports KIP-360; a new id is what it did
 * before). A batch retried under the new id may then be written twice, as in Java.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/init-producer-id.js'
import { KafkaError } from '../errors.js'
import { describeError, type KafkaClient } from './kafka-client.js'
import type { ProducerBatch } from './producer-batch.js'

const INIT_PRODUCER_ID_VERSIONS = { min: 0, max: 4 }
/** Sequences are int32 and wrap to 0 past Integer.MAX_VALUE (DefaultRecordBatch.incrementSequence). */
const SEQUENCE_MODULUS = 2 ** 31

interface PartitionState {
  nextSequence: number
  /** The last sequence the broker acknowledged; -1 before the first. */
  lastAcked: number
  inFlight: number
}

export class TransactionManager {
  private producerId = -1
  private producerEpoch = -1
  private readonly partitions = new Map<string, PartitionState>()
  private initializing?: Promise<void>
  private resetNeeded = false

  constructor (private readonly client: KafkaClient) {}

  /** Whether batches may be sent now: a producer id is known and no new one is due. */
  get ready (): boolean { return this.producerId >= 0 && !this.resetNeeded }

  /**
   * Gets a (new) producer id when one is needed and nothing is in flight; `onDone` runs after.
   * Failures are retried by the client's backoff until default.api.timeout.ms, then reported.
   */
  maybeInitialize (batchesInFlight: number, onDone: (err?: KafkaError) => void): void {
    if (this.ready || this.initializing !== undefined || batchesInFlight > 0) return
    this.initializing = this.client.retry('InitProducerId', async () => {
      const conn = await this.client.anyConnection()
      const version = conn.version(InitProducerIdRequest, INIT_PRODUCER_ID_VERSIONS.min, INIT_PRODUCER_ID_VERSIONS.max)
      const r = await conn.send(InitProducerIdRequest, InitProducerIdResponse, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
      if (r.errorCode !== ErrorCode.NONE) throw new KafkaError(r.errorCode as ErrorCode, `InitProducerId failed: ${describeError(r.errorCode, null)}`)
      return r
    }).then(r => {
      this.producerId = r.producerId
      this.producerEpoch = r.producerEpoch
      this.partitions.clear()
      this.resetNeeded = false
      onDone()
    }, (err: unknown) => onDone(err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message, { cause: err })))
      .finally(() => { this.initializing = undefined })
  }

  /** Whether `batch` may go out now: a retry waits until nothing else of its partition is in flight. */
  canSend (batch: ProducerBatch): boolean {
    return !this.isCurrent(batch) || (this.partitions.get(keyOf(batch))?.inFlight ?? 0) === 0
  }

  /** Gives a batch about to be sent its producer id, epoch and sequence (kept on a retry), and counts it in flight. */
  sending (batch: ProducerBatch): void {
    const state = this.stateOf(batch)
    if (!this.isCurrent(batch)) {
      batch.producerId = this.producerId
      batch.producerEpoch = this.producerEpoch
      batch.baseSequence = state.nextSequence
      state.nextSequence = (state.nextSequence + batch.recordCount) % SEQUENCE_MODULUS
    }
    state.inFlight++
  }

  /** The broker appended the batch (or had it already). */
  acknowledged (batch: ProducerBatch): void {
    const state = this.answered(batch)
    if (state !== undefined) state.lastAcked = (batch.baseSequence + batch.recordCount - 1) % SEQUENCE_MODULUS
  }

  /**
   * Whether an error for `batch` is worth a retry here beyond the client's retriable errors:
   * OUT_OF_ORDER_SEQUENCE_NUMBER when an earlier batch of the partition is not acknowledged yet,
   * and a fenced producer id (which a new id cures). Called once per answered batch in error.
   */
  failed (batch: ProducerBatch, code: number): boolean {
    const state = this.answered(batch)
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      this.resetNeeded = true
      return true
    }
    if (code !== ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || state === undefined) return isRetriable(code)
    return batch.baseSequence !== (state.lastAcked + 1) % SEQUENCE_MODULUS
  }

  /** A batch that will not be retried: if the broker never got it, its sequence is a gap, and the producer starts over with a new id. */
  abandoned (batch: ProducerBatch): void {
    if (this.isCurrent(batch)) this.resetNeeded = true
  }

  private answered (batch: ProducerBatch): PartitionState | undefined {
    if (!this.isCurrent(batch)) return undefined
    const state = this.stateOf(batch)
    state.inFlight--
    return state
  }

  /** Whether the batch carries a sequence of the current producer id (an older id's is reassigned). */
  private isCurrent (batch: ProducerBatch): boolean {
    return batch.baseSequence >= 0 && batch.producerId === this.producerId && batch.producerEpoch === this.producerEpoch
  }

  private stateOf (batch: ProducerBatch): PartitionState {
    const key = keyOf(batch)
    let state = this.partitions.get(key)
    if (state === undefined) this.partitions.set(key, state = { nextSequence: 0, lastAcked: -1, inFlight: 0 })
    return state
  }
}

function keyOf (batch: ProducerBatch): string {
  return `${batch.topic}\u0000${batch.partition}`
}
