/**
 * `<base offset>.txnindex`: the aborted transactions whose abort marker lies in one segment
 * (Kafka's TransactionIndex and AbortedTxn), so that a read_committed Fetch can tell the consumer
 * which records to drop. Entries are appended in marker order, 34 bytes each, Kafka's format:
 *
 *   version int16 (0), producer_id int64, first_offset int64, last_offset int64 (the marker),
 *   last_stable_offset int64 (the partition's first unstable offset once the transaction ended)
 *
 * Aborts are rare: the entries live in memory (loaded on first use) and each append is one small
 * write at the end of the file. Truncation rewrites the file atomically.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { readInt64, writeInt64 } from '../protocol/primitives/int64.js'
import { atomicWrite } from './atomic-write.js'

export const ABORTED_TXN_BYTES = 34
const VERSION = 0

export interface AbortedTxn {
  producerId: number
  firstOffset: number
  lastOffset: number
  lastStableOffset: number
}

export class TransactionIndex {
  private entries?: AbortedTxn[]

  constructor (readonly path: string) {}

  get all (): readonly AbortedTxn[] { return this.load() }

  /** Appends an aborted transaction; one whose marker is not past the last entry's is a replay of it, and ignored. */
  append (txn: AbortedTxn): void {
    const entries = this.load()
    const last = entries.at(-1)
    if (last !== undefined && txn.lastOffset <= last.lastOffset) return
    appendFileSync(this.path, encode(txn))
    entries.push(txn)
  }

  /**
   * Kafka's TransactionIndex.collectAbortedTxns: the entries whose range reaches into
   * [fetchOffset, upperBoundOffset); `complete` when an entry's last stable offset reached the
   * upper bound, so that later segments need not be searched.
   */
  collectAbortedTxns (fetchOffset: number, upperBoundOffset: number): { txns: AbortedTxn[], complete: boolean } {
    const txns: AbortedTxn[] = []
    for (const txn of this.load()) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) txns.push(txn)
      if (txn.lastStableOffset >= upperBoundOffset) return { txns, complete: true }
    }
    return { txns, complete: false }
  }

  /** Drops the entries whose marker is at or after `offset` (the segment was truncated there). */
  truncateTo (offset: number): void {
    const entries = this.load()
    const kept = entries.filter(e => e.lastOffset < offset)
    if (kept.length === entries.length) return
    this.entries = kept
    atomicWrite(this.path, Buffer.concat(kept.map(encode)))
  }

  delete (): void {
    rmSync(this.path, { force: true })
    this.entries = []
  }

  private load (): AbortedTxn[] {
    if (this.entries !== undefined) return this.entries
    const entries: AbortedTxn[] = []
    if (existsSync(this.path)) {
      const buf = readFileSync(this.path)
      // A torn last entry (a crash mid-append) is dropped: the log replay appends it again.
      for (let at = 0; at + ABORTED_TXN_BYTES <= buf.length; at += ABORTED_TXN_BYTES) {
        if (buf.readInt16BE(at) !== VERSION) break
        entries.push({ producerId: readInt64(buf, at + 2), firstOffset: readInt64(buf, at + 10), lastOffset: readInt64(buf, at + 18), lastStableOffset: readInt64(buf, at + 26) })
      }
    }
    this.entries = entries
    return entries
  }
}

function encode (txn: AbortedTxn): Buffer {
  const buf = Buffer.alloc(ABORTED_TXN_BYTES)
  buf.writeInt16BE(VERSION, 0)
  writeInt64(buf, 2, txn.producerId)
  writeInt64(buf, 10, txn.firstOffset)
  writeInt64(buf, 18, txn.lastOffset)
  writeInt64(buf, 26, txn.lastStableOffset)
  return buf
}
