import { brokerConfigSchema } from '../config/broker-config.js'
import type { ConfigKey } from '../config/schema.js'
import { effectiveTopicConfig, topicConfigProblems, topicConfigSchema } from '../config/topic-config.js'
import { validateConfig } from '../config/schema.js'
import { readEntityConfig, writeEntityConfig, ZnodeTooLargeError } from '../cluster/topic-admin.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { BrokerContext } from './broker-context.js'

/** Kafka's ConfigResource.Type and DescribeConfigs source / type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const
const Source = { DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const
const ConfigType: Record<ConfigKey['type'], number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7, password: 9 }

export interface DescribedConfig { name: string, value: string | null, readOnly: boolean, source: number, isSensitive: boolean, configType: number }
export interface ResourceOutcome { errorCode: number, errorMessage: string | null }

interface NamedResource { resourceType: number, resourceName: string }

/**
 * Resources a request names more than once, each refused (Kafka's ConfigAdminManager.preprocess
 * for AlterConfigs and IncrementalAlterConfigs; applied to DescribeConfigs too, where a repeated
 * broker resource would turn a few request bytes into kilobytes of answer each time).
 */
export function repeatedResources<R extends NamedResource> (resources: readonly R[]): Map<R, ResourceOutcome> {
  const seen = new Map<string, R>()
  const refused = new Map<R, ResourceOutcome>()
  const outcome = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' }
  for (const r of resources) {
    const key = `${r.resourceType}:${r.resourceName}`
    const first = seen.get(key)
    if (first === undefined) seen.set(key, r)
    else refused.set(first, outcome).set(r, outcome)
  }
  return refused
}

/** ConfigAdminManager.preprocess: repeated resources, and resources naming one key twice. */
export function alterRequestProblems<R extends NamedResource & { configs: ReadonlyArray<{ name: string }> }> (resources: readonly R[]): Map<R, ResourceOutcome> {
  const refused = repeatedResources(resources)
  for (const r of resources) {
    if (!refused.has(r) && new Set(r.configs.map(c => c.name)).size !== r.configs.length) {
      refused.set(r, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' })
    }
  }
  return refused
}

/** Every config of a topic or broker with its value and where it comes from. */
export async function describeResource (broker: BrokerContext, resourceType: number, name: string): Promise<ResourceOutcome & { configs: DescribedConfig[] }> {
  try {
    return await describe(broker, resourceType, name)
  } catch (err) {
    return { ...failed(broker, err, 'describe configs', resourceType, name), configs: [] }
  }
}

async function describe (broker: BrokerContext, resourceType: number, name: string): Promise<ResourceOutcome & { configs: DescribedConfig[] }> {
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
  // ZkAdminManager.getBrokerId: this broker's own id, or '' for the cluster-wide default
  if (entity === 'brokers' && name !== '' && name !== String(broker.brokerId)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.brokerId}, but received ${name}` }
  const entityName = entity === 'brokers' && name === '' ? '<default>' : name
  try {
    const next = change(await readEntityConfig(broker.zk, entity, entityName))
    if (typeof next === 'string') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: next }
    const problems = entity === 'topics' ? topicConfigProblems(next) : brokerConfigProblems(next)
    if (problems.length > 0) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problems.join('; ') }
    if (!validateOnly) await writeEntityConfig(broker.zk, entity, entityName, next)
  } catch (err) {
    return failed(broker, err, 'alter configs', resourceType, name)
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null }
}

/**
 * A failed ZooKeeper step answers its own resource: a write too large for a znode is refused by
 * its limit, anything else is logged and answered UNKNOWN_SERVER_ERROR with no message
 * (Kafka's ApiError.fromThrowable).
 */
function failed (broker: BrokerContext, err: unknown, operation: string, resourceType: number, resourceName: string): ResourceOutcome {
  if (err instanceof ZnodeTooLargeError) return { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: err.message }
  broker.log.error('config administration failed', { operation, resourceType, resourceName, error: (err as Error).stack ?? String(err) })
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null }
}

function brokerConfigProblems (overrides: Record<string, string>): string[] {
  return validateConfig(brokerConfigSchema, overrides).problems.filter(p => p.key in overrides).map(p => p.message)
}

function stringOf (v: unknown): string | null {
  if (v === null || v === undefined) return null
  return Array.isArray(v) ? v.join(',') : String(v)
}
