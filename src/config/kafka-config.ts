import { brokerConfigSchema, LONG_MAX, type BrokerConfig } from './broker-config.js'
import { parseHttpListener, type HttpListener } from './http-listener.js'
import { parseListeners, parseProtocolMap, type Endpoint } from './listeners.js'
import { validateConfig } from './schema.js'

/** The broker's validated keys plus what Kafka's KafkaConfig derives from them. */
export interface KafkaConfig {
  readonly values: BrokerConfig
  readonly logDirs: readonly string[]
  readonly listeners: readonly Endpoint[]
  /** What goes into /brokers/ids/<id>: advertised.listeners, else listeners with a concrete host. */
  readonly advertisedListeners: readonly Endpoint[]
  readonly logRetentionMs: number
  readonly logRollMs: number
  /** log.message.timestamp.before/after.max.ms, or the deprecated difference where they are left at their default. */
  readonly logMessageTimestampBeforeMaxMs: number
  readonly logMessageTimestampAfterMaxMs: number
  readonly zookeeperConnectionTimeoutMs: number
  /** Where /metrics is served (metrics.listener), or null for nowhere. */
  readonly metricsListener: HttpListener | null
}

/** Validates raw keys (from YAML, .properties and --override) and derives; problems are `key: message`. */
export function toKafkaConfig (raw: Record<string, unknown>): { config?: KafkaConfig, problems: string[] } {
  const { values, problems: keyProblems } = validateConfig(brokerConfigSchema, raw)
  const problems = keyProblems.map(p => p.message)
  if (problems.length > 0) return { problems }

  const protocol = parseProtocolMap(values['listener.security.protocol.map'])
  problems.push(...protocol.problems)
  const listeners = parseListeners('listeners', values.listeners, protocol.map)
  problems.push(...listeners.problems)
  const advertisedRaw = values['advertised.listeners']
  const advertised = advertisedRaw === null ? listeners : parseListeners('advertised.listeners', advertisedRaw, protocol.map)
  if (advertisedRaw !== null) problems.push(...advertised.problems)
  for (const e of advertised.endpoints) {
    if (!listeners.endpoints.some(l => l.listenerName === e.listenerName)) problems.push(`"advertised.listeners" names ${e.listenerName}, which "listeners" does not have`)
  }
  if (values['group.min.session.timeout.ms'] > values['group.max.session.timeout.ms']) {
    problems.push('"group.min.session.timeout.ms" must not exceed "group.max.session.timeout.ms"')
  }
  if (!/^[^/,]+(,[^/,]+)*(\/.+)?$/.test(values['zookeeper.connect'])) {
    problems.push(`"zookeeper.connect" must look like host:port[,host:port...][/chroot], got ${JSON.stringify(values['zookeeper.connect'])}`)
  }
  const metricsRaw = values['metrics.listener']
  const metrics = metricsRaw === null || metricsRaw === '' ? {} : parseHttpListener('metrics.listener', metricsRaw)
  if (metrics.problem !== undefined) problems.push(metrics.problem)
  if (problems.length > 0) return { problems }

  const hour = 3_600_000
  return {
    problems,
    config: Object.freeze({
      values,
      logDirs: values['log.dirs'] ?? [values['log.dir']],
      listeners: listeners.endpoints,
      // Kafka advertises the canonical host name for an empty host; loopback keeps tests and laptops simple.
      advertisedListeners: advertised.endpoints.map(e => ({ ...e, host: e.host === '' || e.host === '0.0.0.0' ? '127.0.0.1' : e.host })),
      logRetentionMs: values['log.retention.ms'] ?? (values['log.retention.minutes'] !== null ? values['log.retention.minutes'] * 60_000 : values['log.retention.hours'] * hour),
      logRollMs: values['log.roll.ms'] ?? values['log.roll.hours'] * hour,
      logMessageTimestampBeforeMaxMs: timestampMaxMs(values['log.message.timestamp.before.max.ms'], values['log.message.timestamp.difference.max.ms']),
      logMessageTimestampAfterMaxMs: timestampMaxMs(values['log.message.timestamp.after.max.ms'], values['log.message.timestamp.difference.max.ms']),
      zookeeperConnectionTimeoutMs: values['zookeeper.connection.timeout.ms'] ?? values['zookeeper.session.timeout.ms'],
      metricsListener: metrics.listener ?? null,
    }),
  }
}

/**
 * KIP-937's transition rule, the same in Kafka 3.6-3.9's KafkaConfig (broker keys) and LogConfig
 * (topic keys): a before/after limit left at Long.MAX_VALUE takes the deprecated
 * timestamp difference instead.
 */
export function timestampMaxMs (limitMs: number, differenceMaxMs: number): number {
  return limitMs !== LONG_MAX ? limitMs : differenceMaxMs
}
