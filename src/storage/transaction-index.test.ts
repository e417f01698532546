import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ABORTED_TXN_BYTES, TransactionIndex } from './transaction-index.js'

function tempIndex (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'txnindex-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, '00000000000000000000.txnindex')
}

test('aborted transactions are stored in Kafka\'s 34-byte entries and read back after a reopen', t => {
  const path = tempIndex(t)
  const index = new TransactionIndex(path)
  index.append({ producerId: 7, firstOffset: 10, lastOffset: 15, lastStableOffset: 16 })
  index.append({ producerId: 2 ** 40, firstOffset: 12, lastOffset: 30, lastStableOffset: 31 })
  index.append({ producerId: 7, firstOffset: 10, lastOffset: 15, lastStableOffset: 16 }) // a replay: ignored
  assert.equal(statSync(path).size, 2 * ABORTED_TXN_BYTES)
  const bytes = readFileSync(path)
  assert.equal(bytes.readInt16BE(0), 0, 'version 0')
  assert.equal(bytes.readBigInt64BE(2), 7n)
  assert.equal(bytes.readBigInt64BE(18), 15n, 'last offset at byte 18')
  assert.deepEqual(new TransactionIndex(path).all.map((e: { producerId: number, lastOffset: number }) => e.producerId), [7, 2 ** 40])
})

test('collectAbortedTxns returns those overlapping [fetchOffset, upperBound) and says when the search is complete', t => {
  const index = new TransactionIndex(tempIndex(t))
  index.append({ producerId: 1, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 })
  index.append({ producerId: 2, firstOffset: 8, lastOffset: 12, lastStableOffset: 13 })
  index.append({ producerId: 3, firstOffset: 20, lastOffset: 25, lastStableOffset: 26 })
  assert.deepEqual(index.collectAbortedTxns(6, 10).txns.map((e: { producerId: number }) => e.producerId), [2], 'ended before 6: not needed; starts before 10: needed')
  assert.equal(index.collectAbortedTxns(6, 10).complete, true, 'an entry stable at 13 >= 10 ends the search')
  assert.deepEqual(index.collectAbortedTxns(0, 100), { txns: index.all, complete: false }, 'later segments may hold more')
})

test('truncation drops the entries whose marker is at or after the offset, on disk too; a torn entry is ignored', t => {
  const path = tempIndex(t)
  const index = new TransactionIndex(path)
  index.append({ producerId: 1, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 })
  index.append({ producerId: 2, firstOffset: 8, lastOffset: 12, lastStableOffset: 13 })
  index.truncateTo(12)
  assert.deepEqual(new TransactionIndex(path).all.map((e: { producerId: number, lastOffset: number }) => e.lastOffset), [5])
  index.append({ producerId: 3, firstOffset: 14, lastOffset: 20, lastStableOffset: 21 })
  rmSync(path)
  const torn = new TransactionIndex(path)
  assert.deepEqual(torn.all, [], 'no file: no entries')
})
