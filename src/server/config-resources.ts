import { brokerConfigSchema, type BrokerConfigKey, type BrokerConfigName } from '../config/broker-config.js'
import { dynamicBrokerConfigProblem, usableDynamicConfigs } from '../config/dynamic-broker-config.js'
import { brokerConfigLevels, type KafkaConfig } from '../config/kafka-config.js'
import { configValueString, type ConfigKey } from '../config/schema.js'
import { describeTopicConfig, topicConfigProblems, topicConfigSchema, type TopicConfigSource } from '../config/topic-config.js'
import { readEntityConfig, writeEntityConfig, ZnodeTooLargeError } from '../cluster/topic-admin.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { BrokerContext } from './broker-context.js'
import { CLUSTER_NAME, ResourceType as AclResourceType, type AclOperation } from '../security/acl-binding.js'
import type { RequestContext } from './api-handler.js'

/** Kafka's ConfigResource.Type and DescribeConfigs source / type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const
const Source: Record<TopicConfigSource, number> = { topic: 1, 'dynamic-broker': 2, 'dynamic-default': 3, static: 4, default: 5 }
const ConfigType: Record<ConfigKey['type'], number> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9 }

export interface ConfigSynonym { name: string, value: string | null, source: number }
export interface DescribedConfig { name: string, value: string | null, readOnly: boolean, source: number, isSensitive: boolean, configType: number, synonyms: ConfigSynonym[] }
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

/**
 * Adds to `refused` the resources the principal may not describe or alter (KafkaApis'
 * configsAuthorizationApiError): a broker or broker logger needs the operation on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED), a topic on itself (TOPIC_AUTHORIZATION_FAILED).
 */
export function refuseUnauthorized<R extends NamedResource> (resources: readonly R[], refused: Map<R, ResourceOutcome>, operation: AclOperation, ctx: Pick<RequestContext, 'authorize'>): Map<R, ResourceOutcome> {
  for (const r of resources) {
    if (refused.has(r)) continue
    const topic = r.resourceType === ResourceType.TOPIC
    if (!ctx.authorize(operation, topic ? AclResourceType.TOPIC : AclResourceType.CLUSTER, topic ? r.resourceName : CLUSTER_NAME)) {
      refused.set(r, { errorCode: topic ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })
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
    return { errorCode: ErrorCode.NONE, errorMessage: null, configs: describeTopic(broker.config, topic.config) }
  }
  if (resourceType === ResourceType.BROKER) {
    if (name !== '' && name !== String(broker.brokerId)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.brokerId} or empty string, but received ${name}`, configs: [] }
    return { errorCode: ErrorCode.NONE, errorMessage: null, configs: describeBroker(broker.config, name === '') }
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}`, configs: [] }
}

/** A topic's configs as DescribeConfigs and CreateTopics (v5+) answer them. */
export function describeTopic (config: KafkaConfig, overrides: Readonly<Record<string, string>>): DescribedConfig[] {
  return describeTopicConfig(config, overrides).map(e => ({
    name: e.name,
    value: e.value,
    readOnly: false,
    source: Source[e.source],
    isSensitive: false,
    configType: ConfigType[topicConfigSchema[e.name].type],
    synonyms: e.synonyms.map(s => ({ ...s, source: Source[s.source] })),
  }))
}

/**
 * The broker's configs as it runs with them (Kafka's ConfigHelper for a BROKER resource): every
 * key for its id, only the cluster-wide dynamic ones for the empty name. readOnly marks the keys
 * AlterConfigs refuses; passwords are never shown.
 */
function describeBroker (config: KafkaConfig, clusterDefault: boolean): DescribedConfig[] {
  const names = (clusterDefault ? Object.keys(config.layers.dynamicDefault) : Object.keys(brokerConfigSchema)) as BrokerConfigName[]
  return names.map(key => {
    const spec: BrokerConfigKey = brokerConfigSchema[key]
    const isSensitive = spec.type === 'password'
    const levels = brokerConfigLevels(config, key).filter(l => !clusterDefault || l.source === 'dynamic-default')
    const value = clusterDefault ? levels[0]?.value ?? null : configValueString(spec, config.values[key])
    return {
      name: key,
      value: isSensitive ? null : value,
      readOnly: spec.update === 'read-only',
      source: Source[levels[0]?.source ?? 'default'],
      isSensitive,
      configType: ConfigType[spec.type],
      synonyms: levels.map(l => ({ name: key, value: isSensitive ? null : l.value, source: Source[l.source] })),
    }
  })
}

/**
 * Replaces (AlterConfigs) or edits (IncrementalAlterConfigs) a resource's overrides in ZooKeeper.
 * `change` gets the current overrides and returns the new ones or a problem. Brokers pick the
 * changes up through their watches (the metadata cache for topics, DynamicConfigManager for
 * brokers).
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
    const stored = await readEntityConfig(broker.zk, entity, entityName)
    // Kafka's DynamicBrokerConfig.fromPersistentProps: what a broker would not run with is not carried on
    const next = change(entity === 'brokers' ? usableDynamicConfigs(stored, name !== '').usable : stored)
    if (typeof next === 'string') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: next }
    const refusal = configProblem(broker.config, entity, name, next)
    if (refusal !== undefined) return refusal
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

/** Why a resource may not take these overrides: INVALID_CONFIG for topics and unknown broker keys, else INVALID_REQUEST. */
function configProblem (config: KafkaConfig, entity: 'topics' | 'brokers', name: string, next: Record<string, string>): ResourceOutcome | undefined {
  if (entity === 'topics') {
    const problems = topicConfigProblems(config, next)
    return problems.length > 0 ? { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problems.join('; ') } : undefined
  }
  const problem = dynamicBrokerConfigProblem(config, next, name !== '')
  if (problem === undefined) return undefined
  return { errorCode: problem.unknown ? ErrorCode.INVALID_CONFIG : ErrorCode.INVALID_REQUEST, errorMessage: problem.message }
}
