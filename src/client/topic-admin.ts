/** Topics (Java's Admin.createTopics, deleteTopics, createPartitions, listTopics, describeTopics): create, delete and grow on the controller, list and describe from metadata. */
import { ErrorCode } from '../protocol/error-codes.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/messages/create-partitions.js'
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/messages/create-topics.js'
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/messages/delete-topics.js'
import type { AdminOptions } from './admin.js'
import { onController } from './admin-api-driver.js'
import type { TopicMetadata } from './cluster-metadata.js'
import type { KafkaClient } from './kafka-client.js'

export interface NewTopic {
  name: string
  /** -1: the broker's num.partitions (CreateTopics v4+). */
  numPartitions?: number
  /** -1: the broker's default.replication.factor. */
  replicationFactor?: number
  /** Broker ids per partition, partition 0 first; replaces numPartitions/replicationFactor. */
  replicaAssignment?: number[][]
  configs?: Record<string, string>
}

export interface TopicResult { name: string, errorCode: number, errorMessage: string | null }

export async function createTopics (client: KafkaClient, topics: NewTopic[], options: AdminOptions = {}): Promise<TopicResult[]> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  return await onController(client, 'CreateTopics', timeoutMs, async conn => {
    const version = conn.version(CreateTopicsRequest, 0, 7)
    const response = await conn.send(CreateTopicsRequest, CreateTopicsResponse, version, {
      topics: topics.map(t => ({
        name: t.name,
        numPartitions: t.replicaAssignment !== undefined ? -1 : t.numPartitions ?? -1,
        replicationFactor: t.replicaAssignment !== undefined ? -1 : t.replicationFactor ?? -1,
        assignments: (t.replicaAssignment ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs,
      validateOnly: options.validateOnly ?? false,
    })
    return response.topics.map(t => ({ name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage }))
  })
}

export async function deleteTopics (client: KafkaClient, names: string[], options: AdminOptions = {}): Promise<TopicResult[]> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  return await onController(client, 'DeleteTopics', timeoutMs, async conn => {
    const version = conn.version(DeleteTopicsRequest, 0, 5)
    const response = await conn.send(DeleteTopicsRequest, DeleteTopicsResponse, version, { topicNames: names, timeoutMs })
    return response.responses.map(r => ({ name: r.name ?? '', errorCode: r.errorCode, errorMessage: r.errorMessage }))
  })
}

/** Grows topics to `count` partitions; `assignments` gives broker ids for each new partition. */
export async function createPartitions (client: KafkaClient, topics: Array<{ name: string, count: number, assignments?: number[][] }>, options: AdminOptions = {}): Promise<TopicResult[]> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  return await onController(client, 'CreatePartitions', timeoutMs, async conn => {
    const version = conn.version(CreatePartitionsRequest, 0, 3)
    const response = await conn.send(CreatePartitionsRequest, CreatePartitionsResponse, version, {
      topics: topics.map(t => ({ name: t.name, count: t.count, assignments: t.assignments?.map(brokerIds => ({ brokerIds })) ?? null })),
      timeoutMs,
      validateOnly: options.validateOnly ?? false,
    })
    return response.results.map(r => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }))
  })
}

/** Topic names, sorted; internal topics (__consumer_offsets) only when asked for. */
export async function listTopics (client: KafkaClient, options: { includeInternal?: boolean } & AdminOptions = {}): Promise<string[]> {
  const topics = await describeTopics(client, null, options)
  return topics.filter(t => options.includeInternal === true || !t.isInternal).map(t => t.name).sort()
}

/** Metadata for the named topics (null: all). Unknown names come back with their error code. */
export async function describeTopics (client: KafkaClient, names: string[] | null, options: AdminOptions = {}): Promise<TopicMetadata[]> {
  return await client.retry('Metadata', async () => {
    await client.refreshMetadata(names)
    const all = [...client.metadata.topics.values()]
    if (names === null) return all.sort((a, b) => a.name.localeCompare(b.name))
    return names.map(name => client.metadata.topics.get(name) ??
      { name, topicId: '', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, isInternal: false, partitions: [], available: [] })
  }, { timeoutMs: options.timeoutMs })
}
