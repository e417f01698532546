import { brokerConfigSchema, type BrokerConfig, type BrokerConfigKey, type BrokerConfigName } from './broker-config.js'
import { parseHttpListener, type HttpListener } from './http-listener.js'
import { listenerSecurity, splitListenerOverrides, type ClientSecurity, type ListenerSecurity } from './listener-security.js'
import { parseListeners, parseProtocolMap, type Endpoint } from './listeners.js'
import { configValueString, validateConfig } from './schema.js'

/** The broker's validated keys plus what Kafka's KafkaConfig derives from them. */
export interface KafkaConfig {
  readonly values: BrokerConfig
  /** Where the values come from, for DescribeConfigs and for the next dynamic change. */
  readonly layers: BrokerConfigLayers
  readonly logDirs: readonly string[]
  readonly listeners: readonly Endpoint[]
  /** What goes into /brokers/ids/<id>: advertised.listeners, else listeners with a concrete host. */
  readonly advertisedListeners: readonly Endpoint[]
  /** Each listener's protocol, TLS keys and SASL mechanisms, by listener name. */
  readonly listenerSecurity: ReadonlyMap<string, ListenerSecurity>
  /** The listener brokers connect to each other on (replication, controlled shutdown). */
  readonly interBrokerListenerName: string
  /** How this broker connects to that listener of the others. */
  readonly interBrokerSecurity: ClientSecurity
  readonly zookeeperConnectionTimeoutMs: number
  /** Where /metrics is served (metrics.listener), or null for nowhere. */
  readonly metricsListener: HttpListener | null
}

/**
 * The levels a broker key may be set at, highest precedence first (Kafka's DynamicBrokerConfig):
 * a key's value is the first level's that sets it, else the table's default.
 */
export interface BrokerConfigLayers {
  /** /config/brokers/<id> (DYNAMIC_BROKER_CONFIG). */
  readonly dynamicBroker: Readonly<Record<string, string>>
  /** /config/brokers/<default> (DYNAMIC_DEFAULT_BROKER_CONFIG). */
  readonly dynamicDefault: Readonly<Record<string, string>>
  /** The file and --override (STATIC_BROKER_CONFIG). */
  readonly static: Readonly<Record<string, unknown>>
}

/** DescribeConfigs' ConfigSource of a broker key's value (DEFAULT_CONFIG when no level sets it). */
export type BrokerConfigSource = 'dynamic-broker' | 'dynamic-default' | 'static' | 'default'

/**
 * Validates raw keys (from YAML, .properties and --override) over the dynamic levels, and derives;
 * problems are `key: message`. The dynamic levels hold only what dynamic-broker-config.ts let through.
 */
export function toKafkaConfig (raw: Record<string, unknown>, dynamic: Pick<BrokerConfigLayers, 'dynamicBroker' | 'dynamicDefault'> = { dynamicBroker: {}, dynamicDefault: {} }): { config?: KafkaConfig, problems: string[] } {
  const layers: BrokerConfigLayers = Object.freeze({ static: Object.freeze({ ...raw }), dynamicDefault: Object.freeze({ ...dynamic.dynamicDefault }), dynamicBroker: Object.freeze({ ...dynamic.dynamicBroker }) })
  // listener.name.<listener>.* keys are checked against the listener they name, below.
  const { plain, overrides } = splitListenerOverrides(layers.static)
  const { values, problems: keyProblems } = validateConfig(brokerConfigSchema, { ...plain, ...layers.dynamicDefault, ...layers.dynamicBroker })
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
  const explicit = new Set([...Object.keys(plain), ...Object.keys(layers.dynamicDefault), ...Object.keys(layers.dynamicBroker)])
  const security = listeners.problems.length > 0 || advertised.problems.length > 0
    ? undefined
    : listenerSecurity(values, explicit, listeners.endpoints, advertised.endpoints, overrides)
  problems.push(...security?.problems ?? [])
  if (values['group.min.session.timeout.ms'] > values['group.max.session.timeout.ms']) {
    problems.push('"group.min.session.timeout.ms" must not exceed "group.max.session.timeout.ms"')
  }
  if (values['max.connections.per.ip'] === 0 && values['max.connections.per.ip.overrides'].trim() === '') {
    problems.push('"max.connections.per.ip" can be set to zero only if "max.connections.per.ip.overrides" is set')
  }
  // KafkaConfig.validateValues (LogConfig.validateBrokerLogConfigValues) for the topics' defaults
  if (values['log.cleaner.min.compaction.lag.ms'] > values['log.cleaner.max.compaction.lag.ms']) {
    problems.push('"log.cleaner.min.compaction.lag.ms" must not exceed "log.cleaner.max.compaction.lag.ms"')
  }
  if (!/^[^/,]+(,[^/,]+)*(\/.+)?$/.test(values['zookeeper.connect'])) {
    problems.push(`"zookeeper.connect" must look like host:port[,host:port...][/chroot], got ${JSON.stringify(values['zookeeper.connect'])}`)
  }
  // KafkaServer.initZkClient: secure ACLs without an identity to own the znodes would lock everyone out
  if (values['zookeeper.set.acl'] && (values['zookeeper.auth.digest'] ?? '') === '') {
    problems.push('"zookeeper.set.acl" is true, but no ZooKeeper authentication is configured: set "zookeeper.auth.digest" (user:password)')
  }
  if (!/^[^:]+:.+$|^$/s.test(values['zookeeper.auth.digest'] ?? '')) problems.push('"zookeeper.auth.digest" must look like user:password')
  const metricsRaw = values['metrics.listener']
  const metrics = metricsRaw === null || metricsRaw === '' ? {} : parseHttpListener('metrics.listener', metricsRaw)
  if (metrics.problem !== undefined) problems.push(metrics.problem)
  if (problems.length > 0 || security === undefined) return { problems }

  return {
    problems,
    config: Object.freeze({
      values,
      layers,
      logDirs: values['log.dirs'] ?? [values['log.dir']],
      listeners: listeners.endpoints,
      // Kafka advertises the canonical host name for an empty host; loopback keeps tests and laptops simple.
      advertisedListeners: advertised.endpoints.map(e => ({ ...e, host: e.host === '' || e.host === '0.0.0.0' ? '127.0.0.1' : e.host })),
      listenerSecurity: security.security,
      interBrokerListenerName: security.interBrokerListenerName,
      interBrokerSecurity: security.interBrokerSecurity,
      zookeeperConnectionTimeoutMs: values['zookeeper.connection.timeout.ms'] ?? values['zookeeper.session.timeout.ms'],
      metricsListener: metrics.listener ?? null,
    }),
  }
}

/**
 * Each level that sets `name`, highest precedence first, ending with the table's default when it
 * has one (Kafka's ConfigHelper.configSynonyms for one name): DescribeConfigs' synonyms.
 */
export function brokerConfigLevels (config: KafkaConfig, name: BrokerConfigName): Array<{ source: BrokerConfigSource, value: string | null }> {
  const spec: BrokerConfigKey = brokerConfigSchema[name]
  const { dynamicBroker, dynamicDefault, static: fromFile } = config.layers
  const levels: Array<{ source: BrokerConfigSource, value: string | null }> = []
  if (dynamicBroker[name] !== undefined) levels.push({ source: 'dynamic-broker', value: dynamicBroker[name] })
  if (dynamicDefault[name] !== undefined) levels.push({ source: 'dynamic-default', value: dynamicDefault[name] })
  if (fromFile[name] !== undefined) levels.push({ source: 'static', value: configValueString(spec, fromFile[name]) })
  if (spec.default !== undefined && spec.default !== null) levels.push({ source: 'default', value: configValueString(spec, spec.default) })
  return levels
}
