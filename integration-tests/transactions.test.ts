import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { createTopic } from './support/admin.js'
import { projectRoot } from './support/broker.js'
import { toJsonLines } from './support/client-records.js'
import { startCluster } from './support/cluster.js'
import { runProcess } from './support/run-process.js'
import { WireConnection, waitForTopic } from './support/wire-connection.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { EndTxnRequest, EndTxnResponse } from '../src/protocol/messages/end-txn.js'
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../src/protocol/messages/add-partitions-to-txn.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../src/protocol/messages/find-coordinator.js'
import { InitProducerIdRequest, InitProducerIdResponse } from '../src/protocol/messages/init-producer-id.js'
import { waitFor } from './support/wait-for.js'

const PYTHON = '/usr/bin/python3'
const TXN_SCRIPT = join(projectRoot, 'integration-tests/clients/python/transactional_client.py')
const CONFLUENT_SCRIPT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
/** Small internal topics: the test creates both on first use. */
const CONFIG = { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3, 'transaction.state.log.replication.factor': 1, 'transaction.state.log.min.isr': 1, 'offsets.topic.replication.factor': 1 }

/** The first answer `ask` gives that is not undefined, asked until waitFor's deadline. */
async function answerOf<T> (what: string, ask: () => Promise<T | undefined>): Promise<T> {
  let answer: T | undefined
  await waitFor(async () => (answer = await ask()) !== undefined, what, { timeoutMs: 20_000 })
  return answer!
}

async function python (args: string[], input = '', timeoutMs = 120_000): Promise<Array<Record<string, unknown>>> {
  const run = await runProcess(PYTHON, args, { input, timeoutMs })
  return run.stdout.trim().split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, unknown>)
}

test('confluent-kafka consume-transform-produce: committed transactions are seen by read_committed, aborted ones only by read_uncommitted; group offsets move only with commits', async t => {
  const cluster = await startCluster({ brokers: 1, config: CONFIG })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'in', { partitions: 1 })
  await createTopic(cluster.bootstrap, 'out', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'out', 1)
  const inputs = Array.from({ length: 30 }, (_, i) => `v${i}`)
  await python([CONFLUENT_SCRIPT, 'produce', cluster.bootstrap, 'in'], toJsonLines(inputs.map((value, i) => ({ key: null, value, headers: [], timestamp: Date.now() + i }))))

  // 6 transactions of 5: 0, 2, 4 commit (v0-4, v5-9, v10-14), 1, 3, 5 abort and are taken again.
  const lines = await python([TXN_SCRIPT, 'ctp', cluster.bootstrap, 'in', 'out', 'ctp-group', 'ctp-txn', '6', '5'])
  const txns = lines.filter(l => 'txn' in l) as Array<{ txn: number, committed: boolean, values: string[] }>
  assert.equal(txns.length, 6)
  const committedValues = txns.filter(x => x.committed).flatMap(x => x.values)
  assert.deepEqual(committedValues, inputs.slice(0, 15).map(v => `out-${v}`), 'each committed transaction took the records after the previous commit')
  const final = lines.at(-1) as { committed_offsets: Record<string, number> }
  assert.deepEqual(final.committed_offsets, { 0: 15 }, 'the group offset is the last committed transaction\'s')

  const [committed] = await python([TXN_SCRIPT, 'read', cluster.bootstrap, 'out', 'read_committed'])
  assert.deepEqual(committed!.values, committedValues, 'read_committed: exactly the committed records, in order')
  const [all] = await python([TXN_SCRIPT, 'read', cluster.bootstrap, 'out', 'read_uncommitted'])
  assert.deepEqual(all!.values, txns.flatMap(x => x.values), 'read_uncommitted: every record, aborted ones too')
})

test('a second producer with the same transactional.id fences the first; EndTxn without a transaction and wrong epochs get Kafka\'s errors', async t => {
  const cluster = await startCluster({ brokers: 1, config: CONFIG })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'fenced', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'fenced', 1)

  const [fenced] = await python([TXN_SCRIPT, 'fence', cluster.bootstrap, 'fenced', 'fence-txn'])
  assert.ok(['_FENCED', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'].includes(fenced!.first_commit_error as string), `the zombie's commit fails as fenced: ${String(fenced!.first_commit_error)}`)
  assert.equal(fenced!.fatal, true, 'fencing is fatal to the zombie')
  const [committed] = await python([TXN_SCRIPT, 'read', cluster.bootstrap, 'fenced', 'read_committed'])
  assert.deepEqual(committed!.values, ['second'], 'the zombie\'s record was aborted, the new producer\'s committed')

  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  const coordinator = await answerOf('a transaction coordinator for wire-txn', async () => {
    const r = await conn.request(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'wire-txn', keyType: 1, coordinatorKeys: [] })
    return r.errorCode === ErrorCode.NONE ? r : undefined
  })
  assert.equal(coordinator.nodeId, 1)
  const init = await answerOf('InitProducerId for wire-txn', async () => {
    const r = await conn.request(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: 'wire-txn', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
    return r.errorCode === ErrorCode.NONE ? r : undefined
  })
  assert.equal(init.producerEpoch, 0)
  const endTxn = async (epoch: number, version = 3): Promise<number> => (await conn.request(EndTxnRequest, EndTxnResponse, version, { transactionalId: 'wire-txn', producerId: init.producerId, producerEpoch: epoch, committed: true })).errorCode
  assert.equal(errorName(await endTxn(0)), 'INVALID_TXN_STATE', 'EndTxn without a transaction')
  assert.equal(errorName(await endTxn(5)), 'PRODUCER_FENCED', 'EndTxn with a wrong epoch (v2+)')
  assert.equal(errorName(await endTxn(5, 1)), 'INVALID_PRODUCER_EPOCH', 'EndTxn with a wrong epoch (v0-1, KIP-588)')
  const badPid = await conn.request(EndTxnRequest, EndTxnResponse, 3, { transactionalId: 'wire-txn', producerId: init.producerId + 1, producerEpoch: 0, committed: false })
  assert.equal(errorName(badPid.errorCode), 'INVALID_PRODUCER_ID_MAPPING')
  const add = async (topic: string): Promise<number[]> => (await conn.request(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, 3, {
    transactions: [], v3AndBelowTransactionalId: 'wire-txn', v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: topic, partitions: [0] }],
  })).resultsByTopicV3AndBelow.flatMap(r => r.resultsByPartition.map(p => p.partitionErrorCode))
  assert.deepEqual((await add('no-such-topic')).map(errorName), ['UNKNOWN_TOPIC_OR_PARTITION'])
  assert.deepEqual((await add('fenced')).map(errorName), ['NONE'])
  // A second InitProducerId during the transaction fences it: aborted, then a bumped epoch.
  const reinit = await answerOf('InitProducerId after the abort of the ongoing transaction', async () => {
    const r = await conn.request(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: 'wire-txn', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
    if (r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) return undefined
    return r
  })
  assert.equal(errorName(reinit.errorCode), 'NONE')
  assert.equal(reinit.producerEpoch, 2, 'one bump to fence the ongoing transaction, one for the new producer')
  assert.equal(errorName(await endTxn(0)), 'PRODUCER_FENCED', 'the old epoch is fenced')
})
