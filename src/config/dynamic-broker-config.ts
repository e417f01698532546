import { brokerConfigSchema, type BrokerConfigKey } from './broker-config.js'
import { toKafkaConfig, type KafkaConfig } from './kafka-config.js'
import { validateConfig } from './schema.js'

/**
 * Why a dynamic broker config change is refused: `unknown` names no broker config at all
 * (INVALID_CONFIG); anything else is answered INVALID_REQUEST, as Kafka 3.9's ConfigAdminManager
 * does for every failed check of DynamicBrokerConfig.validate (KAFKA-13609).
 */
export interface DynamicConfigProblem { unknown: boolean, message: string }

/**
 * Checks a BROKER resource's whole dynamic config after a change (Kafka's DynamicBrokerConfig
 * validateConfigs, then processReconfiguration with validateOnly): every name a broker config,
 * none read-only, security keys only under a listener prefix, per-broker keys only on a broker id,
 * each value valid, and the broker's config as a whole valid with it in place of the current one.
 */
export function dynamicBrokerConfigProblem (current: KafkaConfig, configs: Readonly<Record<string, string>>, perBroker: boolean): DynamicConfigProblem | undefined {
  const problems = validateConfig(brokerConfigSchema, configs).problems.filter(p => p.key in configs)
  const unknown = problems.filter(p => !(p.key in brokerConfigSchema))
  if (unknown.length > 0) return { unknown: true, message: unknown.map(p => p.message).join('; ') }
  const refusal = refusedNames(Object.keys(configs), perBroker)
  if (refusal !== undefined) return { unknown: false, message: `${refusal.why}: ${scalaSet(refusal.names)}` }
  if (problems.length > 0) return { unknown: false, message: problems.map(p => p.message).join('; ') }
  const levels = perBroker ? { dynamicBroker: configs, dynamicDefault: current.layers.dynamicDefault } : { dynamicBroker: current.layers.dynamicBroker, dynamicDefault: configs }
  const merged = toKafkaConfig(current.layers.static, levels).problems
  return merged.length > 0 ? { unknown: false, message: merged.join('; ') } : undefined
}

/**
 * What of a stored dynamic config the broker may run with (Kafka's DynamicBrokerConfig
 * fromPersistentProps): configs written by other tools or versions that the checks above would
 * refuse are dropped, named for the log, rather than failing the broker.
 */
export function usableDynamicConfigs (stored: Readonly<Record<string, string>>, perBroker: boolean): { usable: Record<string, string>, dropped: string[] } {
  const usable: Record<string, string> = {}
  const dropped: string[] = []
  for (const [name, value] of Object.entries(stored)) {
    const fine = refusedNames([name], perBroker) === undefined && validateConfig(brokerConfigSchema, { [name]: value }).problems.every(p => p.key !== name)
    if (fine) usable[name] = value
    else dropped.push(name)
  }
  return { usable, dropped }
}

const table: Readonly<Record<string, BrokerConfigKey>> = brokerConfigSchema

/** Kafka's SslConfigs.RECONFIGURABLE_CONFIGS: dynamic only as listener.name.<listener>.<key>. */
const listenerPrefixOnly = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.certificate.chain',
  'ssl.keystore.key', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.certificates',
])

/** The first of Kafka's checks on names that some of `names` fail, with Kafka's words for it. */
function refusedNames (names: readonly string[], perBroker: boolean): { why: string, names: string[] } | undefined {
  const checks: Array<{ why: string, fails: (name: string, key: BrokerConfigKey) => boolean }> = [
    { why: 'Cannot update these configs dynamically', fails: (_, key) => key.update === 'read-only' },
    { why: 'These security configs can be dynamically updated only per-listener using the listener prefix', fails: name => listenerPrefixOnly.has(name) },
    { why: 'Cannot update these configs at default cluster level, broker id must be specified', fails: (_, key) => !perBroker && key.update === 'per-broker' },
    // Kafka stores them encoded with password.encoder.secret (DynamicBrokerConfig.toPersistentProps); no encoder here
    { why: 'Dynamic password configs are not stored by this broker', fails: (_, key) => key.type === 'password' },
  ]
  for (const check of checks) {
    const failed = names.filter(name => {
      const key = table[name]
      return key !== undefined && check.fails(name, key)
    })
    if (failed.length > 0) return { why: check.why, names: failed }
  }
  return undefined
}

/** A name set as Kafka's message prints it (Scala's Set.toString). */
function scalaSet (names: readonly string[]): string {
  return `Set(${names.join(', ')})`
}
