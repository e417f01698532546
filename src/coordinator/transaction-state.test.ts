import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTransactionLogRecord, transactionLogRecord } from './transaction-log.js'
import {
  abandonTransition, completeTransition, fenceProducerEpoch, IllegalTransactionTransition, newTransactionMetadata, partitionKey, prepareTransition,
  type TransactionStateName,
} from './transaction-state.js'

const tp = { topic: 't', partition: 0 }

test('a transaction goes Empty → Ongoing → PrepareCommit → CompleteCommit, each step pending until written', () => {
  const m = newTransactionMetadata('tx', 1000, 60_000, 1)
  const steps: TransactionStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit', 'Ongoing', 'PrepareAbort', 'CompleteAbort', 'Empty']
  for (const [i, to] of steps.entries()) {
    const next = prepareTransition(m, to, to === 'Ongoing' ? { partitions: new Map([[partitionKey(tp), tp]]) } : {}, 10 + i)
    assert.equal(m.pendingState, to)
    assert.throws(() => prepareTransition(m, to, {}, 0), IllegalTransactionTransition, 'one transition at a time')
    completeTransition(m, next)
    assert.equal(m.state, to)
    assert.equal(m.pendingState, undefined)
    assert.equal(m.txnLastUpdateTimestampMs, 10 + i)
  }
})

test('transitions outside Kafka\'s validPreviousStates throw; an abandoned one changes nothing', () => {
  const m = newTransactionMetadata('tx', 1000, 60_000, 1)
  assert.throws(() => prepareTransition(m, 'PrepareCommit', {}, 0), IllegalTransactionTransition, 'Empty cannot commit')
  assert.throws(() => prepareTransition(m, 'CompleteAbort', {}, 0), IllegalTransactionTransition)
  assert.throws(() => fenceProducerEpoch(m), IllegalTransactionTransition, 'only an ongoing transaction is fenced')
  prepareTransition(m, 'Ongoing', {}, 0)
  abandonTransition(m)
  assert.equal(m.state, 'Empty')
  assert.equal(m.pendingState, undefined)
})

test('fencing bumps the epoch in memory (PrepareEpochFence) and goes on to PrepareAbort', () => {
  const m = { ...newTransactionMetadata('tx', 1000, 60_000, 1), state: 'Ongoing' as const, producerEpoch: 3 }
  fenceProducerEpoch(m)
  assert.equal(m.state, 'PrepareEpochFence')
  assert.equal(m.producerEpoch, 4)
  assert.throws(() => prepareTransition(m, 'PrepareCommit', {}, 0), IllegalTransactionTransition)
  const next = prepareTransition(m, 'PrepareAbort', {}, 5)
  completeTransition(m, next)
  assert.equal(m.state, 'PrepareAbort')
  assert.equal(m.producerEpoch, 4)
})

test('__transaction_state records round-trip in Kafka\'s format (key v0, value v0, partitions null when Empty)', () => {
  const m = { ...newTransactionMetadata('tx-ü', 2 ** 40, 60_000, 7), state: 'Ongoing' as const, producerEpoch: 2, txnStartTimestampMs: 5 }
  m.partitions.set(partitionKey(tp), tp)
  m.partitions.set(partitionKey({ topic: 't', partition: 3 }), { topic: 't', partition: 3 })
  const record = transactionLogRecord(m)
  assert.equal((record.key as Buffer).readInt16BE(0), 0, 'key version 0')
  const value = record.value as Buffer
  assert.equal(value.readInt16BE(0), 0, 'value version 0')
  assert.equal(value.readInt8(2 + 8 + 2 + 4), 1, 'Ongoing is status 1')
  const back = parseTransactionLogRecord(record.key as Buffer, value)
  assert.equal(back.transactionalId, 'tx-ü')
  assert.deepEqual({ ...back.metadata, partitions: [...back.metadata!.partitions.values()] }, { ...m, partitions: [...m.partitions.values()] })
  const empty = transactionLogRecord({ ...m, state: 'Empty', partitions: new Map() })
  // transaction_partitions null: an int32 -1 after producer id, epoch, timeout and status
  assert.equal((empty.value as Buffer).readInt32BE(2 + 8 + 2 + 4 + 1), -1)
  assert.equal(parseTransactionLogRecord(record.key as Buffer, null).metadata, null, 'a tombstone')
})
