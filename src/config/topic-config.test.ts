import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LONG_MAX } from './broker-config.js'
import { timestampMaxMs, toKafkaConfig, type KafkaConfig } from './kafka-config.js'
import { topicConfigValues } from './topic-config.js'

function brokerConfig (raw: Record<string, unknown>): KafkaConfig {
  const { config, problems } = toKafkaConfig({ 'zookeeper.connect': '127.0.0.1:2181', ...raw })
  assert.ok(config !== undefined, problems.join('; '))
  return config
}

test('timestamp limits default to Long.MAX_VALUE: no limit, as in Kafka 3.9', () => {
  const v = topicConfigValues(brokerConfig({}), {})
  for (const key of ['message.timestamp.difference.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms'] as const) assert.equal(v[key], LONG_MAX, key)
  assert.equal(topicConfigValues(brokerConfig({}), { 'message.timestamp.after.max.ms': '9223372036854775807' })['message.timestamp.after.max.ms'], LONG_MAX)
})

test('KIP-937: a before/after limit left at Long.MAX_VALUE takes the deprecated difference, for the broker and per topic', () => {
  const broker = brokerConfig({ 'log.message.timestamp.difference.max.ms': 86_400_000, 'log.message.timestamp.after.max.ms': 3_600_000 })
  assert.equal(broker.logMessageTimestampBeforeMaxMs, 86_400_000)
  assert.equal(broker.logMessageTimestampAfterMaxMs, 3_600_000)
  const inherited = topicConfigValues(broker, {})
  assert.deepEqual([inherited['message.timestamp.before.max.ms'], inherited['message.timestamp.after.max.ms']], [86_400_000, 3_600_000], 'topic defaults are the broker\'s effective limits')

  const v = topicConfigValues(brokerConfig({}), { 'message.timestamp.difference.max.ms': '60000', 'message.timestamp.after.max.ms': '1000' })
  const before = timestampMaxMs(v['message.timestamp.before.max.ms'] as number, v['message.timestamp.difference.max.ms'] as number)
  const after = timestampMaxMs(v['message.timestamp.after.max.ms'] as number, v['message.timestamp.difference.max.ms'] as number)
  assert.deepEqual([before, after], [60_000, 1000])
})
