/**
 * Reads a partition's records for the dashboard through the gateway's shared fetch
 * (src/gateway/shared-fetch.ts), so the message browser, lag in time and the __consumer_offsets
 * tail share the cache and the one Fetch per leader with the sockets' subscriptions.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import { Reader } from '../protocol/primitives/reader.js'
import { RecordView } from '../protocol/records/record.js'
import type { FetchedChunk, FetchWaiter, SharedFetch } from '../gateway/shared-fetch.js'

export interface ReadRecord {
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Array<{ key: string, value: Buffer | null }>
}

/** The records of `chunk` at or after `fromOffset`, in offset order. */
export function recordsIn (chunk: FetchedChunk, fromOffset: number): ReadRecord[] {
  const out: ReadRecord[] = []
  const view = new RecordView()
  for (const batch of chunk.batches) {
    if (batch.nextOffset <= fromOffset) continue
    const reader = new Reader(batch.records)
    for (let i = 0; i < batch.count; i++) {
      view.read(reader)
      const offset = batch.baseOffset + view.offsetDelta
      if (offset < fromOffset) continue
      out.push({
        partition: chunk.partition,
        offset,
        timestamp: batch.timestampType === 'LogAppendTime' ? batch.maxTimestamp : batch.baseTimestamp + view.timestampDelta,
        key: view.key(),
        value: view.value(),
        headers: view.headers(),
      })
    }
  }
  return out
}

/**
 * One fetch's worth of records of a partition from `offset`: the records and the offset after
 * them. At the end of the log it waits (the broker's long poll) at most `waitMs`, then answers
 * none, `nextOffset` unchanged. Errors (OFFSET_OUT_OF_RANGE, ...) are thrown.
 */
export async function readChunk (fetch: SharedFetch, topic: string, partition: number, offset: number, waitMs: number): Promise<{ records: ReadRecord[], nextOffset: number }> {
  const cached = fetch.chunkAt(topic, partition, offset)
  if (cached !== undefined) return { records: recordsIn(cached, offset), nextOffset: cached.nextOffset }
  return await new Promise((resolve, reject) => {
    const waiter: FetchWaiter = {
      fetched: (_t, _p, _o, error?: KafkaError) => {
        clearTimeout(timer)
        fetch.forget(waiter)
        if (error !== undefined) return reject(error)
        const chunk = fetch.chunkAt(topic, partition, offset)
        // evicted between its arrival and now: the caller asks again
        if (chunk === undefined) return resolve({ records: [], nextOffset: offset })
        resolve({ records: recordsIn(chunk, offset), nextOffset: chunk.nextOffset })
      },
    }
    const timer = setTimeout(() => {
      fetch.forget(waiter)
      resolve({ records: [], nextOffset: offset })
    }, waitMs)
    fetch.want(topic, partition, offset, waiter)
  })
}

export function isOutOfRange (err: unknown): boolean {
  return err instanceof KafkaError && err.code === ErrorCode.OFFSET_OUT_OF_RANGE
}
