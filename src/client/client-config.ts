/**
 * The client's configuration keys, with Kafka's names and defaults (Kafka 3.9 CommonClientConfigs,
 * ProducerConfig, ConsumerConfig). Values arrive as strings from the tools' --*-property flags and
 * property files, or typed from code; both go through the one validator in src/config.
 * An unknown key is a warning, not an error, as in Kafka ("supplied but isn't a known config").
 */
import { ConfigError } from '../errors.js'
import { validateConfig, type ConfigSchema, type ConfigValues } from '../config/schema.js'

export const commonClientSchema = {
  'bootstrap.servers': { type: 'list' },
  'client.id': { type: 'string', default: '' },
  'request.timeout.ms': { type: 'int', default: 30_000, min: 0 },
  'socket.connection.setup.timeout.ms': { type: 'long', default: 10_000, min: 0 },
  'connections.max.idle.ms': { type: 'long', default: 540_000 },
  'retry.backoff.ms': { type: 'long', default: 100, min: 0 },
  'retry.backoff.max.ms': { type: 'long', default: 1000, min: 0 },
  'metadata.max.age.ms': { type: 'long', default: 300_000, min: 0 },
  /** How long an admin call or a blocking client call may take in all, retries included. */
  'default.api.timeout.ms': { type: 'int', default: 60_000, min: 0 },
  // Security (Kafka's CommonClientConfigs, SslConfigs, SaslConfigs): client-security.ts reads them.
  'security.protocol': { type: 'string', default: 'PLAINTEXT', oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] },
  'sasl.mechanism': { type: 'string', default: 'GSSAPI' },
  'sasl.jaas.config': { type: 'password', default: null },
  'ssl.keystore.type': { type: 'string', default: 'JKS' },
  'ssl.keystore.location': { type: 'string', default: null },
  'ssl.keystore.password': { type: 'password', default: null },
  'ssl.key.password': { type: 'password', default: null },
  'ssl.keystore.certificate.chain': { type: 'password', default: null },
  'ssl.keystore.key': { type: 'password', default: null },
  'ssl.truststore.type': { type: 'string', default: 'JKS' },
  'ssl.truststore.location': { type: 'string', default: null },
  'ssl.truststore.password': { type: 'password', default: null },
  'ssl.truststore.certificates': { type: 'password', default: null },
  'ssl.enabled.protocols': { type: 'list', default: ['TLSv1.2', 'TLSv1.3'] },
  'ssl.cipher.suites': { type: 'list', default: [] },
  'ssl.endpoint.identification.algorithm': { type: 'string', default: 'https' },
} as const satisfies ConfigSchema

export const producerSchema = {
  ...commonClientSchema,
  acks: { type: 'string', default: 'all', oneOf: ['all', '-1', '0', '1'] },
  'linger.ms': { type: 'long', default: 0, min: 0 },
  'batch.size': { type: 'int', default: 16_384, min: 0 },
  'buffer.memory': { type: 'long', default: 33_554_432, min: 0 },
  /** How long send() may block waiting for buffer space or metadata. */
  'max.block.ms': { type: 'long', default: 60_000, min: 0 },
  'compression.type': { type: 'string', default: 'none', oneOf: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] },
  'max.request.size': { type: 'int', default: 1_048_576, min: 0 },
  'max.in.flight.requests.per.connection': { type: 'int', default: 5, min: 1 },
  'delivery.timeout.ms': { type: 'int', default: 120_000, min: 0 },
  retries: { type: 'int', default: 2_147_483_647, min: 0 },
  'partitioner.ignore.keys': { type: 'boolean', default: false },
  /** The Java client's default since Kafka 3.0; off by default when acks, retries or max.in.flight rule it out. */
  'enable.idempotence': { type: 'boolean', default: true },
  'key.serializer': { type: 'string', default: '' },
  'value.serializer': { type: 'string', default: '' },
} as const satisfies ConfigSchema

export const consumerSchema = {
  ...commonClientSchema,
  'fetch.min.bytes': { type: 'int', default: 1, min: 0 },
  'fetch.max.wait.ms': { type: 'int', default: 500, min: 0 },
  'fetch.max.bytes': { type: 'int', default: 52_428_800, min: 0 },
  'max.partition.fetch.bytes': { type: 'int', default: 1_048_576, min: 0 },
  'max.poll.records': { type: 'int', default: 500, min: 1 },
  'auto.offset.reset': { type: 'string', default: 'latest', oneOf: ['latest', 'earliest', 'none'] },
  'isolation.level': { type: 'string', default: 'read_uncommitted', oneOf: ['read_uncommitted', 'read_committed'] },
  'check.crcs': { type: 'boolean', default: true },
  'group.id': { type: 'string', default: null },
  'enable.auto.commit': { type: 'boolean', default: true },
  'auto.commit.interval.ms': { type: 'int', default: 5000, min: 0 },
  /** Static membership (KIP-345): a restart within the session timeout keeps the assignment. */
  'group.instance.id': { type: 'string', default: null },
  'session.timeout.ms': { type: 'int', default: 45_000, min: 1 },
  'heartbeat.interval.ms': { type: 'int', default: 3000, min: 1 },
  /** Also the JoinGroup rebalance timeout, as in Java. */
  'max.poll.interval.ms': { type: 'int', default: 300_000, min: 1 },
  /** Kafka 3.x's default: range first; cooperative-sticky offered so a group can move to it (KIP-429). */
  'partition.assignment.strategy': { type: 'list', default: ['range', 'cooperative-sticky'] },
  'exclude.internal.topics': { type: 'boolean', default: true },
  'key.deserializer': { type: 'string', default: '' },
  'value.deserializer': { type: 'string', default: '' },
} as const satisfies ConfigSchema

export type CommonClientConfig = ConfigValues<typeof commonClientSchema>
export type ProducerConfig = ConfigValues<typeof producerSchema>
export type ConsumerConfig = ConfigValues<typeof consumerSchema>
export type AdminConfig = CommonClientConfig

/** What callers pass: Kafka's names, values as strings (from files and flags) or typed. */
export type ClientProperties = Record<string, string | number | boolean | string[]>

export interface ParsedConfig<S extends ConfigSchema> {
  values: ConfigValues<S>
  /** Keys that no schema knows, for the caller to warn about. */
  unknownKeys: string[]
}

/** Validates `props` against `schema`; a bad value or a missing required key is a ConfigError naming it. */
export function parseClientConfig<S extends ConfigSchema> (schema: S, props: ClientProperties): ParsedConfig<S> {
  const known: Record<string, unknown> = {}
  const unknownKeys: string[] = []
  for (const [key, value] of Object.entries(props)) {
    if (key in schema) known[key] = value
    else unknownKeys.push(key)
  }
  const { values, problems } = validateConfig(schema, known)
  if (problems.length > 0) throw new ConfigError(problems.map(p => p.message))
  return { values, unknownKeys }
}
