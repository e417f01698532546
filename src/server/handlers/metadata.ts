import { KafkaError } from '../../errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { MetadataRequest, MetadataResponse } from '../../protocol/messages/metadata.js'
import { ZERO_UUID } from '../../protocol/primitives/uuid.js'
import { invalidTopicNameReason, isInternalTopic } from '../../cluster/topic-name.js'
import type { TopicMetadata } from '../../cluster/metadata-cache.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

type TopicAnswer = MetadataResponse['topics'][number]

/**
 * Metadata: every live broker (at the endpoint of the listener the request came in on), the
 * controller, and per partition its leader, epoch, replicas and ISR. Unknown topics are created
 * when allowed (auto.create.topics.enable) and answered LEADER_NOT_AVAILABLE until they have leaders.
 */
export const handleMetadata = defineHandler(MetadataRequest, MetadataResponse, async (req, ctx) => {
  const md = ctx.broker.metadata
  const brokers = md.brokers().flatMap(b => {
    const e = b.endpoints.find(x => x.listenerName === ctx.listenerName)
    return e === undefined ? [] : [{ nodeId: b.id, host: e.host, port: e.port, rack: b.rack }]
  })
  // KafkaApis.handleTopicMetadataRequest: below v12 (no topic ids yet) every topic needs its name
  if (ctx.apiVersion < 12 && req.topics?.some(t => t.name === null) === true) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Topic name can not be null for version ${ctx.apiVersion}`)
  // v0: an empty list means every topic; v1+: null means every topic, empty means none.
  const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0)
  const mayCreate = ctx.broker.config.values['auto.create.topics.enable'] && (ctx.apiVersion < 4 || req.allowAutoTopicCreation)
  let topics: TopicAnswer[]
  // KafkaApis.handleTopicMetadataRequest: topics the principal may not Describe are left out of an
  // answer for all topics, and answered TOPIC_AUTHORIZATION_FAILED (existing or not) when named
  if (all) {
    topics = md.topics().filter(t => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.name, { logIfDenied: false })).map(t => topicAnswer(t, ctx, req.includeTopicAuthorizedOperations))
  } else {
    let mayCreateAny: boolean | undefined
    topics = await Promise.all(distinct(req.topics ?? []).map(async requested => {
      const byId = requested.name === null || requested.name === undefined
      const t = byId ? md.topicById(requested.topicId) : md.topic(requested.name as string)
      const name = byId ? t?.name : requested.name as string
      if (name !== undefined && !ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name)) return missing(byId ? null : name, byId ? requested.topicId : ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
      if (t !== undefined) return topicAnswer(t, ctx, req.includeTopicAuthorizedOperations)
      if (byId || name === undefined) return missing(null, requested.topicId, ErrorCode.UNKNOWN_TOPIC_ID)
      if (invalidTopicNameReason(name) !== undefined) return missing(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION)
      if (!mayCreate) return missing(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      // auto-creation needs Create on the cluster or on the topic
      mayCreateAny ??= ctx.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, { logIfDenied: false })
      if (!mayCreateAny && !ctx.authorize(AclOperation.CREATE, ResourceType.TOPIC, name)) return missing(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
      const created = await AdminManager.of(ctx.broker).autoCreate(name)
      const code = created.errorCode === ErrorCode.NONE || created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS || created.errorCode === ErrorCode.REQUEST_TIMED_OUT
        ? ErrorCode.LEADER_NOT_AVAILABLE
        : created.errorCode
      const now = md.topic(name)
      return now !== undefined && code === ErrorCode.LEADER_NOT_AVAILABLE && hasAllLeaders(now) ? topicAnswer(now, ctx, req.includeTopicAuthorizedOperations) : missing(name, created.topicId ?? ZERO_UUID, code)
    }))
  }
  const answer: MetadataResponse = { throttleTimeMs: 0, brokers, clusterId: ctx.broker.clusterId, controllerId: md.controllerId, topics }
  if (ctx.apiVersion >= 8 && ctx.apiVersion <= 10 && req.includeClusterAuthorizedOperations) answer.clusterAuthorizedOperations = ctx.authorizedOperations(ResourceType.CLUSTER, CLUSTER_NAME)
  return answer
})

/** Each topic once, however often it is named: KafkaApis.handleTopicMetadataRequest takes them as a set. */
function distinct<T extends { name?: string | null, topicId: string }> (requested: readonly T[]): T[] {
  const names = new Set<string>()
  const ids = new Set<string>()
  return requested.filter(r => {
    const [seen, key] = r.name === null || r.name === undefined ? [ids, r.topicId] : [names, r.name]
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function hasAllLeaders (t: TopicMetadata): boolean {
  for (const p of t.partitions.values()) if (p.leader < 0) return false
  return true
}

function missing (name: string | null, topicId: string, errorCode: number): TopicAnswer {
  return { errorCode, name, topicId, isInternal: false, partitions: [] }
}

function topicAnswer (t: TopicMetadata, ctx: RequestContext, withAuthorizedOperations: boolean): TopicAnswer {
  const md = ctx.broker.metadata
  const partitions = [...t.partitions.values()].sort((a, b) => a.partition - b.partition).map(p => {
    const offlineReplicas = p.replicas.filter(r => md.broker(r) === undefined || md.isReplicaOffline(r, t.name, p.partition))
    const leaderLive = p.leader >= 0 && md.broker(p.leader) !== undefined
    return {
      errorCode: leaderLive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p.partition,
      leaderId: leaderLive ? p.leader : -1,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      offlineReplicas,
    }
  })
  const answer: TopicAnswer = { errorCode: ErrorCode.NONE, name: t.name, topicId: t.topicId, isInternal: isInternalTopic(t.name), partitions }
  // KIP-430: what the principal may do with the topic, when asked (v8+)
  if (withAuthorizedOperations && ctx.apiVersion >= 8) answer.topicAuthorizedOperations = ctx.authorizedOperations(ResourceType.TOPIC, t.name)
  return answer
}
