import { ErrorCode } from '../../protocol/error-codes.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages/offset-fetch.js'
import { byTopic, type FetchedOffset } from '../../coordinator/group-offsets.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

type Topics = Array<{ topic: string, partitions: number[] }> | null

/**
 * OffsetFetch: committed offsets from the coordinator's memory (-1 where none); v0 from ZooKeeper.
 * v0-v1 report a coordinator error per partition, v2+ at the top (topics null = all committed),
 * v7+ with require_stable: UNSTABLE_OFFSET_COMMIT for a partition whose transactional commit is
 * not ended yet (KIP-447). v8 answers several groups. v9 (KIP-848 member epochs) is not served.
 */
export const handleOffsetFetch = defineHandler(OffsetFetchRequest, OffsetFetchResponse, async (req, ctx) => {
  if (ctx.apiVersion >= 8) {
    const groups = req.groups.map(g => {
      // KafkaApis.handleOffsetFetchRequest: Describe on each group; refused, that group's error
      if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId)) return { groupId: g.groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] }
      const r = fetch(g.groupId, g.topics === null ? null : g.topics.map(t => ({ topic: t.name, partitions: t.partitionIndexes })), req.requireStable, ctx)
      return { groupId: g.groupId, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? answer(r.offsets) : [] }
    })
    return { throttleTimeMs: 0, groups }
  }
  ctx.ensureAuthorized(AclOperation.DESCRIBE, ResourceType.GROUP, req.groupId)
  const topics: Topics = req.topics === null ? null : req.topics.map(t => ({ topic: t.name, partitions: t.partitionIndexes }))
  if (ctx.apiVersion === 0) return { throttleTimeMs: 0, topics: answer(describable(await ctx.broker.groups.offsets.fetchFromZooKeeper(req.groupId, topics ?? []), true, ctx)) }
  const r = fetch(req.groupId, topics, ctx.apiVersion >= 7 && req.requireStable, ctx)
  if (ctx.apiVersion === 1) return { throttleTimeMs: 0, topics: answer(r.offsets) }
  return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? answer(r.offsets) : [] }
}, { max: 8 })

function fetch (groupId: string, topics: Topics, requireStable: boolean, ctx: RequestContext): { errorCode: number, offsets: FetchedOffset[] } {
  const r = ctx.broker.groups.offsets.fetch(groupId, topics, requireStable)
  return { errorCode: r.errorCode, offsets: describable(r.offsets, topics !== null, ctx) }
}

/**
 * Only topics the principal may Describe: named ones it may not are answered
 * TOPIC_AUTHORIZATION_FAILED, and left out of an answer for all the group's topics (KafkaApis).
 */
function describable (offsets: FetchedOffset[], named: boolean, ctx: RequestContext): FetchedOffset[] {
  const allowed = new Map<string, boolean>()
  const may = (topic: string): boolean => {
    let yes = allowed.get(topic)
    if (yes === undefined) allowed.set(topic, yes = ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, topic, { logIfDenied: named }))
    return yes
  }
  if (!named) return offsets.filter(o => may(o.topic))
  return offsets.map(o => may(o.topic) ? o : { ...o, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })
}

function answer (offsets: FetchedOffset[]): Array<{ name: string, partitions: Array<{ partitionIndex: number, committedOffset: number, committedLeaderEpoch: number, metadata: string, errorCode: number }> }> {
  return byTopic(offsets).map(t => ({
    name: t.topic,
    partitions: t.partitions.map(o => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: o.errorCode })),
  }))
}
