import type { KafkaConfig } from '../config/kafka-config.js'
import { timestampMaxMs, topicConfig, topicConfigSchema, type TopicConfig } from '../config/topic-config.js'
import { validateConfig } from '../config/schema.js'

/**
 * What a log runs with (Kafka's LogConfig over TopicConfig): the topic's effective config
 * (config/topic-config.ts: its overrides over the broker's defaults over Kafka's), with
 * message.timestamp.before/after.max.ms already holding what KIP-937 makes of the deprecated
 * message.timestamp.difference.max.ms.
 */
export type LogConfig = Readonly<TopicConfig>

/**
 * The config of the topics without overrides, one frozen object per broker config: every log of
 * such a topic shares it instead of holding a copy of its ~60 keys (measured at ~0.5 KB per idle
 * partition, bench/README.md "scale"). A KafkaConfig is frozen and replaced by every dynamic
 * change, so the entry of a replaced one is never read again and goes with it.
 */
const withoutOverrides = new WeakMap<KafkaConfig, LogConfig>()

/** The log config of a topic with these overrides (/config/topics/<t>) on this broker. */
export function topicLogConfig (broker: KafkaConfig, overrides: Readonly<Record<string, string>>): LogConfig {
  if (Object.keys(overrides).length > 0) return toLogConfig(topicConfig(broker, overrides))
  let config = withoutOverrides.get(broker)
  if (config === undefined) withoutOverrides.set(broker, config = toLogConfig(topicConfig(broker, overrides)))
  return config
}

/** Kafka's LogConfig getMessageTimestampBeforeMaxMs / AfterMaxMs, applied once. */
export function toLogConfig (topic: TopicConfig): LogConfig {
  const differenceMs = topic['message.timestamp.difference.max.ms']
  return Object.freeze({
    ...topic,
    'message.timestamp.before.max.ms': timestampMaxMs(topic['message.timestamp.before.max.ms'], differenceMs),
    'message.timestamp.after.max.ms': timestampMaxMs(topic['message.timestamp.after.max.ms'], differenceMs),
  })
}

/** Kafka's defaults, for tests and tools that open a log outside any broker. */
export const defaultLogConfig: LogConfig = toLogConfig(validateConfig(topicConfigSchema, {}).values)

/**
 * Kafka's LogConfig.maxSegmentMs (KIP-354): a compacted log rolls its active segment by
 * max.compaction.lag.ms too, so that its records can become cleanable in time.
 */
export function maxSegmentMs (config: LogConfig): number {
  const maxLagMs = config['max.compaction.lag.ms']
  return config['cleanup.policy'].includes('compact') && maxLagMs > 0 ? Math.min(maxLagMs, config['segment.ms']) : config['segment.ms']
}

/**
 * Kafka's LogConfig.randomSegmentJitter: a segment rolls segment.ms minus this after its first
 * record, so that the logs of one broker do not all roll at once. `random` is in [0, 1).
 */
export function randomSegmentJitter (config: LogConfig, random: () => number): number {
  const jitterMs = config['segment.jitter.ms']
  return jitterMs === 0 ? 0 : Math.floor(random() * Math.min(jitterMs, config['segment.ms']))
}
