import { brokerConfigSchema } from '../config/broker-config.js'
import type { ConfigKey } from '../config/schema.js'
import { effectiveTopicConfig, topicConfigProblems, topicConfigSchema } from '../config/topic-config.js'
import { validateConfig } from '../config/schema.js'
import { readEntityConfig, writeEntityConfig } from '../cluster/topic-admin.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { BrokerContext } from './broker-context.js'

/** Kafka's ConfigResource.Type and DescribeConfigs source / type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const
const Source = { DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const
const ConfigType: Record<ConfigKey['type'], number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7, password: 9 }

export interface DescribedConfig { name: string, value: string | null, readOnly: boolean, source: number, isSensitive: boolean, configType: number }
export interface ResourceOutcome { errorCode: number, errorMessage: string | null }

/** Every config of a topic or broker with its value and where it comes from. */
export async function describeResource (broker: BrokerContext, resourceType: number, name: string): Promise<ResourceOutcome & { configs: DescribedConfig[] }> {
  if (resourceType === ResourceType.TOPIC) {
    const topic = broker.metadata.topic(name)
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${name}' does not exist`, configs: [] }
    const configs = effectiveTopicConfig(broker.config, topic.config).map(e => {
      const spec: ConfigKey = topicConfigSchema[e.name]
      const source = e.source === 'topic' ? Source.DYNAMIC_TOPIC_CONFIG : e.value === stringOf(spec.default) ? Source.DEFAULT_CONFIG : Source.STATIC_BROKER_CONFIG
      return { name: e.name, value: e.value, readOnly: false, source, isSensitive: false, configType: ConfigType[spec.type] }
    })
    return { errorCode: ErrorCode.NONE, errorMessage: null, configs }
  }
  if (resourceType === ResourceType.BROKER) {
    if (name !== '' && name !== String(broker.brokerId)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.brokerId} or empty string, but received ${name}`, configs: [] }
    const dynamic = await readEntityConfig(broker.zk, 'brokers', name === '' ? '<default>' : name)
    const schema: Record<string, ConfigKey> = brokerConfigSchema
    const configs = Object.entries(schema).map(([key, spec]) => {
      const staticValue = stringOf((broker.config.values as Record<string, unknown>)[key])
      const value = dynamic[key] ?? staticValue
      const source = dynamic[key] !== undefined ? Source.DYNAMIC_BROKER_CONFIG : staticValue === stringOf(spec.default) ? Source.DEFAULT_CONFIG : Source.STATIC_BROKER_CONFIG
      const isSensitive = spec.type === 'password'
      return { name: key, value: isSensitive ? null : value, readOnly: dynamic[key] === undefined, source, isSensitive, configType: ConfigType[spec.type] }
    })
    return { errorCode: ErrorCode.NONE, errorMessage: null, configs }
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}`, configs: [] }
}

/**
 * Replaces (AlterConfigs) or edits (IncrementalAlterConfigs) a resource's overrides in ZooKeeper.
 * `change` gets the current overrides and returns the new ones or a problem. Brokers pick topic
 * changes up through their watches; dynamic broker overrides are stored and described but a
 * running broker does not re-read them (see README).
 */
export async function alterResource (broker: BrokerContext, resourceType: number, name: string, validateOnly: boolean,
  change: (current: Record<string, string>) => Record<string, string> | string): Promise<ResourceOutcome> {
  const entity = resourceType === ResourceType.TOPIC ? 'topics' : resourceType === ResourceType.BROKER ? 'brokers' : undefined
  if (entity === undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` }
  if (entity === 'topics' && broker.metadata.topic(name) === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${name}' does not exist` }
  const entityName = entity === 'brokers' && name === '' ? '<default>' : name
  const next = change(await readEntityConfig(broker.zk, entity, entityName))
  if (typeof next === 'string') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: next }
  const problems = entity === 'topics' ? topicConfigProblems(next) : brokerConfigProblems(next)
  if (problems.length > 0) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problems.join('; ') }
  if (!validateOnly) await writeEntityConfig(broker.zk, entity, entityName, next)
  return { errorCode: ErrorCode.NONE, errorMessage: null }
}

function brokerConfigProblems (overrides: Record<string, string>): string[] {
  return validateConfig(brokerConfigSchema, overrides).problems.filter(p => p.key in overrides).map(p => p.message)
}

function stringOf (v: unknown): string | null {
  if (v === null || v === undefined) return null
  return Array.isArray(v) ? v.join(',') : String(v)
}
