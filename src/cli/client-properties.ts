/**
 * The client properties a tool runs with: --bootstrap-server, then the properties file
 * (--command-config and the like), then per-key flags (--producer-property ...), later winning, as
 * in Kafka's tools. Keys no client knows are warned about on stderr, not refused.
 */
import { UsageError } from '../errors.js'
import type { ClientProperties } from '../client/client-config.js'
import { keyValue, readPropertiesFile, type ParsedFlags } from './flags.js'

export interface PropertySources {
  /** Flag naming a properties file (command-config, producer.config, consumer.config). */
  fileFlag?: string
  /** Repeatable key=value flag (producer-property, consumer-property). */
  keyValueFlag?: string
  /** Tool defaults, overridden by everything the user gives. */
  defaults?: ClientProperties
  /** A multi-value key=value flag that beats the file (kafka-producer-perf-test's --producer-props). */
  keyValueListFlag?: string
}

export function clientProperties (flags: ParsedFlags, sources: PropertySources): ClientProperties {
  const props: ClientProperties = { ...sources.defaults }
  const fileFlag = sources.fileFlag
  if (fileFlag !== undefined && flags.has(fileFlag)) Object.assign(props, readPropertiesFile(fileFlag, flags.require(fileFlag)))
  if (sources.keyValueFlag !== undefined) {
    for (const kv of flags.all(sources.keyValueFlag)) {
      const [k, v] = keyValue(sources.keyValueFlag, kv)
      props[k] = v
    }
  }
  if (sources.keyValueListFlag !== undefined) {
    for (const kv of flags.all(sources.keyValueListFlag)) {
      const [k, v] = keyValue(sources.keyValueListFlag, kv)
      props[k] = v
    }
  }
  const bootstrap = flags.get('bootstrap-server') ?? flags.get('broker-list')
  if (bootstrap !== undefined) props['bootstrap.servers'] = bootstrap
  if (props['bootstrap.servers'] === undefined || props['bootstrap.servers'] === '') throw new UsageError('Missing required argument "[bootstrap-server]"')
  return props
}

export function warnUnknownKeys (keys: string[]): void {
  for (const k of keys) process.stderr.write(`WARN The configuration '${k}' was supplied but isn't a known config.\n`)
}
