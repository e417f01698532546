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

// librdkafka's 0092-mixed_msgver (test_AlterConfigs_simple): every described config read back, plus
// the change, sent as one legacy AlterConfigs; then the topic created with the deprecated keys.
const readBackScript = `
import json, sys
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
admin = AdminClient({'bootstrap.servers': sys.argv[1]})
topic = ConfigResource(ConfigResource.Type.TOPIC, 'mixed')
described = admin.describe_configs([topic])[topic].result(timeout=15)
changes = json.loads(sys.argv[2])
for name, entry in described.items():
    if name not in changes and entry.value is not None:
        topic.set_config(name, entry.value)
for name, value in changes.items():
    topic.set_config(name, value)
admin.alter_configs([topic])[topic].result(timeout=15)
created = admin.create_topics([NewTopic('created-deprecated', 1, 1, config=changes)])['created-deprecated']
created.result(timeout=15)
print(json.dumps({'read_back': len(described)}))
`

test('deprecated topic configs Kafka 3.x still takes (message.format.version=0.10.0.0, message.downconversion.enable): stored by AlterConfigs with every read-back value (librdkafka 0092), CreateTopics and IncrementalAlterConfigs; kafka-configs --describe --all names each value\'s source', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'log.retention.hours': 24 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'mixed', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'mixed', 1)
  const deprecated = { 'message.format.version': '0.10.0.0', 'message.downconversion.enable': 'false', 'message.timestamp.difference.max.ms': '86400000' }
  const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', readBackScript, cluster.bootstrap, JSON.stringify(deprecated)], { encoding: 'utf8', timeout: 60_000 })) as { read_back: number }
  assert.ok(out.read_back > 30, `every topic config was read back and sent again (${out.read_back})`)
  for (const topic of ['mixed', 'created-deprecated']) {
    const node = await cluster.zk.getData(`/config/topics/${topic}`)
    const stored = (JSON.parse(node?.data.toString() ?? '{}') as { config: Record<string, string> }).config
    assert.deepEqual(Object.fromEntries(Object.keys(deprecated).map(k => [k, stored[k]])), deprecated, `${topic}: stored as given`)
  }
  const incremental = await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--topic', 'created-deprecated', '--alter', '--add-config', 'message.format.version=2.8-IV1'])
  assert.equal(incremental.code, 0, incremental.stderr)

  // what the topic describes with --all: one source per value, Kafka's names, sorted by name
  await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--broker-defaults', '--alter', '--add-config', 'log.cleaner.delete.retention.ms=3600000'])
  await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--broker', '1', '--alter', '--add-config', 'log.retention.bytes=1073741824'])
  let all = ''
  await waitFor(async () => {
    all = (await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--topic', 'created-deprecated', '--describe', '--all'])).stdout
    return all.includes('DYNAMIC_BROKER_CONFIG:log.retention.bytes') && all.includes('DYNAMIC_DEFAULT_BROKER_CONFIG') && all.includes('message.format.version=2.8-IV1')
  }, 'the dynamic broker configs and the topic change to reach the topic\'s description', { onTimeout: () => all })
  const lines = all.split('\n')
  assert.equal(lines[0], 'All configs for topic created-deprecated are:')
  const entries = lines.slice(1).filter(l => l !== '')
  assert.deepEqual(entries.map(l => l.trim().split('=')[0]), entries.map(l => l.trim().split('=')[0]).sort(), 'sorted by name, as ConfigCommand prints them')
  const line = (name: string): string | undefined => entries.find(l => l.startsWith(`  ${name}=`))
  assert.equal(line('message.format.version'), '  message.format.version=2.8-IV1 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:message.format.version=2.8-IV1, DEFAULT_CONFIG:log.message.format.version=3.0-IV1}')
  assert.equal(line('message.downconversion.enable'), '  message.downconversion.enable=false sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:message.downconversion.enable=false, DEFAULT_CONFIG:log.message.downconversion.enable=true}')
  assert.equal(line('retention.bytes'), '  retention.bytes=1073741824 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.bytes=1073741824, DEFAULT_CONFIG:log.retention.bytes=-1}')
  assert.equal(line('delete.retention.ms'), '  delete.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.delete.retention.ms=3600000, DEFAULT_CONFIG:log.cleaner.delete.retention.ms=86400000}')
  assert.equal(line('retention.ms'), '  retention.ms=86400000 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.retention.hours=24, DEFAULT_CONFIG:log.retention.hours=168}')
  assert.equal(line('segment.ms'), '  segment.ms=604800000 sensitive=false synonyms={DEFAULT_CONFIG:log.roll.hours=168}')

  const broker = (await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--entity-type', 'brokers', '--describe', '--all'])).stdout
  assert.match(broker, /^All configs for broker 1 are:$/m)
  assert.match(broker, /^ {2}log\.retention\.bytes=1073741824 sensitive=false synonyms=\{DYNAMIC_BROKER_CONFIG:log\.retention\.bytes=1073741824, DEFAULT_CONFIG:log\.retention\.bytes=-1\}$/m)
  assert.match(broker, /^ {2}log\.cleaner\.delete\.retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.cleaner\.delete\.retention\.ms=3600000, DEFAULT_CONFIG:log\.cleaner\.delete\.retention\.ms=86400000\}$/m)
  assert.match(broker, /^ {2}log\.retention\.hours=24 sensitive=false synonyms=\{STATIC_BROKER_CONFIG:log\.retention\.hours=24, DEFAULT_CONFIG:log\.retention\.hours=168\}$/m)
  assert.match(broker, /^Default configs for brokers in the cluster are:\n {2}log\.cleaner\.delete\.retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.cleaner\.delete\.retention\.ms=3600000\}\n$/m, 'then the cluster-wide default, as ConfigCommand lists it last')
})
