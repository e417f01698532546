import { LONG_MAX } from './broker-config.js'
import type { KafkaConfig } from './kafka-config.js'
import { validateConfig, type ConfigSchema } from './schema.js'

/**
 * Topic-level keys (Kafka's LogConfig names) and, for each, the broker key that supplies its
 * default: a topic without an override follows the broker's setting.
 */
export const topicConfigSchema = {
  'cleanup.policy': { type: 'list', default: ['delete'] },
  'compression.type': { type: 'string', default: 'producer', oneOf: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] },
  'delete.retention.ms': { type: 'long', default: 86_400_000, min: 0 },
  'file.delete.delay.ms': { type: 'long', default: 60_000, min: 0 },
  'flush.messages': { type: 'long', default: Number.MAX_SAFE_INTEGER, min: 1 },
  'flush.ms': { type: 'long', default: Number.MAX_SAFE_INTEGER, min: 0 },
  'index.interval.bytes': { type: 'int', default: 4096, min: 0 },
  'max.message.bytes': { type: 'int', default: 1_048_588, min: 0 },
  'message.timestamp.type': { type: 'string', default: 'CreateTime', oneOf: ['CreateTime', 'LogAppendTime'] },
  'message.timestamp.difference.max.ms': { type: 'long', default: LONG_MAX, min: 0 },
  'message.timestamp.before.max.ms': { type: 'long', default: LONG_MAX, min: 0 },
  'message.timestamp.after.max.ms': { type: 'long', default: LONG_MAX, min: 0 },
  'min.cleanable.dirty.ratio': { type: 'double', default: 0.5, min: 0, max: 1 },
  'min.insync.replicas': { type: 'int', default: 1, min: 1 },
  'retention.bytes': { type: 'long', default: -1 },
  'retention.ms': { type: 'long', default: 604_800_000, min: -1 },
  'segment.bytes': { type: 'int', default: 1_073_741_824, min: 14 },
  'segment.index.bytes': { type: 'int', default: 10_485_760, min: 4 },
  'segment.ms': { type: 'long', default: 604_800_000, min: 1 },
  'unclean.leader.election.enable': { type: 'boolean', default: false },
} as const satisfies ConfigSchema

export type TopicConfigKey = keyof typeof topicConfigSchema

/** The broker key a topic key defaults to (Kafka's LogConfig "server default property"). */
export const brokerDefaultKey: Record<TopicConfigKey, string> = {
  'cleanup.policy': 'log.cleanup.policy',
  'compression.type': 'compression.type',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'file.delete.delay.ms': 'log.segment.delete.delay.ms',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'index.interval.bytes': 'log.index.interval.bytes',
  'max.message.bytes': 'message.max.bytes',
  'message.timestamp.type': 'log.message.timestamp.type',
  'message.timestamp.difference.max.ms': 'log.message.timestamp.difference.max.ms',
  'message.timestamp.before.max.ms': 'log.message.timestamp.before.max.ms',
  'message.timestamp.after.max.ms': 'log.message.timestamp.after.max.ms',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'min.insync.replicas': 'min.insync.replicas',
  'retention.bytes': 'log.retention.bytes',
  'retention.ms': 'log.retention.ms',
  'segment.bytes': 'log.segment.bytes',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'segment.ms': 'log.roll.ms',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
}

export interface TopicConfigEntry { name: TopicConfigKey, value: string, source: 'topic' | 'broker' | 'default' }

/** The broker's value for a topic key (derived ones such as retention.ms come from KafkaConfig). */
export function brokerDefault (config: KafkaConfig, key: TopicConfigKey): { value: string, fromBroker: boolean } | undefined {
  if (key === 'retention.ms') return { value: String(config.logRetentionMs), fromBroker: true }
  if (key === 'segment.ms') return { value: String(config.logRollMs), fromBroker: true }
  if (key === 'message.timestamp.before.max.ms') return { value: String(config.logMessageTimestampBeforeMaxMs), fromBroker: true }
  if (key === 'message.timestamp.after.max.ms') return { value: String(config.logMessageTimestampAfterMaxMs), fromBroker: true }
  if (key === 'flush.ms') {
    const v = config.values['log.flush.interval.ms']
    return v === null ? undefined : { value: String(v), fromBroker: true }
  }
  const v = (config.values as Record<string, unknown>)[brokerDefaultKey[key]]
  if (v === undefined || v === null) return undefined
  return { value: Array.isArray(v) ? v.join(',') : String(v), fromBroker: true }
}

/** Every topic key with its effective value and where it came from. */
export function effectiveTopicConfig (config: KafkaConfig, overrides: Record<string, string>): TopicConfigEntry[] {
  return (Object.keys(topicConfigSchema) as TopicConfigKey[]).map(name => {
    if (overrides[name] !== undefined) return { name, value: overrides[name], source: 'topic' as const }
    const b = brokerDefault(config, name)
    if (b !== undefined) return { name, value: b.value, source: 'broker' as const }
    const d = topicConfigSchema[name].default
    return { name, value: Array.isArray(d) ? d.join(',') : String(d), source: 'default' as const }
  })
}

/** Typed effective values, for building a log's settings. */
export function topicConfigValues (config: KafkaConfig, overrides: Record<string, string>): Record<TopicConfigKey, unknown> {
  const raw = Object.fromEntries(effectiveTopicConfig(config, overrides).map(e => [e.name, e.value]))
  return validateConfig(topicConfigSchema, raw).values as Record<TopicConfigKey, unknown>
}

/** Problems with a topic's overrides: unknown keys and bad values, by name (INVALID_CONFIG). */
export function topicConfigProblems (overrides: Record<string, string>): string[] {
  return validateConfig(topicConfigSchema, overrides).problems.filter(p => p.key in overrides).map(p => p.message)
}
