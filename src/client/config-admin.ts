/** Configs of topics, brokers and broker loggers (Java's Admin.describeConfigs, incrementalAlterConfigs). */
import { ErrorCode } from '../protocol/error-codes.js'
import { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/alter-configs.js'
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../protocol/messages/describe-configs.js'
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/messages/incremental-alter-configs.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions } from './admin.js'
import type { KafkaClient } from './kafka-client.js'

/** Kafka's ConfigResource.Type values on the wire. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType]

export interface ConfigResource { type: ResourceType, name: string }

/** DescribeConfigs' config source (Kafka's ConfigSource ids). */
export const ConfigSource = {
  UNKNOWN: 0, DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5, DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const

export interface ConfigEntry {
  name: string
  value: string | null
  readOnly: boolean
  isSensitive: boolean
  source: number
  synonyms: Array<{ name: string, value: string | null, source: number }>
}

export interface ConfigResult extends ConfigResource { errorCode: number, errorMessage: string | null, entries: ConfigEntry[] }

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType ids). */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const
export interface ConfigChange { name: string, op: (typeof AlterConfigOp)[keyof typeof AlterConfigOp], value: string | null }

/** DescribeConfigs; broker resources are asked of that broker, topics of any. */
export async function describeConfigs (client: KafkaClient, resources: ConfigResource[], options: AdminOptions & { keys?: string[] } = {}): Promise<ConfigResult[]> {
  const results: ConfigResult[] = []
  for (const [nodeId, group] of byTargetBroker(resources)) {
    const response = await client.retry('DescribeConfigs', async () => {
      const conn = nodeId === undefined ? await client.anyConnection() : await client.connectionTo(nodeId)
      const version = conn.version(DescribeConfigsRequest, 1, 4)
      return await conn.send(DescribeConfigsRequest, DescribeConfigsResponse, version, {
        resources: group.map(r => ({ resourceType: r.type, resourceName: r.name, configurationKeys: options.keys ?? null })),
        includeSynonyms: true,
      })
    }, { timeoutMs: options.timeoutMs, beforeRetry: async () => await client.refreshMetadata([]) })
    for (const r of response.results) {
      results.push({
        type: r.resourceType as ResourceType,
        name: r.resourceName,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        entries: r.configs.map(c => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isSensitive: c.isSensitive,
          source: c.configSource,
          synonyms: c.synonyms.map(s => ({ name: s.name, value: s.value, source: s.source })),
        })),
      })
    }
  }
  return results
}

/**
 * IncrementalAlterConfigs; against a broker without it, the legacy AlterConfigs with the
 * current dynamic values merged (AlterConfigs replaces the whole set).
 */
export async function incrementalAlterConfigs (client: KafkaClient, changes: Array<{ resource: ConfigResource, changes: ConfigChange[] }>, options: AdminOptions = {}): Promise<Array<ConfigResource & { errorCode: number, errorMessage: string | null }>> {
  const out: Array<ConfigResource & { errorCode: number, errorMessage: string | null }> = []
  for (const [nodeId, group] of byTargetBroker(changes.map(c => ({ ...c.resource, changes: c.changes })))) {
    const responses = await client.retry('IncrementalAlterConfigs', async () => {
      const conn = nodeId === undefined ? await client.anyConnection() : await client.connectionTo(nodeId)
      if (conn.apiVersions.has(IncrementalAlterConfigsRequest.apiKey)) {
        const version = conn.version(IncrementalAlterConfigsRequest, 0, 1)
        const response = await conn.send(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, version, {
          resources: group.map(r => ({
            resourceType: r.type,
            resourceName: r.name,
            configs: r.changes.map(c => ({ name: c.name, configOperation: c.op, value: c.value })),
          })),
          validateOnly: options.validateOnly ?? false,
        })
        return response.responses
      }
      return await legacyAlterConfigs(client, group, options)
    }, { timeoutMs: options.timeoutMs, beforeRetry: async () => await client.refreshMetadata([]) })
    for (const r of responses) out.push({ type: r.resourceType as ResourceType, name: r.resourceName, errorCode: r.errorCode, errorMessage: r.errorMessage })
  }
  return out
}

async function legacyAlterConfigs (client: KafkaClient, group: Array<ConfigResource & { changes: ConfigChange[] }>, options: AdminOptions): Promise<Array<{ resourceType: number, resourceName: string, errorCode: number, errorMessage: string | null }>> {
  const current = await describeConfigs(client, group, options)
  const resources = group.map((r, i) => {
    const values = new Map<string, string | null>()
    for (const e of current[i]?.entries ?? []) {
      if (e.source === ConfigSource.DYNAMIC_TOPIC_CONFIG || e.source === ConfigSource.DYNAMIC_BROKER_CONFIG) values.set(e.name, e.value)
    }
    for (const c of r.changes) {
      if (c.op === AlterConfigOp.SET) values.set(c.name, c.value)
      else if (c.op === AlterConfigOp.DELETE) values.delete(c.name)
      else throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `the broker has no IncrementalAlterConfigs, so ${c.name} cannot be appended to or subtracted from`)
    }
    return { resourceType: r.type, resourceName: r.name, configs: [...values].map(([name, value]) => ({ name, value })) }
  })
  const conn = await client.anyConnection()
  const response = await conn.send(AlterConfigsRequest, AlterConfigsResponse, conn.version(AlterConfigsRequest, 0, 2), {
    resources, validateOnly: options.validateOnly ?? false,
  })
  return response.responses
}

/** Broker resources go to that broker (by id); everything else to any broker (key undefined). */
function byTargetBroker<R extends ConfigResource> (resources: R[]): Map<number | undefined, R[]> {
  const groups = new Map<number | undefined, R[]>()
  for (const r of resources) {
    const target = r.type === ResourceType.BROKER && r.name !== '' ? Number(r.name) : undefined
    groups.set(target, [...(groups.get(target) ?? []), r])
  }
  return groups
}
