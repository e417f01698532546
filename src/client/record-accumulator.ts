/**
 * Batches per partition (Java's RecordAccumulator). A partition's head batch is ready to send when
 * it is full, when a newer batch queues behind it, when linger.ms has passed since it was opened,
 * or when the producer is flushing. buffer.memory bounds the bytes held here: past it `hasRoom`
 * turns false and `waitForRoom` parks callers until sent batches give their bytes back.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import type { RecordHeader } from '../protocol/records/record.js'
import { KafkaError } from '../errors.js'
import { bufferBytes, ProducerBatch, type DeliveryCallback } from './producer-batch.js'

export interface AccumulatorConfig {
  batchSize: number
  lingerMs: number
  bufferMemory: number
}

/** Record overhead beyond key and value, for deciding whether a record fits before encoding it. */
const RECORD_OVERHEAD_BYTES = 21
/** At most this many records' bookkeeping is allocated when a batch opens (it grows past it if need be). */
const MAX_EXPECTED_RECORDS = 4096

export class RecordAccumulator {
  /** Encoded bytes of every batch not yet completed. */
  bufferedBytes = 0
  /** Every partition's queue, oldest batch first; `byTopic` finds them without building a key per record. */
  private readonly queues: ProducerBatch[][] = []
  private readonly byTopic = new Map<string, ProducerBatch[][]>()
  private roomWaiters: Array<() => void> = []
  /**
   * Buffers of finished batches, for new batches to encode into (Java's BufferPool): a fresh
   * batch-sized buffer is fresh memory, and first-touch page faults made encoding a record cost
   * several times the copy itself. At most buffer.memory's worth is kept.
   */
  private readonly free: Buffer[] = []

  constructor (private readonly config: AccumulatorConfig) {}

  get hasRoom (): boolean { return this.bufferedBytes < this.config.bufferMemory }

  /** Whether any batch is waiting to be sent. */
  get isEmpty (): boolean {
    for (const q of this.queues) if (q.length > 0) return false
    return true
  }

  /** Encodes a record into its partition's open batch (opening one when none has room). */
  append (topic: string, partition: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, nowMs: number, callback?: DeliveryCallback): number {
    const queue = this.queueFor(topic, partition)
    let batch = queue[queue.length - 1]
    let estimate = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0)
    for (const h of headers) estimate += h.key.length + (h.value?.length ?? 0) + 2
    if (batch === undefined || batch.attempts > 0 || !batch.hasRoomFor(estimate)) {
      // records like this one are what will fill the batch (capped: a batch may leave early)
      const expectedRecords = Math.min(MAX_EXPECTED_RECORDS, Math.ceil(this.config.batchSize / estimate))
      batch = new ProducerBatch(topic, partition, this.config.batchSize, nowMs, this.free.pop(), expectedRecords)
      queue.push(batch)
    }
    const bytes = batch.append(key, value, headers, timestamp, callback)
    this.bufferedBytes += bytes
    return bytes
  }

  /**
   * Takes the head batch of every partition that is ready now and accepted by `take` (the sender
   * checks leaders and in-flight limits there); the rest stay queued in order.
   */
  drain (nowMs: number, flushing: boolean, take: (batch: ProducerBatch) => boolean): ProducerBatch[] {
    const out: ProducerBatch[] = []
    for (const queue of this.queues) {
      const head = queue[0]
      if (head === undefined || head.retryAtMs > nowMs) continue
      const ready = flushing || queue.length > 1 || head.isFull || nowMs - head.createdMs >= this.config.lingerMs
      if (ready && take(head)) out.push(queue.shift()!)
    }
    return out
  }

  /** Milliseconds until the next batch turns ready by lingering or backing off; undefined if none waits. */
  nextReadyInMs (nowMs: number): number | undefined {
    let next: number | undefined
    for (const queue of this.queues) {
      const head = queue[0]
      if (head === undefined) continue
      const at = Math.max(head.retryAtMs, head.createdMs + this.config.lingerMs)
      next = Math.min(next ?? Infinity, Math.max(0, at - nowMs))
    }
    return next
  }

  /**
   * A batch to retry goes back to the head of its partition's queue, ahead of newer records; among
   * other retries there, in sequence order (an idempotent producer's batches reach the broker in order).
   */
  reenqueue (batch: ProducerBatch): void {
    const queue = this.queueFor(batch.topic, batch.partition)
    let i = 0
    if (batch.baseSequence >= 0) {
      while (i < queue.length && queue[i]!.attempts > 0 && queue[i]!.baseSequence >= 0 && queue[i]!.baseSequence < batch.baseSequence) i++
    }
    queue.splice(i, 0, batch)
  }

  /** A batch is done (delivered or failed): its bytes are free for new records. */
  release (batch: ProducerBatch): void {
    this.bufferedBytes -= batch.recordBytes
    if (batch.buffer.length === bufferBytes(this.config.batchSize) && (this.free.length + 1) * batch.buffer.length <= this.config.bufferMemory) this.free.push(batch.buffer)
    if (!this.hasRoom) return
    const waiters = this.roomWaiters
    this.roomWaiters = []
    for (const wake of waiters) wake()
  }

  /** Resolves when buffer.memory has room; fails after `timeoutMs` as Java's max.block.ms does. */
  async waitForRoom (timeoutMs: number): Promise<void> {
    if (this.hasRoom) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.roomWaiters = this.roomWaiters.filter(w => w !== wake)
        reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `buffer.memory (${this.config.bufferMemory} bytes) stayed full for max.block.ms (${timeoutMs} ms)`))
      }, timeoutMs)
      const wake = (): void => { clearTimeout(timer); resolve() }
      this.roomWaiters.push(wake)
    })
  }

  /** Fails every queued batch (the producer is closing without flushing). */
  abort (err: KafkaError): ProducerBatch[] {
    const all: ProducerBatch[] = []
    for (const queue of this.queues) all.push(...queue.splice(0))
    for (const batch of all) {
      batch.fail(err)
      this.release(batch)
    }
    return all
  }

  private queueFor (topic: string, partition: number): ProducerBatch[] {
    let partitions = this.byTopic.get(topic)
    if (partitions === undefined) this.byTopic.set(topic, partitions = [])
    let queue = partitions[partition]
    if (queue === undefined) {
      partitions[partition] = queue = []
      this.queues.push(queue)
    }
    return queue
  }
}
