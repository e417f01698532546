/**
 * The dashboard's changes to topics, each what a Kafka tool does and checked as the broker checks
 * the request it sends: create (kafka-topics --create), delete, add partitions (kafka-topics
 * --alter --partitions) and edit configs (kafka-configs --alter). A read-only gateway refuses all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AlterConfigOp, ResourceType as ConfigResourceType, type ConfigChange } from '../client/config-admin.js'
import type { Access } from '../gateway/gateway-authorizer.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl-binding.js'
import { ApiError, json, readJson, throwIfFailed, type ApiContext } from './dashboard-http.js'

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/
const TIMEOUT_MS = 15_000
const NO_RESULT = { errorCode: -1, errorMessage: 'no result' }

export async function createTopic (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, access: Access): Promise<void> {
  ctx.checkWrite(req, 'topics cannot be created')
  const body = await readJson(req)
  const name = body['name']
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new ApiError(400, ErrorCode.INVALID_TOPIC_EXCEPTION, '"name" must be 1 to 249 of a-z A-Z 0-9 . _ - (and not . or ..)')
  }
  // CreateTopics: Create on the cluster, or on the topic
  if (!access.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, 'dashboard create topic', true)) access.ensure(AclOperation.CREATE, ResourceType.TOPIC, name, 'dashboard create topic')
  const int = (key: string): number => {
    const v = body[key] ?? -1
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < -1 || v === 0 || v > 2 ** 31 - 1) throw new ApiError(400, ErrorCode.INVALID_REQUEST, `"${key}" must be a positive integer (or -1 for the broker's default)`)
    return v
  }
  const partitions = int('partitions')
  const replicationFactor = int('replicationFactor')
  const configs = body['configs'] ?? {}
  if (configs === null || typeof configs !== 'object' || Array.isArray(configs) || Object.values(configs).some(v => typeof v !== 'string')) {
    throw new ApiError(400, ErrorCode.INVALID_CONFIG, '"configs" must be an object of string values')
  }
  const [result = NO_RESULT] = await ctx.view.admin.createTopics([{ name, numPartitions: partitions, replicationFactor, configs: configs as Record<string, string> }], { timeoutMs: TIMEOUT_MS })
  ctx.view.refreshSoon()
  throwIfFailed(result)
  json(res, 201, { name, partitions, replicationFactor })
}

/** kafka-topics --alter --partitions: CreatePartitions to the new total (never fewer, as Kafka). */
export async function createPartitions (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, name: string, access: Access): Promise<void> {
  ctx.checkWrite(req, `partitions cannot be added to topic ${name}`)
  // as the broker's CreatePartitions: Alter on the topic
  access.ensure(AclOperation.ALTER, ResourceType.TOPIC, name, 'dashboard add partitions')
  const count = (await readJson(req))['count']
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > 2 ** 31 - 1) throw new ApiError(400, ErrorCode.INVALID_PARTITIONS, '"count" must be the new number of partitions')
  const [result = NO_RESULT] = await ctx.view.admin.createPartitions([{ name, count }], { timeoutMs: TIMEOUT_MS })
  ctx.view.refreshSoon()
  throwIfFailed(result)
  json(res, 200, { name, partitions: count })
}

/**
 * kafka-configs --alter --add-config / --delete-config on a topic (IncrementalAlterConfigs SET and
 * DELETE; a deleted key falls back to the broker's value); answers the topic's configs after it.
 */
export async function alterConfigs (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, name: string, access: Access): Promise<void> {
  ctx.checkWrite(req, `the configs of topic ${name} cannot be changed`)
  // as the broker's IncrementalAlterConfigs: AlterConfigs on the topic
  access.ensure(AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, name, 'dashboard alter topic configs')
  const body = await readJson(req)
  const set = body['set'] ?? {}
  const del = body['delete'] ?? []
  if (set === null || typeof set !== 'object' || Array.isArray(set) || Object.values(set).some(v => typeof v !== 'string')) throw new ApiError(400, ErrorCode.INVALID_CONFIG, '"set" must be an object of string values')
  if (!Array.isArray(del) || del.some(k => typeof k !== 'string')) throw new ApiError(400, ErrorCode.INVALID_CONFIG, '"delete" must be a list of config names')
  const changes: ConfigChange[] = [
    ...Object.entries(set as Record<string, string>).map(([key, value]) => ({ name: key, op: AlterConfigOp.SET, value })),
    ...(del as string[]).map(key => ({ name: key, op: AlterConfigOp.DELETE, value: null })),
  ]
  if (changes.length === 0) throw new ApiError(400, ErrorCode.INVALID_CONFIG, 'nothing to change: give "set" or "delete"')
  const [result = NO_RESULT] = await ctx.view.admin.incrementalAlterConfigs([{ resource: { type: ConfigResourceType.TOPIC, name }, changes }], { timeoutMs: TIMEOUT_MS })
  throwIfFailed(result)
  const configs = await ctx.view.describeConfigs('topic', name)
  json(res, 200, { name, configs: configs?.entries ?? [] })
}

/** kafka-topics --delete. */
export async function deleteTopic (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, name: string, access: Access): Promise<void> {
  ctx.checkWrite(req, `topic ${name} cannot be deleted`)
  access.ensure(AclOperation.DELETE, ResourceType.TOPIC, name, 'dashboard delete topic')
  const [result = NO_RESULT] = await ctx.view.admin.deleteTopics([name], { timeoutMs: TIMEOUT_MS })
  ctx.view.refreshSoon()
  throwIfFailed(result)
  json(res, 200, { name, deleted: true })
}
