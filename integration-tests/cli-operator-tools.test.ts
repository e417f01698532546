import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { createTopic } from './support/admin.js'
import type { BrokerProcess } from './support/broker.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { runProcess } from './support/run-process.js'
import { produceRequest, WireConnection } from './support/wire-connection.js'

const KCAT = '/usr/bin/kcat'

/** The log start offset of `topic`-0 on one broker, leader or follower (ListOffsets earliest with Kafka's debugging replica id). */
async function logStartOffset (broker: BrokerProcess, topic: string): Promise<number> {
  const wire = await WireConnection.open(broker.bootstrap)
  try {
    const r = await wire.request(ListOffsetsRequest, ListOffsetsResponse, 1, { replicaId: -2, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -2 }] }] })
    const p = r.topics[0]?.partitions[0]
    assert.equal(p?.errorCode, ErrorCode.NONE, `ListOffsets earliest of ${topic}-0 on broker ${broker.spec.brokerId}`)
    return p.offset
  } finally {
    wire.close()
  }
}

function checkpointedLogStart (broker: BrokerProcess, topic: string): number | undefined {
  const text = readFileSync(join(broker.dir, 'data', 'log-start-offset-checkpoint'), 'utf8')
  const line = text.split('\n').find(l => l.startsWith(`${topic} 0 `))
  return line === undefined ? undefined : Number(line.split(' ')[2])
}

function segmentBaseOffsets (broker: BrokerProcess, topic: string): number[] {
  return readdirSync(join(broker.dir, 'data', `${topic}-0`)).filter(f => f.endsWith('.log')).map(f => Number(f.slice(0, -4))).sort((a, b) => a - b)
}

test('kafka-delete-records moves the low watermark on the leader and every follower, deletes whole segments below it, and consumers start there', async t => {
  const cluster = await startCluster({ brokers: 3 })
  t.after(cluster.cleanup)
  const files = mkdtempSync(join(tmpdir(), 'delete-records-'))
  t.after(() => rmSync(files, { recursive: true, force: true }))
  const offsetsFile = (json: string): string => {
    const file = join(files, `offsets-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, json)
    return file
  }
  await createTopic(cluster.bootstrap, 'purged', { assignments: [[1, 2, 3]], configs: { 'segment.bytes': '300' } })
  await createTopic(cluster.bootstrap, 'compacted', { assignments: [[1, 2, 3]], configs: { 'cleanup.policy': 'compact' } })
  const input = Array.from({ length: 30 }, (_, i) => `record-${i}`).join('\n') + '\n'
  const produced = await runTool('kafka-console-producer', ['--bootstrap-server', cluster.bootstrap, '--topic', 'purged', '--sync', '--timeout', '0', '--request-required-acks', 'all'], { input })
  assert.equal(produced.code, 0, produced.stderr)
  assert.ok(segmentBaseOffsets(cluster.broker(1), 'purged').length > 3, 'several segments to delete from')

  const deleted = await runTool('kafka-delete-records', ['--bootstrap-server', cluster.bootstrap, '--offset-json-file', offsetsFile('{"partitions":[{"topic":"purged","partition":0,"offset":12}],"version":1}')])
  assert.equal(deleted.code, 0, deleted.stderr)
  assert.equal(deleted.stdout, 'Executing records delete operation\nRecords delete operation completed:\npartition: purged-0\tlow_watermark: 12\n')
  // The answer waited for every replica (Kafka's DelayedDeleteRecords), so each has moved already.
  for (const broker of cluster.brokers) {
    const id = broker.spec.brokerId
    assert.equal(await logStartOffset(broker, 'purged'), 12, `log start offset on broker ${id}`)
    assert.equal(checkpointedLogStart(broker, 'purged'), 12, `log-start-offset-checkpoint on broker ${id}`)
    const bases = segmentBaseOffsets(broker, 'purged')
    assert.ok(bases[0]! > 0 && bases[0]! <= 12 && (bases[1] ?? Infinity) > 12, `only the segment holding 12 and later ones stay on broker ${id}: ${bases.join(',')}`)
  }

  if (existsSync(KCAT)) {
    const read = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', 'purged', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\n'])
    const lines = read.stdout.trim().split('\n')
    assert.equal(lines[0], '12 record-12', 'kcat -o beginning starts at the new log start offset')
    assert.equal(lines.length, 18)
  } else {
    t.diagnostic('kcat is not installed: the consumer check ran with KafkaJS only')
  }

  // -1: everything below the high watermark; then errors per partition, Kafka's exit status 0
  const all = await runTool('kafka-delete-records', ['--bootstrap-server', cluster.bootstrap, '--offset-json-file', offsetsFile(JSON.stringify({
    version: 1,
    partitions: [{ topic: 'purged', partition: 0, offset: 1000 }, { topic: 'nosuch', partition: 0, offset: 1 }, { topic: 'purged', partition: 7, offset: 1 }, { topic: 'compacted', partition: 0, offset: 0 }],
  }))])
  assert.equal(all.code, 0, all.stderr)
  assert.equal(all.stdout, 'Executing records delete operation\nRecords delete operation completed:\n' +
    'partition: purged-0\terror: OFFSET_OUT_OF_RANGE\npartition: nosuch-0\terror: UNKNOWN_TOPIC_OR_PARTITION\n' +
    'partition: purged-7\terror: UNKNOWN_TOPIC_OR_PARTITION\npartition: compacted-0\terror: POLICY_VIOLATION\n')
  const toEnd = await runTool('kafka-delete-records', ['--bootstrap-server', cluster.bootstrap, '--offset-json-file', offsetsFile('{"partitions":[{"topic":"purged","partition":0,"offset":-1}]}')])
  assert.match(toEnd.stdout, /partition: purged-0\tlow_watermark: 30\n$/)

  // KafkaJS as a third-party judge: its admin sends DeleteRecords too, and sees the low watermark
  const kafka = new Kafka({ clientId: 'delete-records-judge', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  await runTool('kafka-console-producer', ['--bootstrap-server', cluster.bootstrap, '--topic', 'purged', '--request-required-acks', 'all'], { input: 'a\nb\nc\n' })
  await admin.fetchTopicMetadata({ topics: ['purged'] }) // KafkaJS's deleteTopicRecords needs the leaders known
  await admin.deleteTopicRecords({ topic: 'purged', partitions: [{ partition: 0, offset: '32' }] })
  const offsets = await admin.fetchTopicOffsets('purged')
  assert.deepEqual(offsets.map(o => ({ partition: o.partition, low: o.low, high: o.high })), [{ partition: 0, low: '32', high: '33' }])
  for (const broker of cluster.brokers) assert.equal(await logStartOffset(broker, 'purged'), 32, `broker ${broker.spec.brokerId} after KafkaJS's delete`)
})

test('kafka-delete-records refuses bad flags and bad JSON by name, and changes nothing', async t => {
  const files = mkdtempSync(join(tmpdir(), 'delete-records-bad-'))
  t.after(() => rmSync(files, { recursive: true, force: true }))
  const file = join(files, 'bad.json')
  writeFileSync(file, '{"partitions":[{"topic":"t","partition":0,"offset":"five"}],"version":1}')
  // no broker listens on port 1: a tool that got that far would fail differently
  const cases: Array<[string[], RegExp]> = [
    [['--bootstrap-server', '127.0.0.1:1', '--offset-json-file', file], /Option offset-json-file: partitions\[0\]\.offset must be an integer >= -1 .*got "five"/],
    [['--bootstrap-server', '127.0.0.1:1', '--offset-json-file', join(files, 'missing.json')], /Option offset-json-file: cannot read .*missing\.json: ENOENT/],
    [['--bootstrap-server', '127.0.0.1:1'], /Missing required argument "\[offset-json-file\]"/],
    [['--offset-json-file', file], /Missing required argument "\[bootstrap-server\]"/],
    [['--bootstrap-server', '127.0.0.1:1', '--offset-json', file], /offset-json is not a recognized option/],
  ]
  for (const [args, message] of cases) {
    const r = await runTool('kafka-delete-records', args)
    assert.equal(r.code, 1, args.join(' '))
    assert.match(r.stderr, message)
    assert.equal(r.stdout, '')
  }
})

test('kafka-get-offsets prints Kafka\'s topic:partition:offset lines for latest, earliest and a timestamp', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'counted', { partitions: 3 })
  // 10 records to partition 0 and 4 to partition 2, one batch each
  const records = [...Array.from({ length: 10 }, (_, i) => `0:${i}`), ...Array.from({ length: 4 }, (_, i) => `2:${i}`)]
  const wire = await WireConnection.open(cluster.bootstrap)
  t.after(() => wire.close())
  const before = Date.now()
  for (const r of records) {
    const [partition, value] = r.split(':')
    const answer = await wire.request(ProduceRequest, ProduceResponse, 7, produceRequest('counted', Number(partition), value!, 1))
    assert.equal(answer.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE)
  }
  const getOffsets = async (...args: string[]): Promise<string> => {
    const r = await runTool('kafka-get-offsets', ['--bootstrap-server', cluster.bootstrap, ...args])
    assert.equal(r.code, 0, r.stderr)
    return r.stdout
  }
  assert.equal(await getOffsets('--topic', 'counted'), 'counted:0:10\ncounted:1:0\ncounted:2:4\n')
  assert.equal(await getOffsets('--topic', 'counted', '--time', '-1', '--partitions', '0,2'), 'counted:0:10\ncounted:2:4\n')
  assert.equal(await getOffsets('--topic', 'count.*', '--time', 'earliest'), 'counted:0:0\ncounted:1:0\ncounted:2:0\n')
  assert.equal(await getOffsets('--topic', 'counted', '--time', String(before)), 'counted:0:0\ncounted:2:0\n', 'no line for a partition without a record that late')
  assert.equal(await getOffsets('--topic', 'counted', '--time', String(Date.now() + 60_000)), '')

  const none = await runTool('kafka-get-offsets', ['--bootstrap-server', cluster.bootstrap, '--topic', 'nosuch'])
  assert.equal(none.code, 1)
  assert.match(none.stderr, /Could not match any topic-partitions with the specified filters/)
  for (const [args, message] of [
    [['--time', 'soon'], /Option time: Malformed time argument soon/],
    [['--partitions', '0,x'], /Option partitions: --partitions expects a comma separated list of numeric partition ids, but received: 0,x/],
    [['--topic', '('], /Option topic: '\(' is not a valid regular expression/],
  ] as Array<[string[], RegExp]>) {
    const r = await runTool('kafka-get-offsets', ['--bootstrap-server', cluster.bootstrap, ...args])
    assert.equal(r.code, 1, args.join(' '))
    assert.match(r.stderr, message)
    assert.equal(r.stdout, '')
  }
})

test('kafka-log-dirs prints each broker\'s log dirs and partition sizes as Kafka\'s JSON; kafka-broker-api-versions each broker\'s versions', async t => {
  const cluster = await startCluster({ brokers: 2 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'sized', { assignments: [[1, 2], [2, 1]] })
  await createTopic(cluster.bootstrap, 'other', { assignments: [[1]] })
  const wire = await WireConnection.open(cluster.broker(1).bootstrap)
  t.after(() => wire.close())
  const answer = await wire.request(ProduceRequest, ProduceResponse, 7, produceRequest('sized', 0, 'x'.repeat(1000), -1))
  assert.equal(answer.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE)

  const r = await runTool('kafka-log-dirs', ['--bootstrap-server', cluster.bootstrap, '--describe', '--topic-list', 'sized'])
  assert.equal(r.code, 0, r.stderr)
  const [querying, received, json] = r.stdout.trimEnd().split('\n')
  assert.equal(querying, 'Querying brokers for log directories information')
  assert.equal(received, 'Received log directory information from brokers 1,2')
  const doc = JSON.parse(json!) as { version: number, brokers: Array<{ broker: number, logDirs: Array<{ logDir: string, error: string | null, partitions: Array<{ partition: string, size: number, offsetLag: number, isFuture: boolean }> }> }> }
  assert.equal(doc.version, 1)
  assert.deepEqual(doc.brokers.map(b => b.broker), [1, 2])
  for (const b of doc.brokers) {
    assert.deepEqual(b.logDirs.map(d => [d.logDir, d.error]), [[join(cluster.broker(b.broker).dir, 'data'), null]])
    const partitions = b.logDirs[0]!.partitions.sort((x, y) => x.partition.localeCompare(y.partition))
    assert.deepEqual(partitions.map(p => p.partition), ['sized-0', 'sized-1'], `broker ${b.broker}: only --topic-list's topic`)
    assert.ok(partitions[0]!.size > 1000, `sized-0 holds the 1 KB record on broker ${b.broker} (acks=all): ${partitions[0]!.size} bytes`)
    assert.equal(partitions[1]!.size, 0)
    assert.ok(partitions.every(p => p.offsetLag === 0 && !p.isFuture))
  }
  const one = await runTool('kafka-log-dirs', ['--bootstrap-server', cluster.bootstrap, '--describe', '--broker-list', '2'])
  assert.equal(one.code, 0, one.stderr)
  assert.deepEqual((JSON.parse(one.stdout.trimEnd().split('\n')[2]!) as typeof doc).brokers.map(b => b.broker), [2])
  const missing = await runTool('kafka-log-dirs', ['--bootstrap-server', cluster.bootstrap, '--describe', '--broker-list', '2,7'])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /The given brokers do not exist from --broker-list: 7\. Current existent brokers: 1,2/)
  const noAction = await runTool('kafka-log-dirs', ['--bootstrap-server', cluster.bootstrap])
  assert.equal(noAction.code, 1)
  assert.match(noAction.stderr, /--describe/)

  const versions = await runTool('kafka-broker-api-versions', ['--bootstrap-server', cluster.bootstrap])
  assert.equal(versions.code, 0, versions.stderr)
  for (const b of [1, 2]) assert.match(versions.stdout, new RegExp(`^127\\.0\\.0\\.1:${cluster.broker(b).port} \\(id: ${b} rack: null\\) -> \\($`, 'm'))
  assert.match(versions.stdout, /^\tProduce\(0\): \d+ to \d+ \[usable: \d+\],$/m)
  assert.match(versions.stdout, /^\tDescribeLogDirs\(35\): 0 to 4 \[usable: 4\],$/m)
  assert.match(versions.stdout, /^\tDescribeTopicPartitions\(75\): UNSUPPORTED$/m)
})

test('kafka-dump-log prints a stopped broker\'s segment, indexes and producer snapshot as Kafka\'s DumpLogSegments does', async t => {
  if (!existsSync(KCAT)) {
    t.skip('kcat is not installed')
    return
  }
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'dumped', { partitions: 1, configs: { 'index.interval.bytes': '1' } })
  for (const batch of ['k1:v1', 'k2:v2']) {
    await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', 'dumped', '-p', '0', '-K', ':', '-H', 'trace=abc', '-X', 'enable.idempotence=true'], { input: `${batch}\n` })
  }
  const broker = cluster.broker(1)
  assert.equal(await broker.stop(), 0, 'a clean shutdown writes the producer snapshot')
  const dir = join(broker.dir, 'data', 'dumped-0')
  const file = (name: string): string => join(dir, name)
  const dump = async (...args: string[]): Promise<string> => {
    const r = await runTool('kafka-dump-log', args)
    assert.equal(r.code, 0, r.stderr)
    return r.stdout
  }

  const segment = await dump('--files', file('00000000000000000000.log'), '--print-data-log')
  const lines = segment.trimEnd().split('\n')
  assert.equal(lines[0], `Dumping ${file('00000000000000000000.log')}`)
  assert.equal(lines[1], 'Log starting offset: 0')
  assert.match(lines[2]!, /^baseOffset: 0 lastOffset: 0 count: 1 baseSequence: 0 lastSequence: 0 producerId: \d+ producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong\.empty position: 0 CreateTime: \d+ size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true$/)
  assert.match(lines[3]!, /^\| offset: 0 CreateTime: \d+ keySize: 2 valueSize: 2 sequence: 0 headerKeys: \[trace\] key: k1 payload: v1$/)
  assert.match(lines[4]!, /^baseOffset: 1 lastOffset: 1 count: 1 baseSequence: 0 .* position: \d+ CreateTime/)
  assert.match(lines[5]!, /^\| offset: 1 .* key: k2 payload: v2$/)
  assert.equal(lines.length, 6)
  assert.equal((await dump('--files', file('00000000000000000000.log'))).trimEnd().split('\n').length, 4, 'shallow: batches only')

  const position = Number(/position: (\d+)/.exec(lines[4]!)![1])
  // as Kafka's LogSegment: an entry once more than index.interval.bytes went in since the last, so none for the first batch
  assert.equal(await dump('--files', file('00000000000000000000.index')), `Dumping ${file('00000000000000000000.index')}\noffset: 1 position: ${position}\n`)
  assert.match(await dump('--files', file('00000000000000000000.timeindex')), /^Dumping .*\.timeindex\ntimestamp: \d+ offset: 1\n$/)
  assert.equal(await dump('--files', file('00000000000000000000.index'), '--index-sanity-check'), `Dumping ${file('00000000000000000000.index')}\n${file('00000000000000000000.index')} passed sanity check.\n`)
  assert.equal(await dump('--files', file('00000000000000000000.index'), '--verify-index-only'), `Dumping ${file('00000000000000000000.index')}\n`)

  const snapshots = readdirSync(dir).filter(f => f.endsWith('.snapshot'))
  assert.deepEqual(snapshots, ['00000000000000000002.snapshot'])
  // one producer per kcat run
  assert.match(await dump('--files', file(snapshots[0]!)), /^Dumping .*\.snapshot\n(producerId: \d+ producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong\.empty lastTimestamp: \d+ firstSequence: 0 lastSequence: 0 lastOffset: [01] offsetDelta: 0 timestamp: \d+\n){2}$/)

  const bad = await runTool('kafka-dump-log', ['--files', join(dir, 'leader-epoch-checkpoint.log')])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /is not named <20-digit offset>\.<kind>/)
})
