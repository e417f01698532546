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
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../src/protocol/messages/add-offsets-to-txn.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../src/protocol/messages/offset-fetch.js'
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../src/protocol/messages/txn-offset-commit.js'
import { DescribeProducersRequest, DescribeProducersResponse } from '../src/protocol/messages/describe-producers.js'
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../src/protocol/messages/describe-transactions.js'
import { ListTransactionsRequest, ListTransactionsResponse } from '../src/protocol/messages/list-transactions.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { asLeader } from './support/as-leader.js'
import { partitionForKey } from '../src/coordinator/coordinator-topic.js'
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

test('transaction.partition.verification.enable: a transactional write (or TxnOffsetCommit) to a partition not added to the transaction is INVALID_TXN_STATE on local and remote coordinators, nothing appended; DescribeTransactions, ListTransactions and DescribeProducers show the transaction; OffsetFetch require_stable waits for it', async t => {
  const cluster = await startCluster({ brokers: 2, config: CONFIG })
  t.after(cluster.cleanup)
  // One partition per broker: whichever coordinates the id, one leader asks it in-process and the other over the wire.
  await createTopic(cluster.bootstrap, 'verified', { assignments: [[1], [2]] })
  await waitForTopic(cluster.bootstrap, 'verified', 2)
  const leaders = [await WireConnection.open(cluster.broker(1).bootstrap), await WireConnection.open(cluster.broker(2).bootstrap)]
  t.after(() => { for (const c of leaders) c.close() })
  // The transaction's requests go to its coordinator, whichever broker that is.
  const { nodeId: coordinatorId } = await answerOf('a transaction coordinator for verify-txn', async () => {
    const r = await leaders[0]!.request(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'verify-txn', keyType: 1, coordinatorKeys: [] })
    return r.errorCode === ErrorCode.NONE ? r : undefined
  })
  const conn = leaders[coordinatorId - 1]!
  const init = await answerOf('InitProducerId for verify-txn', async () => {
    const r = await conn.request(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: 'verify-txn', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
    return r.errorCode === ErrorCode.NONE ? r : undefined
  })
  const batch = (seq: number, values: string[]): Buffer => buildRecordBatch({ transactional: true, producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: seq, records: values.map(value => ({ value })) })
  const produce = async (partition: number, records: Buffer, transactionalId: string | null = 'verify-txn'): Promise<{ errorCode: string, baseOffset: number }> => {
    const res = await asLeader(`Produce to verified-${partition}`, async () => await leaders[partition]!.request(ProduceRequest, ProduceResponse, 8, {
      transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: 'verified', partitionData: [{ index: partition, records }] }],
    }), r => [r.responses[0]!.partitionResponses[0]!.errorCode])
    const p = res.responses[0]!.partitionResponses[0]!
    return { errorCode: errorName(p.errorCode), baseOffset: p.baseOffset }
  }
  const addPartitions = async (): Promise<string[]> => (await conn.request(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, 3, {
    transactions: [], v3AndBelowTransactionalId: 'verify-txn', v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch, v3AndBelowTopics: [{ name: 'verified', partitions: [0, 1] }],
  })).resultsByTopicV3AndBelow.flatMap(r => r.resultsByPartition.map(p => errorName(p.partitionErrorCode)))
  const endTxn = async (committed: boolean): Promise<string> => errorName((await conn.request(EndTxnRequest, EndTxnResponse, 3, { transactionalId: 'verify-txn', producerId: init.producerId, producerEpoch: init.producerEpoch, committed })).errorCode)

  for (const p of [0, 1]) {
    assert.deepEqual(await produce(p, batch(0, ['unadded'])), { errorCode: 'INVALID_TXN_STATE', baseOffset: -1 }, `partition ${p}: not in any transaction of the producer`)
    assert.deepEqual(await produce(p, batch(0, ['no-id']), null), { errorCode: 'INVALID_TXN_STATE', baseOffset: -1 }, `partition ${p}: a transactional batch in a Produce without a transactional id`)
  }
  assert.deepEqual(await addPartitions(), ['NONE', 'NONE'])
  for (const p of [0, 1]) {
    assert.deepEqual(await produce(p, batch(0, ['a', 'b'])), { errorCode: 'NONE', baseOffset: 0 }, `partition ${p}: added, verified`)
    assert.deepEqual(await produce(p, batch(2, ['c'])), { errorCode: 'NONE', baseOffset: 2 }, `partition ${p}: the transaction is open here, no verification`)
  }
  // What the admin APIs show of the open transaction.
  const coordinatorConn = conn
  const otherConn = leaders[2 - coordinatorId]!
  // An id never initialized, on the same __transaction_state partition: same coordinator.
  const unknownId = Array.from({ length: 100 }, (_, i) => `unknown-${i}`).find(id => partitionForKey(id, 3) === partitionForKey('verify-txn', 3))!
  const described = await coordinatorConn.request(DescribeTransactionsRequest, DescribeTransactionsResponse, 0, { transactionalIds: ['verify-txn', unknownId] })
  assert.deepEqual(described.transactionStates.map(s => ({ ...s, errorCode: errorName(s.errorCode), topics: s.topics.map(tp => ({ ...tp, partitions: [...tp.partitions].sort() })) })), [
    { errorCode: 'NONE', transactionalId: 'verify-txn', transactionState: 'Ongoing', transactionTimeoutMs: 60_000, transactionStartTimeMs: described.transactionStates[0]!.transactionStartTimeMs, producerId: init.producerId, producerEpoch: init.producerEpoch, topics: [{ topic: 'verified', partitions: [0, 1] }] },
    { errorCode: 'TRANSACTIONAL_ID_NOT_FOUND', transactionalId: unknownId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] },
  ])
  assert.ok(Math.abs(described.transactionStates[0]!.transactionStartTimeMs - Date.now()) < 60_000, 'the start time is a wall clock time')
  assert.equal(errorName((await otherConn.request(DescribeTransactionsRequest, DescribeTransactionsResponse, 0, { transactionalIds: ['verify-txn'] })).transactionStates[0]!.errorCode), 'NOT_COORDINATOR')
  const listed = async (c: WireConnection, stateFilters: string[]): Promise<unknown> => {
    const r = await c.request(ListTransactionsRequest, ListTransactionsResponse, 1, { stateFilters, producerIdFilters: [], durationFilter: -1 })
    return { errorCode: errorName(r.errorCode), unknown: r.unknownStateFilters, states: r.transactionStates }
  }
  assert.deepEqual(await listed(coordinatorConn, ['Ongoing', 'Bogus']), { errorCode: 'NONE', unknown: ['Bogus'], states: [{ transactionalId: 'verify-txn', producerId: init.producerId, transactionState: 'Ongoing' }] })
  assert.deepEqual(await listed(coordinatorConn, ['Empty']), { errorCode: 'NONE', unknown: [], states: [] })
  assert.deepEqual(await listed(otherConn, []), { errorCode: 'NONE', unknown: [], states: [] }, 'the other broker coordinates no transaction')
  const producers = await leaders[0]!.request(DescribeProducersRequest, DescribeProducersResponse, 0, { topics: [{ name: 'verified', partitionIndexes: [0, 1] }] })
  const [p0, p1] = producers.topics[0]!.partitions
  assert.deepEqual({ ...p0!, activeProducers: p0!.activeProducers.map(p => ({ ...p, lastTimestamp: 0 })) }, {
    partitionIndex: 0, errorCode: 0, errorMessage: null,
    activeProducers: [{ producerId: init.producerId, producerEpoch: init.producerEpoch, lastSequence: 2, lastTimestamp: 0, coordinatorEpoch: -1, currentTxnStartOffset: 0 }],
  })
  assert.equal(errorName(p1!.errorCode), 'NOT_LEADER_OR_FOLLOWER', 'partition 1 is led by broker 2')

  // A transactional offset commit: OffsetFetch with require_stable is UNSTABLE_OFFSET_COMMIT until the transaction ends (KIP-447).
  const groupCoordinator = await answerOf('a group coordinator for verify-group', async () => {
    const r = await conn.request(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'verify-group', keyType: 0, coordinatorKeys: [] })
    return r.errorCode === ErrorCode.NONE ? leaders[r.nodeId - 1]! : undefined
  })
  const txnCommit = async (): Promise<string[]> => (await groupCoordinator.request(TxnOffsetCommitRequest, TxnOffsetCommitResponse, 3, {
    transactionalId: 'verify-txn', groupId: 'verify-group', producerId: init.producerId, producerEpoch: init.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 'verified', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  })).topics.flatMap(tp => tp.partitions.map(p => errorName(p.errorCode)))
  const fetchOffset = async (requireStable: boolean): Promise<[string, number]> => {
    const r = await groupCoordinator.request(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'verify-group', topics: [{ name: 'verified', partitionIndexes: [0] }], groups: [], requireStable })
    const p = r.topics[0]!.partitions[0]!
    return [errorName(p.errorCode), p.committedOffset]
  }
  // Kafka 3.7+: the group's __consumer_offsets partition is verified as a produced-to partition is.
  assert.deepEqual(await txnCommit(), ['INVALID_TXN_STATE'], 'TxnOffsetCommit before AddOffsetsToTxn')
  assert.deepEqual(await fetchOffset(true), ['NONE', -1], 'nothing was written: no pending offset')
  assert.equal(errorName((await conn.request(AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, 3, { transactionalId: 'verify-txn', producerId: init.producerId, producerEpoch: init.producerEpoch, groupId: 'verify-group' })).errorCode), 'NONE')
  assert.deepEqual(await txnCommit(), ['NONE'])
  assert.deepEqual(await fetchOffset(true), ['UNSTABLE_OFFSET_COMMIT', -1], 'require_stable: the offset is in an open transaction')
  assert.deepEqual(await fetchOffset(false), ['NONE', -1], 'without require_stable: the last committed offset (none)')

  assert.equal(await endTxn(true), 'NONE')
  await waitFor(async () => (await fetchOffset(true))[0] === 'NONE', 'the committed offset stable once the commit marker reached __consumer_offsets')
  assert.deepEqual(await fetchOffset(true), ['NONE', 3])
  // Once the markers are written the producer's transaction is over on both partitions: a new batch needs a new AddPartitionsToTxn.
  await waitFor(async () => await endTxn(true) === 'NONE' && (await produce(0, batch(3, ['late']))).errorCode === 'INVALID_TXN_STATE', 'the commit completed and a batch after it refused')
  assert.deepEqual(await produce(1, batch(3, ['late'])), { errorCode: 'INVALID_TXN_STATE', baseOffset: -1 })
  assert.equal((await coordinatorConn.request(DescribeTransactionsRequest, DescribeTransactionsResponse, 0, { transactionalIds: ['verify-txn'] })).transactionStates[0]!.transactionState, 'CompleteCommit')
  // Kafka's TransactionCoordinator: the other end of a completed transaction is refused (librdkafka's abort after a refused AddPartitionsToTxn meets this)
  assert.equal(await endTxn(false), 'INVALID_TXN_STATE', 'EndTxn(abort) in CompleteCommit')
  const after = (await leaders[1]!.request(DescribeProducersRequest, DescribeProducersResponse, 0, { topics: [{ name: 'verified', partitionIndexes: [1] }] })).topics[0]!.partitions[0]!.activeProducers[0]!
  assert.deepEqual([after.currentTxnStartOffset, after.coordinatorEpoch >= 0], [-1, true], 'the commit marker closed the transaction and recorded its coordinator epoch')

  const [read] = await python([TXN_SCRIPT, 'read', cluster.bootstrap, 'verified', 'read_uncommitted', '2'])
  assert.deepEqual(read!.values, ['a', 'b', 'c', 'a', 'b', 'c'], 'on both partitions only the verified transaction\'s records')
})

test('transactional.id.expiration.ms: an idle id is removed (DescribeTransactions: TRANSACTIONAL_ID_NOT_FOUND) and comes back with a new producer id; one with an ongoing transaction stays', async t => {
  const cluster = await startCluster({ brokers: 1, config: { ...CONFIG, 'transactional.id.expiration.ms': 1500, 'transaction.remove.expired.transaction.cleanup.interval.ms': 200 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'expiring', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'expiring', 1)
  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  const init = async (transactionalId: string): Promise<{ producerId: number, producerEpoch: number }> => await answerOf(`InitProducerId for ${transactionalId}`, async () => {
    const r = await conn.request(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })
    return r.errorCode === ErrorCode.NONE ? r : undefined
  })
  await answerOf('a transaction coordinator (creating __transaction_state)', async () => {
    const r = await conn.request(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'idle-txn', keyType: 1, coordinatorKeys: [] })
    return r.errorCode === ErrorCode.NONE ? r : undefined
  })
  const first = await init('idle-txn')
  const busy = await init('busy-txn')
  const added = await conn.request(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, 3, {
    transactions: [], v3AndBelowTransactionalId: 'busy-txn', v3AndBelowProducerId: busy.producerId, v3AndBelowProducerEpoch: busy.producerEpoch, v3AndBelowTopics: [{ name: 'expiring', partitions: [0] }],
  })
  assert.equal(errorName(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode), 'NONE')
  const describe = async (): Promise<Array<[string, string]>> => (await conn.request(DescribeTransactionsRequest, DescribeTransactionsResponse, 0, { transactionalIds: ['idle-txn', 'busy-txn'] }))
    .transactionStates.map(s => [errorName(s.errorCode), s.transactionState])
  assert.deepEqual(await describe(), [['NONE', 'Empty'], ['NONE', 'Ongoing']])
  await waitFor(async () => (await describe())[0]![0] === 'TRANSACTIONAL_ID_NOT_FOUND', 'the idle id expired', { timeoutMs: 20_000 })
  assert.deepEqual((await describe())[1], ['NONE', 'Ongoing'], 'an ongoing transaction does not expire')
  const again = await init('idle-txn')
  assert.notEqual(again.producerId, first.producerId, 'a removed id starts over with a new producer id')
  assert.equal(again.producerEpoch, 0)
})
