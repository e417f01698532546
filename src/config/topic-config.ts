import { gzipLevel, metadataVersion, noEffect, type BrokerConfigName } from './broker-config.js'
import { brokerConfigLevels, type BrokerConfigSource, type KafkaConfig } from './kafka-config.js'
import { configValueString, LONG_MAX, validateConfig, type ConfigKey, type ConfigValues } from './schema.js'

export interface TopicConfigKey extends ConfigKey {
  /**
   * The broker keys that supply the default when the topic has no override, first set wins
   * (Kafka's ServerTopicConfigSynonyms); a key ending in .hours or .minutes is converted to
   * milliseconds. Without any, the default is the table's (LogConfig.CONFIGS_WITH_NO_SERVER_DEFAULTS).
   */
  serverDefault?: readonly BrokerConfigName[]
}

/**
 * Every topic config of Kafka 3.9 (TopicConfig, LogConfig's definitions and Kafka's documentation,
 * Topic-Level Configs) with its type, default, bounds and validation, stated once: CreateTopics,
 * AlterConfigs, DescribeConfigs and the logs (storage/log-config.ts) all read this table. Keys
 * marked compatOnly are stored and described but change nothing here (README, Configuration).
 */
export const topicConfigSchema = {
  'cleanup.policy': { type: 'list', default: ['delete'], oneOf: ['compact', 'delete'], serverDefault: ['log.cleanup.policy'] },
  'compression.gzip.level': { type: 'int', default: -1, valid: gzipLevel, serverDefault: ['compression.gzip.level'], compatOnly: noEffect.recompression },
  'compression.lz4.level': { type: 'int', default: 9, min: 1, max: 17, serverDefault: ['compression.lz4.level'], compatOnly: noEffect.recompression },
  'compression.type': { type: 'string', default: 'producer', oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], serverDefault: ['compression.type'], compatOnly: noEffect.recompression },
  'compression.zstd.level': { type: 'int', default: 3, min: -131_072, max: 22, serverDefault: ['compression.zstd.level'], compatOnly: noEffect.recompression },
  'delete.retention.ms': { type: 'long', default: 86_400_000, min: 0, serverDefault: ['log.cleaner.delete.retention.ms'] },
  'file.delete.delay.ms': { type: 'long', default: 60_000, min: 0, serverDefault: ['log.segment.delete.delay.ms'], compatOnly: noEffect.deleteDelay },
  'flush.messages': { type: 'long', default: LONG_MAX, min: 1, serverDefault: ['log.flush.interval.messages'] },
  'flush.ms': { type: 'long', default: LONG_MAX, min: 0, serverDefault: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'] },
  'follower.replication.throttled.replicas': { type: 'list', default: [], valid: throttledReplicas },
  'index.interval.bytes': { type: 'int', default: 4096, min: 0, serverDefault: ['log.index.interval.bytes'] },
  'leader.replication.throttled.replicas': { type: 'list', default: [], valid: throttledReplicas },
  'local.retention.bytes': { type: 'long', default: -2, min: -2, serverDefault: ['log.local.retention.bytes'], compatOnly: noEffect.tieredStorage },
  'local.retention.ms': { type: 'long', default: -2, min: -2, serverDefault: ['log.local.retention.ms'], compatOnly: noEffect.tieredStorage },
  'max.compaction.lag.ms': { type: 'long', default: LONG_MAX, min: 1, serverDefault: ['log.cleaner.max.compaction.lag.ms'] },
  'max.message.bytes': { type: 'int', default: 1_048_588, min: 0, serverDefault: ['message.max.bytes'] },
  'message.downconversion.enable': { type: 'boolean', default: true, serverDefault: ['log.message.downconversion.enable'] },
  // Deprecated; Kafka 3.x ignores it too once inter.broker.protocol.version is 3.0 or later (LogConfig.MessageFormatVersion).
  'message.format.version': { type: 'string', default: '3.0-IV1', valid: metadataVersion, serverDefault: ['log.message.format.version'], compatOnly: noEffect.recordFormat },
  'message.timestamp.after.max.ms': { type: 'long', default: LONG_MAX, min: 0, serverDefault: ['log.message.timestamp.after.max.ms'] },
  'message.timestamp.before.max.ms': { type: 'long', default: LONG_MAX, min: 0, serverDefault: ['log.message.timestamp.before.max.ms'] },
  'message.timestamp.difference.max.ms': { type: 'long', default: LONG_MAX, min: 0, serverDefault: ['log.message.timestamp.difference.max.ms'], doc: 'deprecated (KIP-937): the before and after limits left at their defaults take this' },
  'message.timestamp.type': { type: 'string', default: 'CreateTime', oneOf: ['CreateTime', 'LogAppendTime'], serverDefault: ['log.message.timestamp.type'] },
  'min.cleanable.dirty.ratio': { type: 'double', default: 0.5, min: 0, max: 1, serverDefault: ['log.cleaner.min.cleanable.ratio'] },
  'min.compaction.lag.ms': { type: 'long', default: 0, min: 0, serverDefault: ['log.cleaner.min.compaction.lag.ms'] },
  'min.insync.replicas': { type: 'int', default: 1, min: 1, serverDefault: ['min.insync.replicas'] },
  'preallocate': { type: 'boolean', default: false, serverDefault: ['log.preallocate'], compatOnly: noEffect.preallocate },
  'remote.log.copy.disable': { type: 'boolean', default: false, compatOnly: noEffect.tieredStorage },
  'remote.log.delete.on.disable': { type: 'boolean', default: false, compatOnly: noEffect.tieredStorage },
  'remote.storage.enable': { type: 'boolean', default: false, compatOnly: noEffect.tieredStorage },
  'retention.bytes': { type: 'long', default: -1, serverDefault: ['log.retention.bytes'] },
  'retention.ms': { type: 'long', default: 604_800_000, min: -1, serverDefault: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'] },
  'segment.bytes': { type: 'int', default: 1_073_741_824, min: 14, serverDefault: ['log.segment.bytes'] },
  'segment.index.bytes': { type: 'int', default: 10_485_760, min: 4, serverDefault: ['log.index.size.max.bytes'] },
  'segment.jitter.ms': { type: 'long', default: 0, min: 0, serverDefault: ['log.roll.jitter.ms', 'log.roll.jitter.hours'] },
  'segment.ms': { type: 'long', default: 604_800_000, min: 1, serverDefault: ['log.roll.ms', 'log.roll.hours'] },
  'unclean.leader.election.enable': { type: 'boolean', default: false, serverDefault: ['unclean.leader.election.enable'] },
} as const satisfies Record<string, TopicConfigKey>

export type TopicConfigName = keyof typeof topicConfigSchema
/** A topic's effective config, typed: its overrides over the broker's defaults over the table's. */
export type TopicConfig = ConfigValues<typeof topicConfigSchema>

/** DescribeConfigs' ConfigSource of a topic config's value. */
export type TopicConfigSource = 'topic' | BrokerConfigSource

export interface DescribedTopicConfig {
  name: TopicConfigName
  value: string
  source: TopicConfigSource
  /** Where the value could come from, highest precedence first (DescribeConfigs' synonyms). */
  synonyms: Array<{ name: string, value: string | null, source: TopicConfigSource }>
}

/**
 * The effective config of a topic with these overrides (/config/topics/<t>) on this broker (Kafka's
 * LogConfig.fromProps over KafkaConfig.extractLogConfigMap). An override the table refuses (written
 * to ZooKeeper by something else) is passed over rather than failing the topic's logs.
 */
export function topicConfig (broker: KafkaConfig, overrides: Readonly<Record<string, string>>): TopicConfig {
  const raw: Record<string, unknown> = {}
  for (const name of topicConfigNames) {
    const value = overrides[name] ?? serverDefault(broker, name)
    if (value !== undefined) raw[name] = value
  }
  const { values, problems } = validateConfig(topicConfigSchema, raw)
  if (problems.length === 0) return values
  // a bad override gives way to the broker's value, a bad broker value to the table's default
  const bad = new Set(problems.map(p => p.key))
  for (const name of topicConfigNames) if (bad.has(name)) raw[name] = overrides[name] !== undefined ? serverDefault(broker, name) : undefined
  return validateConfig(topicConfigSchema, Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined))).values
}

/** Every topic config with its value and where it comes from (Kafka's ConfigHelper.createTopicConfigEntry). */
export function describeTopicConfig (broker: KafkaConfig, overrides: Readonly<Record<string, string>>): DescribedTopicConfig[] {
  const values = topicConfig(broker, overrides)
  return topicConfigNames.map(name => {
    const spec: TopicConfigKey = topicConfigSchema[name]
    const value = configValueString(spec, values[name]) ?? ''
    const synonyms: DescribedTopicConfig['synonyms'] = overrides[name] !== undefined ? [{ name, value, source: 'topic' }] : []
    const levels = (spec.serverDefault ?? []).map(key => ({ key, levels: brokerConfigLevels(broker, key) }))
    for (const source of ['dynamic-broker', 'dynamic-default', 'static', 'default'] as const) {
      for (const { key, levels: found } of levels) {
        const level = found.find(l => l.source === source)
        if (level !== undefined) synonyms.push({ name: key, value: level.value, source })
      }
    }
    return { name, value, source: synonyms[0]?.source ?? 'default', synonyms }
  })
}

/**
 * What is wrong with a topic's overrides, by name (INVALID_CONFIG): unknown keys, bad values, and
 * Kafka's checks across keys over the effective config (LogConfig.validate in ZooKeeper mode).
 */
export function topicConfigProblems (broker: KafkaConfig, overrides: Readonly<Record<string, string>>): string[] {
  const problems = validateConfig(topicConfigSchema, overrides).problems.filter(p => p.key in overrides).map(p => p.message)
  if (problems.length > 0) return problems
  const v = topicConfig(broker, overrides)
  if (v['min.compaction.lag.ms'] > v['max.compaction.lag.ms']) {
    problems.push(`conflict topic config setting min.compaction.lag.ms (${v['min.compaction.lag.ms']}) > max.compaction.lag.ms (${v['max.compaction.lag.ms']})`)
  }
  if (v['remote.storage.enable'] && !broker.values['remote.log.storage.system.enable']) {
    problems.push('Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.')
  }
  if (v['remote.storage.enable'] && v['cleanup.policy'].includes('compact')) problems.push('Remote log storage is unsupported for the compacted topics')
  if (v['remote.log.delete.on.disable'] || v['remote.log.copy.disable']) {
    problems.push('It is invalid to set `remote.log.delete.on.disable` or `remote.log.copy.disable` under Zookeeper\'s mode.')
  }
  return problems
}

/**
 * KIP-937's transition rule, the same in Kafka 3.6-3.9's KafkaConfig (broker keys) and LogConfig
 * (topic keys): a before/after limit left at Long.MAX_VALUE takes the deprecated
 * timestamp difference instead.
 */
export function timestampMaxMs (limitMs: number, differenceMaxMs: number): number {
  return limitMs !== LONG_MAX ? limitMs : differenceMaxMs
}

const topicConfigNames = Object.keys(topicConfigSchema) as TopicConfigName[]

/**
 * The broker's value for a topic key: its first synonym that has one, in milliseconds (Kafka's
 * KafkaConfig.extractLogConfigMap); the timestamp limits with KIP-937 applied at the broker's level.
 */
function serverDefault (broker: KafkaConfig, name: TopicConfigName): unknown {
  const v = broker.values
  if (name === 'message.timestamp.before.max.ms') return timestampMaxMs(v['log.message.timestamp.before.max.ms'], v['log.message.timestamp.difference.max.ms'])
  if (name === 'message.timestamp.after.max.ms') return timestampMaxMs(v['log.message.timestamp.after.max.ms'], v['log.message.timestamp.difference.max.ms'])
  const spec: TopicConfigKey = topicConfigSchema[name]
  for (const key of spec.serverDefault ?? []) {
    const value = v[key]
    if (value === null) continue
    if (typeof value === 'number') return value * (key.endsWith('.hours') ? 3_600_000 : key.endsWith('.minutes') ? 60_000 : 1)
    return value
  }
  return undefined
}

/** Kafka's ThrottledReplicaListValidator: '*', or partition:broker pairs. */
function throttledReplicas (items: string[]): string | undefined {
  if (items.length === 1 && items[0] === '*') return undefined
  return items.every(i => /^\d+:\d+$/.test(i)) ? undefined : 'the literal \'*\' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...'
}
