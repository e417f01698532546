/**
 * What each listener's security protocol needs, from the broker's keys and their per-listener
 * overrides (Kafka's ListenerName.configPrefix): `listener.name.<listener>.ssl.*`,
 * `listener.name.<listener>.sasl.enabled.mechanisms` and
 * `listener.name.<listener>.<mechanism>.sasl.jaas.config`, plus this project's YAML form of the JAAS
 * options, `listener.name.<listener>.<mechanism>.sasl.jaas.{username,password,users.<name>}`
 * (docs/security.md). Problems name keys, never values: values hold passwords. Two per-listener keys
 * are not about security but are read here with the others: `listener.name.<listener>.max.connections`
 * and `.max.connection.creation.rate` (docs/operations.md, connection limits).
 */
import { parseJaasConfig, PLAIN_LOGIN_MODULE, SCRAM_LOGIN_MODULE, type JaasConfig } from './jaas-config.js'
import { brokerConfigSchema, type BrokerConfig } from './broker-config.js'
import type { Endpoint } from './listeners.js'
import { validateConfig } from './schema.js'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
export const securityProtocols: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']

/** The SASL mechanisms served here; Kafka's GSSAPI and OAUTHBEARER are not. */
export const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

/** The ssl.* keys TLS is built from, with Kafka's names (clients have the same ones). */
export interface SslConfig {
  readonly 'ssl.keystore.type': string
  readonly 'ssl.keystore.location': string | null
  readonly 'ssl.keystore.password': string | null
  readonly 'ssl.key.password': string | null
  readonly 'ssl.keystore.certificate.chain': string | null
  readonly 'ssl.keystore.key': string | null
  readonly 'ssl.truststore.type': string
  readonly 'ssl.truststore.location': string | null
  readonly 'ssl.truststore.password': string | null
  readonly 'ssl.truststore.certificates': string | null
  readonly 'ssl.enabled.protocols': readonly string[]
  readonly 'ssl.cipher.suites': readonly string[]
  readonly 'ssl.endpoint.identification.algorithm': string | null
}

/** A listener's side of TLS: the common keys plus whom it asks for a certificate and how it names them. */
export interface BrokerSslConfig extends SslConfig {
  readonly 'ssl.client.auth': 'required' | 'requested' | 'none'
  readonly 'ssl.principal.mapping.rules': string
}

/** What a client needs to reach a listener of a given security protocol (Kafka's client configs). */
export interface ClientSecurity {
  protocol: SecurityProtocol
  /** For SSL and SASL_SSL. */
  ssl?: SslConfig
  /** For SASL_PLAINTEXT and SASL_SSL. */
  sasl?: SaslCredentials
}

export interface SaslCredentials {
  /** sasl.mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  mechanism: string
  username: string
  password: string
}

export interface ListenerSecurity {
  listenerName: string
  protocol: SecurityProtocol
  /** The listener's effective ssl.* keys (its prefixed value over the broker's). */
  ssl: BrokerSslConfig
  /** sasl.enabled.mechanisms for this listener (SASL_* listeners only). */
  saslMechanisms: string[]
  /** The login module options by mechanism: PLAIN's users, and the broker's own credentials. */
  jaas: ReadonlyMap<string, JaasConfig>
  /** listener.name.<listener>.max.connections; undefined when the listener has no limit of its own. */
  maxConnections?: number
  /** listener.name.<listener>.max.connection.creation.rate; undefined likewise. */
  maxConnectionCreationRate?: number
}

const sslKeys = [
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.certificate.chain',
  'ssl.keystore.key', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.certificates',
  'ssl.enabled.protocols', 'ssl.cipher.suites', 'ssl.endpoint.identification.algorithm', 'ssl.client.auth', 'ssl.principal.mapping.rules',
] as const satisfies ReadonlyArray<keyof BrokerSslConfig>
const overridable = new Set<string>([...sslKeys, 'sasl.enabled.mechanisms', 'max.connections', 'max.connection.creation.rate'])

const PREFIX = /^listener\.name\.([^.]+)\.(.+)$/
const YAML_JAAS = /^([a-z0-9-]+)\.sasl\.jaas\.(username|password|users\.(.+))$/

/** Splits raw keys into the broker's own and the `listener.name.` overrides. */
export function splitListenerOverrides (raw: Record<string, unknown>): { plain: Record<string, unknown>, overrides: Record<string, unknown> } {
  const plain: Record<string, unknown> = {}
  const overrides: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) (k.startsWith('listener.name.') ? overrides : plain)[k] = v
  return { plain, overrides }
}

/**
 * Each listener's security, and the listener brokers talk to each other on (Kafka's
 * inter.broker.listener.name, else the listener named by security.inter.broker.protocol).
 */
export function listenerSecurity (values: BrokerConfig, explicit: ReadonlySet<string>, listeners: readonly Endpoint[], advertised: readonly Endpoint[], overrides: Record<string, unknown>):
{ security: Map<string, ListenerSecurity>, interBrokerListenerName: string, interBrokerSecurity: ClientSecurity, problems: string[] } {
  const problems: string[] = []
  const perListener = new Map<string, { keys: Record<string, unknown>, jaasText: Map<string, { key: string, text: string }>, jaasYaml: Map<string, Map<string, string>> }>()
  for (const e of listeners) perListener.set(e.listenerName, { keys: {}, jaasText: new Map(), jaasYaml: new Map() })

  for (const [key, value] of Object.entries(overrides)) {
    const m = PREFIX.exec(key)
    const own = m === null ? undefined : perListener.get(m[1]!.toUpperCase())
    if (m === null || own === undefined) {
      problems.push(`"${key}": listener ${m?.[1] ?? '?'} is not among "listeners"`)
      continue
    }
    const rest = m[2]!
    const yaml = YAML_JAAS.exec(rest)
    if (overridable.has(rest)) own.keys[rest] = value
    else if (/^[a-z0-9-]+\.sasl\.jaas\.config$/.test(rest)) own.jaasText.set(rest.split('.')[0]!.toUpperCase(), { key, text: String(value) })
    else if (yaml !== null) {
      const mechanism = yaml[1]!.toUpperCase()
      const options = own.jaasYaml.get(mechanism) ?? new Map<string, string>()
      own.jaasYaml.set(mechanism, options)
      options.set(yaml[3] !== undefined ? `user_${yaml[3]}` : yaml[2]!, String(value))
    } else problems.push(`"${key}" is not a per-listener key (ssl.*, sasl.enabled.mechanisms, <mechanism>.sasl.jaas.config, max.connections, max.connection.creation.rate)`)
  }

  const security = new Map<string, ListenerSecurity>()
  for (const e of listeners) {
    const own = perListener.get(e.listenerName)!
    const checked = validateConfig(brokerConfigSchema, own.keys)
    for (const p of checked.problems) if (p.key in own.keys) problems.push(p.message.replace(`"${p.key}"`, `"listener.name.${e.listenerName.toLowerCase()}.${p.key}"`))
    const pick = <K extends keyof BrokerConfig>(k: K): BrokerConfig[K] => (k in own.keys ? checked.values[k] : values[k])
    const ssl = Object.fromEntries(sslKeys.map(k => [k, pick(k)])) as unknown as BrokerSslConfig
    const protocol = e.securityProtocol as SecurityProtocol
    const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
    const mechanisms = sasl ? [...pick('sasl.enabled.mechanisms')] : []
    const jaas = new Map<string, JaasConfig>()
    for (const [mechanism, { key, text }] of own.jaasText) {
      const parsed = parseJaasConfig(key, text)
      if (parsed.problem !== undefined) problems.push(parsed.problem)
      else jaas.set(mechanism, parsed.config!)
      if (own.jaasYaml.has(mechanism)) problems.push(`"${key}" and the YAML form listener.name.${e.listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.* both configure ${mechanism}; keep one`)
    }
    for (const [mechanism, options] of own.jaasYaml) {
      if (!jaas.has(mechanism)) jaas.set(mechanism, { loginModule: mechanism === 'PLAIN' ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE, controlFlag: 'required', options })
    }
    for (const mechanism of mechanisms) {
      if (!(saslMechanisms as readonly string[]).includes(mechanism)) {
        problems.push(`listener ${e.listenerName}: SASL mechanism ${mechanism} is not supported (${saslMechanisms.join(', ')}); set "sasl.enabled.mechanisms" or "listener.name.${e.listenerName.toLowerCase()}.sasl.enabled.mechanisms"`)
      } else if (mechanism === 'PLAIN' && jaas.get('PLAIN')?.loginModule !== PLAIN_LOGIN_MODULE) {
        problems.push(`listener ${e.listenerName}: PLAIN needs "listener.name.${e.listenerName.toLowerCase()}.plain.sasl.jaas.config" with ${PLAIN_LOGIN_MODULE} and its user_<name> entries`)
      }
    }
    if (sasl && mechanisms.length === 0) problems.push(`listener ${e.listenerName}: no SASL mechanism is enabled`)
    if (protocol === 'SSL' || protocol === 'SASL_SSL') {
      if (ssl['ssl.keystore.location'] === null && ssl['ssl.keystore.certificate.chain'] === null) {
        problems.push(`listener ${e.listenerName}: ${protocol} needs a key and certificate ("ssl.keystore.location" or "ssl.keystore.certificate.chain" with "ssl.keystore.key", or their listener.name.${e.listenerName.toLowerCase()}. forms)`)
      }
    }
    security.set(e.listenerName, {
      listenerName: e.listenerName, protocol, ssl, saslMechanisms: mechanisms, jaas,
      ...'max.connections' in own.keys ? { maxConnections: checked.values['max.connections'] } : {},
      ...'max.connection.creation.rate' in own.keys ? { maxConnectionCreationRate: checked.values['max.connection.creation.rate'] } : {},
    })
  }

  // KafkaConfig.interBrokerListenerName: one of the two keys, and a listener that is advertised.
  let interBrokerListenerName: string
  const byName = values['inter.broker.listener.name']
  if (byName !== null) {
    if (explicit.has('security.inter.broker.protocol')) problems.push('Only one of "inter.broker.listener.name" and "security.inter.broker.protocol" should be set')
    interBrokerListenerName = byName.toUpperCase()
  } else interBrokerListenerName = values['security.inter.broker.protocol']
  if (listeners.length > 0 && !advertised.some(a => a.listenerName === interBrokerListenerName)) {
    problems.push(`the inter-broker listener ${interBrokerListenerName} ("inter.broker.listener.name", else "security.inter.broker.protocol") must be among "advertised.listeners"`)
  }
  // The broker as a client of the inter-broker listener: its TLS keys (the keystore is the client
  // certificate) and, on SASL, its own username and password from that listener's login module.
  const inter = security.get(interBrokerListenerName)
  const interBrokerSecurity: ClientSecurity = { protocol: inter?.protocol ?? 'PLAINTEXT' }
  if (inter?.protocol === 'SSL' || inter?.protocol === 'SASL_SSL') interBrokerSecurity.ssl = inter.ssl
  if (inter !== undefined && inter.saslMechanisms.length > 0) {
    const mechanism = values['sasl.mechanism.inter.broker.protocol']
    const username = inter.jaas.get(mechanism)?.options.get('username')
    const password = inter.jaas.get(mechanism)?.options.get('password')
    if (!inter.saslMechanisms.includes(mechanism)) problems.push(`"sasl.mechanism.inter.broker.protocol" ${mechanism} must be enabled on the inter-broker listener ${interBrokerListenerName}`)
    else if (username === undefined || password === undefined) {
      problems.push(`the inter-broker listener ${interBrokerListenerName} needs the broker's own username and password in "listener.name.${interBrokerListenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config"`)
    } else interBrokerSecurity.sasl = { mechanism, username, password }
  }
  return { security, interBrokerListenerName, interBrokerSecurity, problems }
}
