/**
 * What a partition remembers of one producer (Kafka's ProducerStateEntry and BatchMetadata): its
 * epoch, the sequence and offset ranges of its last five batches (the producer never has more in
 * flight: max.in.flight.requests.per.connection <= 5 with idempotence), and its last timestamp.
 * For transactions: the epoch of the coordinator that wrote the producer's last marker, and the
 * first offset of its open transaction on this partition (both snapshotted).
 */
import { decrementSequence, NO_SEQUENCE } from '../protocol/records/record-batch.js'

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const NUM_BATCHES_TO_RETAIN = 5
/** RecordBatch.NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_EPOCH = -1
const INT32_MAX = 0x7fffffff

/** One appended batch: its last sequence and offset, and how many records before them it holds. */
export interface BatchMetadata {
  lastSeq: number
  lastOffset: number
  offsetDelta: number
  timestamp: number
}

export function firstSeqOf (batch: BatchMetadata): number { return decrementSequence(batch.lastSeq, batch.offsetDelta) }
export function firstOffsetOf (batch: BatchMetadata): number { return batch.lastOffset - batch.offsetDelta }

export class ProducerStateEntry {
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN, all of producerEpoch. */
  readonly batchMetadata: BatchMetadata[]

  constructor (
    readonly producerId: number,
    public producerEpoch: number,
    public coordinatorEpoch: number,
    public lastTimestamp: number,
    /** The first offset of the producer's open transaction, -1 when none. */
    public currentTxnFirstOffset: number,
    batchMetadata: BatchMetadata[] = [],
  ) {
    this.batchMetadata = batchMetadata
  }

  static empty (producerId: number): ProducerStateEntry {
    return new ProducerStateEntry(producerId, NO_PRODUCER_EPOCH, -1, -1, -1)
  }

  get isEmpty (): boolean { return this.batchMetadata.length === 0 }
  get firstSeq (): number { return this.isEmpty ? NO_SEQUENCE : firstSeqOf(this.batchMetadata[0]!) }
  get lastSeq (): number { return this.batchMetadata.at(-1)?.lastSeq ?? NO_SEQUENCE }
  get lastDataOffset (): number { return this.batchMetadata.at(-1)?.lastOffset ?? -1 }
  get lastOffsetDelta (): number { return this.batchMetadata.at(-1)?.offsetDelta ?? 0 }

  /** The same producer without its batches (Kafka's withProducerId): where an append starts from. */
  withoutBatches (): ProducerStateEntry {
    return new ProducerStateEntry(this.producerId, this.producerEpoch, this.coordinatorEpoch, this.lastTimestamp, this.currentTxnFirstOffset)
  }

  addBatch (producerEpoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(producerEpoch)
    this.addBatchMetadata({ lastSeq, lastOffset, offsetDelta, timestamp })
    this.lastTimestamp = timestamp
  }

  /** Takes what an append added (Kafka's ProducerStateEntry.update). */
  update (next: ProducerStateEntry): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch)
    for (const batch of next.batchMetadata) this.addBatchMetadata(batch)
    this.coordinatorEpoch = next.coordinatorEpoch
    this.currentTxnFirstOffset = next.currentTxnFirstOffset
    this.lastTimestamp = next.lastTimestamp
  }

  /** The retained batch of this epoch with exactly these sequences: a retry of something already appended. */
  findDuplicateBatch (producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined
    return this.batchMetadata.find(b => firstSeqOf(b) === firstSeq && b.lastSeq === lastSeq)
  }

  /** A new epoch forgets the old one's batches: their sequences start again at 0. */
  maybeUpdateProducerEpoch (producerEpoch: number): void {
    if (this.producerEpoch === producerEpoch) return
    this.batchMetadata.length = 0
    this.producerEpoch = producerEpoch
  }

  private addBatchMetadata (batch: BatchMetadata): void {
    if (this.batchMetadata.length === NUM_BATCHES_TO_RETAIN) this.batchMetadata.shift()
    this.batchMetadata.push(batch)
  }
}

/** Whether `nextSeq` follows `lastSeq` (Kafka's ProducerAppendInfo.inSequence). */
export function inSequence (lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX)
}
