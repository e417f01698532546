import { test } from 'node:test'
import assert from 'node:assert/strict'
import { brokerConfigSchema } from './broker-config.js'
import { toKafkaConfig, type KafkaConfig } from './kafka-config.js'
import { LONG_MAX } from './schema.js'
import { describeTopicConfig, timestampMaxMs, topicConfig, topicConfigProblems, topicConfigSchema, type TopicConfigName } from './topic-config.js'

function brokerConfig (raw: Record<string, unknown>, dynamic = { dynamicBroker: {}, dynamicDefault: {} }): KafkaConfig {
  const { config, problems } = toKafkaConfig({ 'zookeeper.connect': '127.0.0.1:2181', ...raw }, dynamic)
  assert.ok(config !== undefined, problems.join('; '))
  return config
}

// Kafka 3.9's topic configs (TopicConfig and LogConfig's definitions): the table holds these, no more.
const kafka39TopicConfigs = [
  'cleanup.policy', 'compression.gzip.level', 'compression.lz4.level', 'compression.type', 'compression.zstd.level',
  'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
  'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
  'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
  'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms',
  'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
  'remote.log.copy.disable', 'remote.log.delete.on.disable', 'remote.storage.enable', 'retention.bytes', 'retention.ms',
  'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
]

test('the table holds every Kafka 3.9 topic config, each defaulting to broker keys the broker table has', () => {
  assert.deepEqual(Object.keys(topicConfigSchema).sort(), [...kafka39TopicConfigs].sort())
  for (const [name, spec] of Object.entries(topicConfigSchema)) {
    for (const key of 'serverDefault' in spec ? spec.serverDefault : []) assert.ok(key in brokerConfigSchema, `${name}: ${key}`)
  }
  const defaults = topicConfig(brokerConfig({}), {})
  assert.equal(defaults['segment.ms'], 604_800_000, 'log.roll.hours 168, in ms')
  assert.equal(defaults['flush.ms'], LONG_MAX, 'log.flush.interval.ms unset: log.flush.scheduler.interval.ms')
  assert.equal(defaults['local.retention.ms'], -2)
  assert.deepEqual(defaults['follower.replication.throttled.replicas'], [])
})

test('a topic key takes its override, else its first broker synonym that is set, converted to ms', () => {
  const broker = brokerConfig({ 'log.retention.hours': 24, 'log.roll.jitter.hours': 1, 'log.cleanup.policy': 'compact' })
  const v = topicConfig(broker, { 'segment.jitter.ms': '5' })
  assert.equal(v['retention.ms'], 86_400_000)
  assert.equal(v['segment.jitter.ms'], 5, 'the override wins over log.roll.jitter.hours')
  assert.deepEqual(v['cleanup.policy'], ['compact'])
  assert.equal(topicConfig(brokerConfig({ 'log.retention.hours': 24, 'log.retention.minutes': 5, 'log.retention.ms': 7 }), {})['retention.ms'], 7, 'ms before minutes before hours')
  assert.equal(topicConfig(broker, { 'retention.ms': 'soon' })['retention.ms'], 86_400_000, 'an override the table refuses (written by something else) falls back')
})

test('timestamp limits default to Long.MAX_VALUE: no limit, as in Kafka 3.9', () => {
  const v = topicConfig(brokerConfig({}), {})
  for (const key of ['message.timestamp.difference.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms'] as const) assert.equal(v[key], LONG_MAX, key)
  assert.equal(topicConfig(brokerConfig({}), { 'message.timestamp.after.max.ms': '9223372036854775807' })['message.timestamp.after.max.ms'], LONG_MAX)
})

test('KIP-937: a before/after limit left at Long.MAX_VALUE takes the deprecated difference, for the broker and per topic', () => {
  const inherited = topicConfig(brokerConfig({ 'log.message.timestamp.difference.max.ms': 86_400_000, 'log.message.timestamp.after.max.ms': 3_600_000 }), {})
  assert.deepEqual([inherited['message.timestamp.before.max.ms'], inherited['message.timestamp.after.max.ms']], [86_400_000, 3_600_000], 'topic defaults are the broker\'s effective limits')

  const v = topicConfig(brokerConfig({}), { 'message.timestamp.difference.max.ms': '60000', 'message.timestamp.after.max.ms': '1000' })
  const before = timestampMaxMs(v['message.timestamp.before.max.ms'], v['message.timestamp.difference.max.ms'])
  const after = timestampMaxMs(v['message.timestamp.after.max.ms'], v['message.timestamp.difference.max.ms'])
  assert.deepEqual([before, after], [60_000, 1000])
})

test('described: the value Kafka prints, and its source and synonyms in Kafka\'s order of precedence', () => {
  const broker = brokerConfig({ 'log.retention.hours': 24 }, { dynamicDefault: { 'log.retention.ms': '5000' }, dynamicBroker: {} })
  const byName = new Map(describeTopicConfig(broker, { 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '1' }).map(e => [e.name, e]))
  assert.deepEqual(byName.get('retention.ms'), {
    name: 'retention.ms',
    value: '5000',
    source: 'dynamic-default',
    synonyms: [
      { name: 'log.retention.ms', value: '5000', source: 'dynamic-default' },
      { name: 'log.retention.hours', value: '24', source: 'static' },
      { name: 'log.retention.hours', value: '168', source: 'default' },
    ],
  })
  assert.deepEqual(byName.get('cleanup.policy')?.synonyms[0], { name: 'cleanup.policy', value: 'compact,delete', source: 'topic' })
  assert.equal(byName.get('min.cleanable.dirty.ratio')?.value, '1.0', 'a double as Java prints it')
  assert.equal(byName.get('flush.messages')?.value, '9223372036854775807', 'Long.MAX_VALUE as Kafka prints it')
  assert.equal(byName.get('remote.storage.enable')?.source, 'default', 'no broker synonym: the table\'s default')
  assert.deepEqual(byName.get('remote.storage.enable')?.synonyms, [])
})

test('problems: unknown keys and bad values by name, and Kafka\'s checks across keys', () => {
  const broker = brokerConfig({})
  const problems = (overrides: Record<string, string>): string[] => topicConfigProblems(broker, overrides)
  assert.deepEqual(problems({ 'retention.msx': '1' }), ['unknown key "retention.msx" (did you mean "retention.ms"?)'])
  assert.match(problems({ 'compression.gzip.level': '0' })[0] ?? '', /-1 or an integer between 1 and 9/)
  assert.deepEqual(problems({ 'compression.gzip.level': '-1', 'compression.zstd.level': '-131072', 'message.format.version': '2.8' }), [])
  assert.match(problems({ 'message.format.version': '9.9' })[0] ?? '', /a Kafka version/)
  assert.deepEqual(problems({ 'leader.replication.throttled.replicas': '0:1,1:2', 'follower.replication.throttled.replicas': '*' }), [])
  assert.match(problems({ 'leader.replication.throttled.replicas': '0-1' })[0] ?? '', /\[partitionId\]:\[brokerId\]/)
  assert.match(problems({ 'cleanup.policy': 'compact,forever' })[0] ?? '', /a list of compact, delete/)
  assert.deepEqual(problems({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }), ['conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)'])
  assert.deepEqual(problems({ 'remote.storage.enable': 'true' }), ['Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'])
  assert.match(problems({ 'remote.log.copy.disable': 'true' })[0] ?? '', /under Zookeeper's mode/)
  assert.deepEqual(problems({ 'remote.storage.enable': 'false', 'remote.log.copy.disable': 'false', 'preallocate': 'TRUE' }), [], 'booleans in any case, as Kafka reads them')
})

test('every topic config round-trips: a valid override is described back with its value and source', () => {
  const broker = brokerConfig({})
  const overrides: Record<TopicConfigName, string> = {
    'cleanup.policy': 'compact', 'compression.gzip.level': '5', 'compression.lz4.level': '10', 'compression.type': 'zstd', 'compression.zstd.level': '7',
    'delete.retention.ms': '1000', 'file.delete.delay.ms': '2000', 'flush.messages': '100', 'flush.ms': '3000', 'follower.replication.throttled.replicas': '0:1',
    'index.interval.bytes': '8192', 'leader.replication.throttled.replicas': '*', 'local.retention.bytes': '-2', 'local.retention.ms': '-2',
    'max.compaction.lag.ms': '600000', 'max.message.bytes': '2000000', 'message.downconversion.enable': 'false', 'message.format.version': '3.0-IV1',
    'message.timestamp.after.max.ms': '4000', 'message.timestamp.before.max.ms': '5000', 'message.timestamp.difference.max.ms': '6000',
    'message.timestamp.type': 'LogAppendTime', 'min.cleanable.dirty.ratio': '0.25', 'min.compaction.lag.ms': '7000', 'min.insync.replicas': '2',
    'preallocate': 'true', 'remote.log.copy.disable': 'false', 'remote.log.delete.on.disable': 'false', 'remote.storage.enable': 'false',
    'retention.bytes': '1048576', 'retention.ms': '8000', 'segment.bytes': '65536', 'segment.index.bytes': '4096', 'segment.jitter.ms': '9000', 'segment.ms': '10000',
    'unclean.leader.election.enable': 'true',
  }
  assert.deepEqual(topicConfigProblems(broker, overrides), [])
  const described = describeTopicConfig(broker, overrides)
  assert.deepEqual(Object.fromEntries(described.map(e => [e.name, e.value])), overrides)
  assert.ok(described.every(e => e.source === 'topic'))
})
