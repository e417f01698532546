import { ErrorCode } from '../../protocol/error-codes.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages/offset-fetch.js'
import { byTopic, type FetchedOffset } from '../../coordinator/group-offsets.js'
import { defineHandler, type RequestContext } from '../api-handler.js'

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
      const r = fetch(g.groupId, g.topics === null ? null : g.topics.map(t => ({ topic: t.name, partitions: t.partitionIndexes })), req.requireStable, ctx)
      return { groupId: g.groupId, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? answer(r.offsets) : [] }
    })
    return { throttleTimeMs: 0, groups }
  }
  const topics: Topics = req.topics === null ? null : req.topics.map(t => ({ topic: t.name, partitions: t.partitionIndexes }))
  if (ctx.apiVersion === 0) return { throttleTimeMs: 0, topics: answer(await ctx.broker.groups.offsets.fetchFromZooKeeper(req.groupId, topics ?? [])) }
  const r = fetch(req.groupId, topics, ctx.apiVersion >= 7 && req.requireStable, ctx)
  if (ctx.apiVersion === 1) return { throttleTimeMs: 0, topics: answer(r.offsets) }
  return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.errorCode === ErrorCode.NONE ? answer(r.offsets) : [] }
}, { max: 8 })

function fetch (groupId: string, topics: Topics, requireStable: boolean, ctx: RequestContext): { errorCode: number, offsets: FetchedOffset[] } {
  return ctx.broker.groups.offsets.fetch(groupId, topics, requireStable)
}

function answer (offsets: FetchedOffset[]): Array<{ name: string, partitions: Array<{ partitionIndex: number, committedOffset: number, committedLeaderEpoch: number, metadata: string, errorCode: number }> }> {
  return byTopic(offsets).map(t => ({
    name: t.topic,
    partitions: t.partitions.map(o => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: o.errorCode })),
  }))
}
