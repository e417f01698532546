import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createTopic } from './support/admin.js'
import { projectRoot } from './support/broker.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { runProcess } from './support/run-process.js'
import { waitFor } from './support/wait-for.js'
import { WireConnection, waitForTopic } from './support/wire-connection.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../src/protocol/messages/add-partitions-to-txn.js'
import { EndTxnRequest, EndTxnResponse } from '../src/protocol/messages/end-txn.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../src/protocol/messages/find-coordinator.js'
import { InitProducerIdRequest, InitProducerIdResponse } from '../src/protocol/messages/init-producer-id.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'

const PYTHON = '/usr/bin/python3'
const TXN_SCRIPT = join(projectRoot, 'integration-tests/clients/python/transactional_client.py')
const skip = existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? false : 'python3-confluent-kafka is not installed (integration-tests/support/ensure-clients.sh)'
const CONFIG = {
  'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3, 'transaction.state.log.replication.factor': 2, 'transaction.state.log.min.isr': 1, 'offsets.topic.replication.factor': 2,
  // Without KIP-890's verification a producer may write to a partition its transaction does not
  // hold: the way transactions were left hanging before Kafka 3.6, and what the tool recovers from.
  'transaction.partition.verification.enable': false,
}

/** A table of ToolsUtils.prettyPrintTable as rows of trimmed cells, after checking that every line pads every cell to its column and ends it with a tab. */
function table (stdout: string): string[][] {
  const lines = stdout.split('\n').filter(l => l !== '')
  const tabs = (line: string): number[] => [...line].flatMap((c, i) => c === '\t' ? [i] : [])
  for (const line of lines) {
    assert.ok(line.endsWith('\t'), `every cell ends with a tab: ${JSON.stringify(line)}`)
    assert.deepEqual(tabs(line), tabs(lines[0]!), `columns line up: ${JSON.stringify(line)} under ${JSON.stringify(lines[0])}`)
  }
  return lines.map(l => l.split('\t').slice(0, -1).map(c => c.trimEnd()))
}

test('kafka-transactions: list, describe and describe-producers print Kafka\'s tables; find-hanging finds the transaction a killed producer left open on a partition its coordinator does not know, abort (by start offset, then by producer id and epoch) ends it and read_committed moves on', { skip }, async t => {
  const cluster = await startCluster({ brokers: 2, config: CONFIG })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'hung', { assignments: [[1, 2]] })
  await waitForTopic(cluster.bootstrap, 'hung', 1)
  const tool = async (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> => await runTool('kafka-transactions', ['--bootstrap-server', cluster.bootstrap, ...args], { timeoutMs: 60_000 })
  const leader = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => leader.close())

  /** A transactional producer over the wire: its coordinator connection, producer id and epoch. */
  const initProducer = async (transactionalId: string): Promise<{ coordinator: WireConnection, coordinatorId: number, producerId: number, producerEpoch: number }> => {
    let coordinatorId = -1
    await waitFor(async () => {
      const r = await leader.request(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: transactionalId, keyType: 1, coordinatorKeys: [] })
      coordinatorId = r.errorCode === ErrorCode.NONE ? r.nodeId : -1
      return coordinatorId > 0
    }, `a transaction coordinator for ${transactionalId}`, { timeoutMs: 20_000 })
    const coordinator = await WireConnection.open(cluster.broker(coordinatorId).bootstrap)
    t.after(() => coordinator.close())
    const requestInit = async () => await coordinator.request(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId, transactionTimeoutMs: 600_000, producerId: -1, producerEpoch: -1 })
    let init: Awaited<ReturnType<typeof requestInit>> | undefined
    await waitFor(async () => {
      init = await requestInit()
      return init.errorCode === ErrorCode.NONE
    }, `InitProducerId for ${transactionalId}`, { timeoutMs: 20_000 })
    return { coordinator, coordinatorId, producerId: init!.producerId, producerEpoch: init!.producerEpoch }
  }
  const produce = async (p: { producerId: number, producerEpoch: number }, transactionalId: string, baseSequence: number, values: string[]): Promise<number> => {
    const res = await leader.request(ProduceRequest, ProduceResponse, 8, {
      transactionalId, acks: -1, timeoutMs: 5000,
      topicData: [{ name: 'hung', partitionData: [{ index: 0, records: buildRecordBatch({ transactional: true, producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence, records: values.map(value => ({ value })) }) }] }],
    })
    const r = res.responses[0]!.partitionResponses[0]!
    assert.equal(errorName(r.errorCode), 'NONE', `transactional write of ${values.join(',')}`)
    return r.baseOffset
  }
  /** ListOffsets latest: the last stable offset with read_committed, else the high watermark. */
  const latest = async (isolationLevel: number): Promise<number> => (await leader.request(ListOffsetsRequest, ListOffsetsResponse, 4, {
    replicaId: -1, isolationLevel, topics: [{ name: 'hung', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }],
  })).topics[0]!.partitions[0]!.offset
  const lastStableOffset = async (): Promise<number> => await latest(1)

  // The hanging one: records written without AddPartitionsToTxn, then the producer is gone. Its coordinator holds no transaction (Empty).
  const hung = await initProducer('hung-txn')
  assert.equal(await produce(hung, 'hung-txn', 0, ['h0', 'h1']), 0)
  hung.coordinator.close()
  // A healthy open transaction on the same partition, which find-hanging must leave alone.
  const open = await initProducer('open-txn')
  const added = await open.coordinator.request(AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, 3, {
    transactions: [], v3AndBelowTransactionalId: 'open-txn', v3AndBelowProducerId: open.producerId, v3AndBelowProducerEpoch: open.producerEpoch, v3AndBelowTopics: [{ name: 'hung', partitions: [0] }],
  })
  assert.equal(errorName(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode), 'NONE')
  assert.equal(await produce(open, 'open-txn', 0, ['o0', 'o1']), 2)
  assert.equal(await lastStableOffset(), 0, 'read_committed is stuck at the hanging transaction')

  const listed = await tool('list')
  assert.equal(listed.code, 0, listed.stderr)
  const rows = table(listed.stdout)
  assert.deepEqual(rows[0], ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'])
  assert.deepEqual(rows.slice(1).sort((a, b) => a[0]!.localeCompare(b[0]!)), [
    ['hung-txn', String(hung.coordinatorId), String(hung.producerId), 'Empty'],
    ['open-txn', String(open.coordinatorId), String(open.producerId), 'Ongoing'],
  ])

  const described = await tool('describe', '--transactional-id', 'open-txn')
  assert.equal(described.code, 0, described.stderr)
  const [header, row] = table(described.stdout)
  assert.deepEqual(header, ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'])
  assert.deepEqual([...row!.slice(0, 6), row![8]], [String(open.coordinatorId), 'open-txn', String(open.producerId), String(open.producerEpoch), 'Ongoing', '600000', 'hung-0'])
  assert.ok(Math.abs(Number(row![6]) - Date.now()) < 60_000 && Number(row![7]) >= 0, `start time and duration: ${row!.join(' | ')}`)
  const none = table((await tool('describe', '--transactional-id', 'hung-txn')).stdout)[1]!
  assert.deepEqual([none[4], none[6], none[7], none[8]], ['Empty', 'None', 'None', ''], 'no transaction under way: Kafka\'s None')
  const unknown = await tool('describe', '--transactional-id', 'no-such-txn')
  assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr.trim()], [1, '', 'Failed to describe transaction state of transactional-id `no-such-txn`: TRANSACTIONAL_ID_NOT_FOUND. Enable debug logging for additional detail.'])

  const producerRows = async (...extra: string[]): Promise<string[][]> => {
    const r = await tool('describe-producers', '--topic', 'hung', '--partition', '0', ...extra)
    assert.equal(r.code, 0, r.stderr)
    const [h, ...rest] = table(r.stdout)
    assert.deepEqual(h, ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'])
    return rest.map(x => [x[0]!, x[1]!, x[2]!, x[3]!, x[5]!]).sort((a, b) => Number(a[0]) - Number(b[0]))
  }
  const before = await producerRows()
  assert.deepEqual(before, [
    [String(hung.producerId), String(hung.producerEpoch), '-1', '1', '0'],
    [String(open.producerId), String(open.producerEpoch), '-1', '1', '2'],
  ].sort((a, b) => Number(a[0]) - Number(b[0])))
  assert.deepEqual(await producerRows('--broker-id', '2'), before, 'the follower rebuilt the same producer state')

  const hangingHeader = ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)']
  const findHanging = async (...args: string[]): Promise<string[][]> => {
    const r = await tool('find-hanging', ...args)
    assert.equal(r.code, 0, r.stderr)
    const [h, ...rest] = table(r.stdout)
    assert.deepEqual(h, hangingHeader)
    return rest.map(x => x.slice(0, 6))
  }
  const hangingRow = [['hung', '0', String(hung.producerId), String(hung.producerEpoch), '-1', '0']]
  assert.deepEqual(await findHanging('--broker-id', '1', '--max-transaction-timeout', '0'), hangingRow, 'only the transaction its coordinator does not know, not open-txn\'s')
  assert.deepEqual(await findHanging('--topic', 'hung', '--partition', '0', '--max-transaction-timeout', '0'), hangingRow)
  assert.deepEqual(await findHanging('--topic', 'hung'), [], 'younger than the default 15 minutes: not reported')
  const unscoped = await tool('find-hanging')
  assert.deepEqual([unscoped.code, unscoped.stderr.trim()], [1, 'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search'])

  const wrongOffset = await tool('abort', '--topic', 'hung', '--partition', '0', '--start-offset', '1')
  assert.deepEqual([wrongOffset.code, wrongOffset.stderr.trim()], [1, 'Could not find any open transactions starting at offset 1 on partition hung-0'])
  const aborted = await tool('abort', '--topic', 'hung', '--partition', '0', '--start-offset', '0')
  assert.deepEqual([aborted.code, aborted.stdout, aborted.stderr], [0, '', ''])
  assert.equal(await lastStableOffset(), 2, 'read_committed moved on to the open transaction')
  assert.deepEqual((await producerRows()).find(r => r[0] === String(hung.producerId)), [String(hung.producerId), String(hung.producerEpoch), '0', '1', 'None'], 'the abort marker closed it, with coordinator epoch 0')
  assert.deepEqual(await findHanging('--broker-id', '1', '--max-transaction-timeout', '0'), [])

  // The producer's zombie writes once more; this time aborted by producer id, epoch and (DescribeProducers' -1 would be taken as 0) coordinator epoch.
  const lateOffset = await produce(hung, 'hung-txn', 2, ['h2'])
  assert.deepEqual(await findHanging('--topic', 'hung', '--max-transaction-timeout', '0'), [['hung', '0', String(hung.producerId), String(hung.producerEpoch), '0', String(lateOffset)]])
  const byProducer = await tool('abort', '--topic', 'hung', '--partition', '0', '--producer-id', String(hung.producerId), '--producer-epoch', String(hung.producerEpoch), '--coordinator-epoch', '-1')
  assert.deepEqual([byProducer.code, byProducer.stderr], [0, ''])
  assert.deepEqual(await findHanging('--topic', 'hung', '--max-transaction-timeout', '0'), [])

  const ended = await open.coordinator.request(EndTxnRequest, EndTxnResponse, 3, { transactionalId: 'open-txn', producerId: open.producerId, producerEpoch: open.producerEpoch, committed: true })
  assert.equal(errorName(ended.errorCode), 'NONE')
  await waitFor(async () => await lastStableOffset() === await latest(0), 'the commit marker written: nothing unstable left')
  const read = await runProcess(PYTHON, [TXN_SCRIPT, 'read', cluster.bootstrap, 'hung', 'read_committed'], { timeoutMs: 60_000 })
  assert.deepEqual((JSON.parse(read.stdout.trim()) as { values: string[] }).values, ['o0', 'o1'], 'read_committed: the committed transaction only, no aborted record')
})
