import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { recordBatches } from '../protocol/records/record-batch.js'
import { decodeRecordBatch } from '../protocol/records/record.js'
import { Partition } from '../replication/partition.js'
import { openTestLog } from '../storage/support/temp-log.js'
import { ManualScheduler } from '../support/manual-scheduler.js'
import { parseTransactionLogRecord } from './transaction-log.js'
import { TransactionPartition } from './transaction-partition.js'
import { newTransactionMetadata, prepareTransition, type TransactionStateName } from './transaction-state.js'

const EXPIRATION_MS = 7 * 24 * 60 * 60_000

function setup (t: { after: (fn: () => void) => void }): { partition: Partition, scheduler: ManualScheduler, open: () => Promise<TransactionPartition> } {
  const { log } = openTestLog(t)
  const partition = new Partition('__transaction_state', 0, 'id', log, 1)
  partition.applyState({ topic: '__transaction_state', partition: 0, replicas: [1], leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, stateVersion: 0 }, 0)
  const scheduler = new ManualScheduler()
  const open = async (): Promise<TransactionPartition> => {
    const tp = new TransactionPartition(partition, { replicas: { waitForData: async () => {} }, scheduler, writeTimeoutMs: 5000 }, silentLogger(), () => {})
    await tp.load()
    return tp
  }
  return { partition, scheduler, open }
}

/** Takes `id` through `states` (from a new id), each written as the coordinator writes it. */
async function walk (tp: TransactionPartition, scheduler: ManualScheduler, id: string, producerId: number, states: TransactionStateName[]): Promise<void> {
  const current = tp.transactions.get(id) ?? newTransactionMetadata(id, producerId, 60_000, scheduler.now())
  tp.transactions.set(id, current)
  for (const to of states) {
    const partitions = to === 'Ongoing' ? new Map([['t\u00000', { topic: 't', partition: 0 }]]) : undefined
    const next = prepareTransition(current, to, { producerEpoch: Math.max(current.producerEpoch, 0), ...(partitions === undefined ? {} : { partitions }) }, scheduler.now())
    assert.equal(await tp.writeTransition(current, next), ErrorCode.NONE, `${id} → ${to}`)
  }
}

/** Every record of the partition's log: the id and whether its value is a tombstone. */
function logRecords (partition: Partition): Array<[string, 'tombstone' | TransactionStateName]> {
  const read = partition.read(0, 1 << 20, 'logEnd', true)
  assert.equal(read.errorCode, 0)
  if (read.errorCode !== 0) return []
  return [...recordBatches(read.records)].flatMap(b => decodeRecordBatch(b.buffer.subarray(b.position, b.position + b.sizeInBytes)).records).map(r => {
    const { transactionalId, metadata } = parseTransactionLogRecord(r.key!, r.value)
    return [transactionalId, metadata === null ? 'tombstone' : metadata.state]
  })
}

test('transactional.id.expiration.ms: ids idle that long in Empty, CompleteCommit or CompleteAbort get a tombstone and are gone, also after a reload; Ongoing, recently used and busy ids stay', async t => {
  const { partition, scheduler, open } = setup(t)
  const tp = await open()
  await walk(tp, scheduler, 'idle-empty', 1, ['Empty'])
  await walk(tp, scheduler, 'idle-commit', 2, ['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit'])
  await walk(tp, scheduler, 'idle-abort', 3, ['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort'])
  await walk(tp, scheduler, 'ongoing', 4, ['Empty', 'Ongoing'])
  await walk(tp, scheduler, 'busy', 5, ['Empty'])
  scheduler.advance(1000)
  await walk(tp, scheduler, 'recent', 6, ['Empty'])

  scheduler.advance(EXPIRATION_MS - 1001)
  assert.deepEqual(await tp.removeExpiredTransactionalIds(EXPIRATION_MS), [], 'one millisecond short of the expiration: nothing goes')
  scheduler.advance(1)
  // A write in flight for 'busy' (as Kafka's pendingState check): not expired now.
  const busy = tp.transactions.get('busy')!
  prepareTransition(busy, 'Ongoing', {}, scheduler.now())
  assert.deepEqual((await tp.removeExpiredTransactionalIds(EXPIRATION_MS)).sort(), ['idle-abort', 'idle-commit', 'idle-empty'])
  assert.deepEqual([...tp.transactions.keys()].sort(), ['busy', 'ongoing', 'recent'])
  assert.equal(busy.pendingState, 'Ongoing', 'the busy id\'s own transition is untouched')
  busy.pendingState = undefined

  assert.deepEqual(logRecords(partition).filter(([, v]) => v === 'tombstone').map(([id]) => id).sort(), ['idle-abort', 'idle-commit', 'idle-empty'], 'one tombstone per expired id, in Kafka\'s format')
  const reloaded = await open()
  assert.deepEqual([...reloaded.transactions.keys()].sort(), ['busy', 'ongoing', 'recent'], 'the tombstones remove them from a reload too')

  scheduler.advance(1000)
  assert.deepEqual((await tp.removeExpiredTransactionalIds(EXPIRATION_MS)).sort(), ['busy', 'recent'], 'the later ones in their turn; Ongoing never')
})

test('transactional id expiration: a tombstone write that fails (no longer the leader) leaves the ids as they were, not pending', async t => {
  const { partition, scheduler, open } = setup(t)
  const tp = await open()
  await walk(tp, scheduler, 'a', 1, ['Empty'])
  scheduler.advance(EXPIRATION_MS)
  partition.applyState({ topic: '__transaction_state', partition: 0, replicas: [1, 2], leader: 2, leaderEpoch: 1, isr: [1, 2], controllerEpoch: 1, stateVersion: 1 }, 0)
  assert.deepEqual(await tp.removeExpiredTransactionalIds(EXPIRATION_MS), [])
  const a = tp.transactions.get('a')
  assert.deepEqual([a?.state, a?.pendingState], ['Empty', undefined])
  assert.ok(!logRecords(partition).some(([, v]) => v === 'tombstone'), 'no tombstone in the log')
})
