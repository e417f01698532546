import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { createTopic } from './support/admin.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'
import { waitForTopic, WireConnection } from './support/wire-connection.js'

// confluent-kafka's AdminClient (librdkafka) drives DescribeConfigs / AlterConfigs: a client we did not write.
const script = `
import json, sys
from confluent_kafka.admin import AdminClient, ConfigResource
admin = AdminClient({'bootstrap.servers': sys.argv[1]})
topic = ConfigResource(ConfigResource.Type.TOPIC, 'configured')
if sys.argv[2] == 'alter':
    topic.set_config('retention.ms', '3600000')
    topic.set_config('cleanup.policy', 'delete')
    admin.alter_configs([topic])[topic].result(timeout=15)
    print(json.dumps({'ok': True}))
elif sys.argv[2] == 'bad':
    topic.set_config('retention.msx', '1')
    try:
        admin.alter_configs([topic])[topic].result(timeout=15)
        print(json.dumps({'error': None}))
    except Exception as e:
        print(json.dumps({'error': str(e)}))
else:
    configs = admin.describe_configs([topic])[topic].result(timeout=15)
    broker = ConfigResource(ConfigResource.Type.BROKER, '1')
    bconfigs = admin.describe_configs([broker])[broker].result(timeout=15)
    print(json.dumps({'topic': {k: [v.value, v.source] for k, v in configs.items()}, 'broker': {k: v.value for k, v in bconfigs.items()}}))
`

function python (bootstrap: string, mode: string): Record<string, unknown> {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, bootstrap, mode], { encoding: 'utf8', timeout: 30_000 })) as Record<string, unknown>
}

test('topic and broker configs: described with their sources, altered by a real AdminClient, applied through ZooKeeper', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'log.retention.hours': 24 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'configured', { partitions: 1, configs: { 'max.message.bytes': '2000000' } })

  const before = python(cluster.bootstrap, 'describe') as { topic: Record<string, [string, number]>, broker: Record<string, string> }
  assert.deepEqual(before.topic['max.message.bytes'], ['2000000', 1], 'a topic override: DYNAMIC_TOPIC_CONFIG')
  assert.deepEqual(before.topic['retention.ms'], [String(24 * 3_600_000), 4], 'from the broker\'s log.retention.hours: STATIC_BROKER_CONFIG')
  assert.equal(before.topic['segment.bytes']?.[1], 5, 'untouched: DEFAULT_CONFIG')
  assert.equal(before.broker['log.retention.hours'], '24')

  assert.deepEqual(python(cluster.bootstrap, 'alter'), { ok: true })
  const node = await cluster.zk.getData('/config/topics/configured')
  assert.deepEqual(JSON.parse(node?.data.toString() ?? '{}'), { version: 1, config: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' } }, 'AlterConfigs replaces the overrides, in Kafka\'s znode format')
  assert.ok((await cluster.zk.getChildren('/config/changes')).some(c => c.startsWith('config_change_')), 'a change notification')
  await waitFor(() => {
    const after = python(cluster.bootstrap, 'describe') as { topic: Record<string, [string, number]> }
    return after.topic['retention.ms']?.[0] === '3600000' && after.topic['max.message.bytes']?.[1] === 5
  }, 'the new overrides to show in DescribeConfigs')

  const bad = python(cluster.bootstrap, 'bad') as { error: string | null }
  assert.match(bad.error ?? '', /retention\.msx/, 'an unknown key is refused by name')
})

test('message.timestamp.type=LogAppendTime: the broker\'s clock replaces the producer\'s timestamp, as clients read it', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'stamped', { partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } })
  const before = Date.now()
  const kafka = new Kafka({ clientId: 'log-append-time', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  t.after(async () => await producer.disconnect())
  const [meta] = await producer.send({ topic: 'stamped', messages: [{ value: 'old', timestamp: '1000' }] })
  assert.ok(Number(meta?.logAppendTime) >= before, `the produce answer carries the append time (${String(meta?.logAppendTime)})`)
  const out = execFileSync('kcat', ['-C', '-b', cluster.bootstrap, '-t', 'stamped', '-o', 'beginning', '-e', '-q', '-f', '%T %s\\n'], { encoding: 'utf8', timeout: 20_000 })
  const [timestamp, value] = out.trim().split(' ')
  assert.equal(value, 'old')
  assert.ok(Number(timestamp) >= before && Number(timestamp) <= Date.now(), `kcat reads the broker's append time, not 1000 (got ${timestamp})`)
})

// KafkaJS's CommonJS exports hide this one from named ESM imports
const { ConfigResourceTypes } = kafkajs

/** DescribeConfigs' ConfigSource values, as KafkaJS reports them. */
const Source = { TOPIC: 1, DEFAULT_CONFIG: 5 }

// Every topic config of Kafka 3.9 with two valid values: [at CreateTopics, at IncrementalAlterConfigs].
const everyTopicConfig: Record<string, [string, string]> = {
  'cleanup.policy': ['compact', 'compact,delete'],
  'compression.gzip.level': ['5', '9'],
  'compression.lz4.level': ['10', '17'],
  'compression.type': ['zstd', 'lz4'],
  'compression.zstd.level': ['7', '-5'],
  'delete.retention.ms': ['1000', '2000'],
  'file.delete.delay.ms': ['2000', '0'],
  'flush.messages': ['100', '1'],
  'flush.ms': ['3000', '0'],
  'follower.replication.throttled.replicas': ['0:1', '0:1,0:2'],
  'index.interval.bytes': ['8192', '0'],
  'leader.replication.throttled.replicas': ['*', '0:1'],
  'local.retention.bytes': ['-2', '1000'],
  'local.retention.ms': ['-2', '5000'],
  'max.compaction.lag.ms': ['600000', '900000'],
  'max.message.bytes': ['2000000', '500000'],
  'message.downconversion.enable': ['false', 'true'],
  'message.format.version': ['3.0-IV1', '2.8-IV1'],
  'message.timestamp.after.max.ms': ['4000', '3600000'],
  'message.timestamp.before.max.ms': ['5000', '7200000'],
  'message.timestamp.difference.max.ms': ['6000', '86400000'],
  'message.timestamp.type': ['LogAppendTime', 'CreateTime'],
  'min.cleanable.dirty.ratio': ['0.25', '0.75'],
  'min.compaction.lag.ms': ['7000', '0'],
  'min.insync.replicas': ['2', '1'],
  'preallocate': ['true', 'false'],
  // ZooKeeper mode takes only false for these, and true for remote.storage.enable needs tiered storage (LogConfig.validate)
  'remote.log.copy.disable': ['false', 'false'],
  'remote.log.delete.on.disable': ['false', 'false'],
  'remote.storage.enable': ['false', 'false'],
  'retention.bytes': ['1048576', '-1'],
  'retention.ms': ['8000', '86400000'],
  'segment.bytes': ['65536', '1048576'],
  'segment.index.bytes': ['4096', '8192'],
  'segment.jitter.ms': ['9000', '0'],
  'segment.ms': ['10000', '3600000'],
  'unclean.leader.election.enable': ['true', 'false'],
}

async function describeTopic (admin: Admin, topic: string): Promise<Record<string, { value: string, source: number }>> {
  const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false })
  return Object.fromEntries(resources[0]!.configEntries.map(e => [e.configName, { value: e.configValue, source: e.configSource }]))
}

function valuesOf (described: Record<string, { value: string }>): Record<string, string> {
  return Object.fromEntries(Object.keys(everyTopicConfig).map(name => [name, described[name]?.value ?? '(absent)']))
}

test('every Kafka 3.9 topic config round-trips: CreateTopics (KafkaJS), IncrementalAlterConfigs (kafka-configs), DescribeConfigs (KafkaJS)', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const kafka = new Kafka({ clientId: 'every-topic-config', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  const pick = (i: 0 | 1): Record<string, string> => Object.fromEntries(Object.entries(everyTopicConfig).map(([name, values]) => [name, values[i]]))

  assert.equal(await admin.createTopics({ topics: [{ topic: 'every', numPartitions: 1, replicationFactor: 1, configEntries: Object.entries(pick(0)).map(([name, value]) => ({ name, value })) }], waitForLeaders: true }), true)
  const created = await describeTopic(admin, 'every')
  assert.deepEqual(valuesOf(created), pick(0))
  assert.deepEqual(Object.keys(everyTopicConfig).filter(name => created[name]?.source !== Source.TOPIC), [], 'each a topic override')

  const dir = mkdtempSync(join(tmpdir(), 'every-topic-config-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'changes.properties')
  writeFileSync(file, Object.entries(pick(1)).map(([name, value]) => `${name}=${value}`).join('\n') + '\n')
  const b = ['--bootstrap-server', cluster.bootstrap, '--entity-type', 'topics', '--entity-name', 'every', '--alter']
  const altered = await runTool('kafka-configs', [...b, '--add-config-file', file])
  assert.equal(altered.code, 0, altered.stderr)
  let seen: Record<string, string> = {}
  await waitFor(async () => { seen = valuesOf(await describeTopic(admin, 'every')); return seen['segment.ms'] === '3600000' }, 'the altered configs to be described', { onTimeout: () => JSON.stringify(seen) })
  assert.deepEqual(seen, pick(1))

  const deleted = await runTool('kafka-configs', [...b, '--delete-config', Object.keys(everyTopicConfig).join(',')])
  assert.equal(deleted.code, 0, deleted.stderr)
  let back: Record<string, { value: string, source: number }> = {}
  await waitFor(async () => { back = await describeTopic(admin, 'every'); return back['segment.ms']?.source === Source.DEFAULT_CONFIG }, 'the overrides to be gone')
  assert.deepEqual(Object.keys(everyTopicConfig).filter(name => back[name]?.source !== Source.DEFAULT_CONFIG), [], 'no override and no broker setting left: Kafka\'s defaults')
  assert.deepEqual(['flush.ms', 'min.cleanable.dirty.ratio', 'local.retention.ms', 'message.format.version', 'segment.jitter.ms'].map(name => back[name]?.value),
    ['9223372036854775807', '0.5', '-2', '3.0-IV1', '0'], 'written as Kafka writes its defaults')
})

test('max.compaction.lag.ms (KIP-354): the cleaner compacts a log whose dirty ratio alone would never get it cleaned', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'log.cleaner.backoff.ms': 100 } })
  t.after(cluster.cleanup)
  // min.cleanable.dirty.ratio 1 is never exceeded (Kafka cleans above the ratio), so only the lag can clean `lagged`
  const compacted = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '1', 'segment.bytes': '200' }
  await createTopic(cluster.bootstrap, 'lagged', { configs: { ...compacted, 'max.compaction.lag.ms': '1000' } })
  await createTopic(cluster.bootstrap, 'unlagged', { configs: compacted })
  await Promise.all(['lagged', 'unlagged'].map(async topic => await waitForTopic(cluster.bootstrap, topic, 1)))
  const kafka = new Kafka({ clientId: 'compaction-lag', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  t.after(async () => await producer.disconnect())
  // one send per round: with segment.bytes 200 each one starts a segment, so rounds a and b are in non-active segments
  for (const round of ['a', 'b', 'c']) {
    for (const topic of ['lagged', 'unlagged']) await producer.send({ topic, messages: ['k0', 'k1', 'k2', 'k3', 'k4'].map(key => ({ key, value: `${round}-${key}` })) })
  }
  const values = (topic: string): string[] => execFileSync('kcat', ['-C', '-b', cluster.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], { encoding: 'utf8', timeout: 20_000 }).trim().split('\n')
  let seen: string[] = []
  await waitFor(() => !(seen = values('lagged')).some(v => v.startsWith('a-')), 'round a of `lagged` to be compacted away', { timeoutMs: 20_000, onTimeout: () => seen.join(' ') })
  assert.deepEqual(seen.filter(v => v.startsWith('b-')).length, 5, 'the latest values of the cleaned segments stay')
  assert.equal(values('unlagged').filter(v => v.startsWith('a-')).length, 5, 'the same log without the lag is left dirty: the ratio alone never cleans it')
})

test('message.downconversion.enable=false: a consumer that needs magic 0/1 is refused with UNSUPPORTED_VERSION, until the topic allows it again', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'modern', { configs: { 'message.downconversion.enable': 'false' } })
  await waitForTopic(cluster.bootstrap, 'modern', 1)
  execFileSync('kcat', ['-P', '-b', cluster.bootstrap, '-t', 'modern', '-p', '0'], { input: 'v2 only\n', timeout: 20_000 })
  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  const fetchCode = async (version: number): Promise<number> => {
    const res = await conn.request(FetchRequest, FetchResponse, version, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
      topics: [{ topic: 'modern', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    })
    return res.responses[0]!.partitions[0]!.errorCode
  }
  assert.equal(await fetchCode(3), ErrorCode.UNSUPPORTED_VERSION, 'Fetch v3 needs magic 1')
  assert.equal(await fetchCode(4), ErrorCode.NONE, 'Fetch v4 reads the stored v2 batches')
  const altered = await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--topic', 'modern', '--alter', '--delete-config', 'message.downconversion.enable'])
  assert.equal(altered.code, 0, altered.stderr)
  await waitFor(async () => await fetchCode(3) === ErrorCode.NONE, 'Fetch v3 to be down-converted again')
})
