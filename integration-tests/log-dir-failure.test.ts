import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { errorName } from '../src/protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js'
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { createTopic } from './support/admin.js'
import { projectRoot, type BrokerProcess, type ConfigValues } from './support/broker.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { parseJsonLines, runProcess } from './support/run-process.js'
import { mountSmallFileSystem, smallFileSystemUnavailable } from './support/small-file-system.js'
import { waitFor } from './support/wait-for.js'
import { waitForTopic, WireConnection } from './support/wire-connection.js'

// Kafka's answer to a log dir that fails (ENOSPC here): KAFKA_STORAGE_ERROR for every partition
// on it (ReplicaManager.handleLogDirFailure), the rest of the broker keeps serving, and the
// controller moves leadership of those partitions to another ISR member.

const KCAT = '/usr/bin/kcat'
const PYTHON = '/usr/bin/python3'
const CONFLUENT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const skip = smallFileSystemUnavailable !== false
  ? smallFileSystemUnavailable
  : !existsSync(KCAT) || !existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
      ? 'needs kcat and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'
      : false
const FILE_SYSTEM_BYTES = 4 << 20
/** Bigger than any page left in a segment's last page: it needs a fresh one from the full tmpfs. */
const BIG_VALUE = 'x'.repeat(32 * 1024)

test('one broker, two log dirs, one full: KAFKA_STORAGE_ERROR for its partitions, the other dir keeps working, nothing acknowledged is lost', { skip }, async t => {
  const small = mountSmallFileSystem(t, FILE_SYSTEM_BYTES)
  const healthy = healthyDir(t)
  const fullDir = join(small.path, 'data')
  const cluster = await startCluster({ brokers: 1, config: { 'log.dirs': `${fullDir},${healthy}` } })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  // A new log goes to the log dir holding the fewest partitions, the first one on a tie.
  await createTopic(cluster.bootstrap, 'on-full', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'on-full', 1)
  await createTopic(cluster.bootstrap, 'on-healthy', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'on-healthy', 1)
  assert.ok(existsSync(join(fullDir, 'on-full-0')) && existsSync(join(healthy, 'on-healthy-0')), 'one partition in each log dir')

  const conn = await WireConnection.open(broker.bootstrap)
  t.after(() => conn.close())
  const acked: string[] = []
  for (let i = 0; i < 20; i++) {
    const answer = await produce(conn, 'on-full', [`before-${i}`], 1)
    assert.equal(errorName(answer.errorCode), 'NONE', `before-${i} on on-full`)
    acked.push(`before-${i}`)
  }
  assert.ok(small.fill() > 0, 'the tmpfs was filled')

  await t.test('Produce to the full log dir answers KAFKA_STORAGE_ERROR and keeps the connection', async () => {
    assert.equal(errorName((await produce(conn, 'on-full', [BIG_VALUE], 1)).errorCode), 'KAFKA_STORAGE_ERROR')
    assert.equal(errorName((await produce(conn, 'on-full', ['small'], 1)).errorCode), 'KAFKA_STORAGE_ERROR', 'the log dir is offline, not just full')
    assert.equal(errorName((await produce(conn, 'on-healthy', [BIG_VALUE], 1)).errorCode), 'NONE', 'the healthy log dir on the same connection')
    assert.equal(errorName(await fetchError(conn, 'on-full')), 'KAFKA_STORAGE_ERROR')
    assert.equal(errorName(await fetchError(conn, 'on-healthy')), 'NONE')
    assert.equal(errorName(await listOffsetsError(conn, 'on-full')), 'KAFKA_STORAGE_ERROR')
    assert.equal(conn.isClosed, false)
    assert.deepEqual(broker.lines.filter(l => l.includes('closing connection')), [], 'no connection was closed')
  })

  await t.test('kcat sees the storage error for the full log dir and delivers to the healthy one', async () => {
    const failed = await runKcatProduce(broker.bootstrap, 'on-full', 'kcat-1\n')
    assert.match(failed, /Delivery failed.*Disk error/, 'kcat reports librdkafka\'s text for KAFKA_STORAGE_ERROR')
    assert.equal(await runKcatProduce(broker.bootstrap, 'on-healthy', 'kcat-2\n'), '', 'no delivery failure on the healthy log dir')
    assert.ok((await kcatRead(broker.bootstrap, 'on-healthy')).includes('kcat-2'), 'kcat-2 is in the healthy log dir')
  })

  await t.test('confluent-kafka gets KAFKA_STORAGE_ERROR in its delivery report, then delivers to the healthy log dir', async () => {
    const reports = await deliver(broker.bootstrap, [
      { topic: 'on-full', partition: 0, value: 'confluent-1' },
      { topic: 'on-healthy', partition: 0, value: 'confluent-2' },
    ])
    assert.deepEqual(reports.map(r => r.error), ['KAFKA_STORAGE_ERROR', null])
  })

  await t.test('restarted on the still-full disk, the broker starts and serves the healthy log dir', async () => {
    conn.close()
    assert.equal(await broker.stop(), 0, `a clean shutdown despite the offline log dir:\n${broker.tail()}`)
    await broker.start()
    await waitForTopic(cluster.bootstrap, 'on-healthy', 1)
    const again = await WireConnection.open(broker.bootstrap)
    try {
      assert.equal(errorName((await produce(again, 'on-full', [BIG_VALUE], 1)).errorCode), 'KAFKA_STORAGE_ERROR')
      assert.equal(errorName((await produce(again, 'on-healthy', ['after-restart'], 1)).errorCode), 'NONE')
    } finally {
      again.close()
    }
  })

  await t.test('with space freed and the broker restarted, every acknowledged record is readable', async () => {
    small.free()
    assert.equal(await broker.stop(), 0, `a clean shutdown after the restart on the full disk:\n${broker.tail()}`)
    await broker.start()
    await waitForTopic(cluster.bootstrap, 'on-full', 1)
    const values = await kcatRead(broker.bootstrap, 'on-full')
    assert.deepEqual(acked.filter(v => !values.includes(v)), [], 'acknowledged records missing')
    const again = await WireConnection.open(broker.bootstrap)
    try {
      assert.equal(errorName((await produce(again, 'on-full', [BIG_VALUE], 1)).errorCode), 'NONE', 'the log dir is back online')
    } finally {
      again.close()
    }
  })
})

test('two brokers: leadership of a partition on a failed log dir moves to the other ISR member; nothing acknowledged is lost', { skip }, async t => {
  const small = mountSmallFileSystem(t, FILE_SYSTEM_BYTES)
  const healthy = healthyDir(t)
  const fullDir = join(small.path, 'data')
  const cluster = await startCluster({ brokers: 2, brokerConfig: (id): ConfigValues => id === 1 ? { 'log.dirs': `${fullDir},${healthy}` } : {} })
  t.after(cluster.cleanup)
  const [one, two] = [cluster.broker(1), cluster.broker(2)]
  await createTopic(cluster.bootstrap, 'moves', { assignments: [[1, 2]] })
  await waitForTopic(cluster.bootstrap, 'moves', 1)
  await waitForState(cluster, s => s.leader === 1 && s.isr.length === 2, 'moves-0 led by broker 1 with both replicas in sync')
  assert.ok(existsSync(join(fullDir, 'moves-0')), 'broker 1 keeps moves-0 on the small file system')

  const acked: string[] = []
  const toOne = await WireConnection.open(one.bootstrap)
  t.after(() => toOne.close())
  for (let i = 0; i < 20; i++) {
    assert.equal(errorName((await produce(toOne, 'moves', [`acked-${i}`], -1)).errorCode), 'NONE')
    acked.push(`acked-${i}`)
  }
  small.fill()
  assert.equal(errorName((await produce(toOne, 'moves', [BIG_VALUE], -1)).errorCode), 'KAFKA_STORAGE_ERROR')

  await waitForState(cluster, s => s.leader === 2 && s.isr.length === 1 && s.isr[0] === 2, 'the controller to move moves-0 to broker 2, without broker 1 in the ISR', 20_000)
  assert.deepEqual(await cluster.zk.getChildren('/log_dir_event_notification'), [], 'the controller consumed the log dir event')
  for (const b of [one, two]) {
    const p = await partitionMetadata(b, 'moves')
    assert.deepEqual({ leader: p.leaderId, offline: p.offlineReplicas }, { leader: 2, offline: [1] }, `Metadata v5 from broker ${b.spec.brokerId}`)
  }
  assert.equal(errorName((await produce(toOne, 'moves', ['to-one'], -1)).errorCode), 'KAFKA_STORAGE_ERROR', 'broker 1 still has it offline')
  const toTwo = await WireConnection.open(two.bootstrap)
  t.after(() => toTwo.close())
  for (let i = 20; i < 40; i++) {
    assert.equal(errorName((await produce(toTwo, 'moves', [`acked-${i}`], -1)).errorCode), 'NONE')
    acked.push(`acked-${i}`)
  }

  small.free()
  toOne.close()
  assert.equal(await one.stop(), 0)
  await one.start()
  await waitForState(cluster, s => s.isr.includes(1) && s.isr.includes(2), 'broker 1 to catch up and rejoin the ISR of moves-0', 20_000)
  const values = await kcatRead(cluster.bootstrap, 'moves')
  assert.deepEqual(acked.filter(v => !values.includes(v)), [], 'acknowledged records missing')
  for (const b of [one, two]) {
    const p = await partitionMetadata(b, 'moves')
    assert.deepEqual(p.offlineReplicas, [], `no offline replica in broker ${b.spec.brokerId}'s Metadata after the restart`)
  }
})

function healthyDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'healthy-log-dir-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function produce (conn: WireConnection, topic: string, values: string[], acks: number): Promise<{ errorCode: number, baseOffset: number }> {
  const records = buildRecordBatch({ records: values.map(v => ({ value: Buffer.from(v) })) })
  const res = await conn.request(ProduceRequest, ProduceResponse, 8, { transactionalId: null, acks, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] })
  const answer = res.responses[0]!.partitionResponses[0]!
  return { errorCode: answer.errorCode, baseOffset: answer.baseOffset }
}

async function fetchError (conn: WireConnection, topic: string): Promise<number> {
  const res = await conn.request(FetchRequest, FetchResponse, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  })
  return res.responses[0]!.partitions[0]!.errorCode
}

async function listOffsetsError (conn: WireConnection, topic: string): Promise<number> {
  const res = await conn.request(ListOffsetsRequest, ListOffsetsResponse, 4, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] })
  return res.topics[0]!.partitions[0]!.errorCode
}

async function partitionMetadata (broker: BrokerProcess, topic: string): Promise<{ leaderId: number, offlineReplicas: number[] }> {
  const conn = await WireConnection.open(broker.bootstrap)
  try {
    const res = await conn.request(MetadataRequest, MetadataResponse, 5, { topics: [{ name: topic }], allowAutoTopicCreation: false })
    const p = res.topics[0]?.partitions[0]
    assert.ok(p !== undefined, `${topic}-0 in broker ${broker.spec.brokerId}'s Metadata`)
    return { leaderId: p.leaderId, offlineReplicas: p.offlineReplicas }
  } finally {
    conn.close()
  }
}

interface State { leader: number, isr: number[] }

async function waitForState (cluster: Cluster, predicate: (s: State) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  let last: State | undefined
  try {
    await waitFor(async () => {
      const node = await cluster.zk.getData('/brokers/topics/moves/partitions/0/state')
      last = node === null ? undefined : JSON.parse(node.data.toString()) as State
      return last !== undefined && predicate(last)
    }, what, { timeoutMs })
  } catch (err) {
    throw new Error(`${(err as Error).message}; last state: ${JSON.stringify(last)}`, { cause: err })
  }
}

/** kcat -P without retries: its stderr lines about failed deliveries ('' when all were delivered). */
async function runKcatProduce (bootstrap: string, topic: string, input: string): Promise<string> {
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = execFile(KCAT, ['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-X', 'message.send.max.retries=0', '-X', 'acks=1'], { timeout: 20_000 }, (err, _stdout, stderr) => {
      // Only a hang fails here: whatever the exit status, stderr says which deliveries failed and why.
      if (err !== null && err.killed) reject(new Error(`timed out waiting for kcat -P to ${topic}: ${stderr}`))
      else resolve(stderr)
    })
    child.stdin?.end(input)
  })
  return stderr.split('\n').filter(l => l.includes('Delivery failed')).join('\n')
}

async function kcatRead (bootstrap: string, topic: string): Promise<string[]> {
  const { stdout } = await runProcess(KCAT, ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], { timeoutMs: 30_000 })
  return stdout.split('\n').filter(l => l !== '')
}

async function deliver (bootstrap: string, targets: Array<{ topic: string, partition: number, value: string }>): Promise<Array<{ error: string | null }>> {
  const { stdout } = await runProcess(PYTHON, [CONFLUENT, 'deliver', bootstrap, '1'], { input: targets.map(r => JSON.stringify(r)).join('\n') + '\n', timeoutMs: 40_000 })
  return parseJsonLines<{ error: string | null }>(stdout)
}
