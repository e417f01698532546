import { ErrorCode } from '../../protocol/error-codes.js'
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages/list-offsets.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

const EARLIEST = -2
const LATEST = -1
/** ListOffsetsRequest.DEBUGGING_REPLICA_ID: any replica answers, leader or not (Kafka's fetchOnlyFromLeader is false). */
const DEBUGGING_REPLICA_ID = -2

/**
 * ListOffsets: earliest (log start), latest (high watermark; the last stable offset for
 * read_committed, v2+ isolation_level 1), or the first offset at a timestamp below either.
 */
export const handleListOffsets = defineHandler(ListOffsetsRequest, ListOffsetsResponse, (req, ctx) => {
  const consumer = req.replicaId < 0
  const readCommitted = ctx.apiVersion >= 2 && req.isolationLevel === 1
  // A high watermark from a view that may be stale is no answer (MetadataCache.isCurrent).
  const current = ctx.broker.metadata.isCurrent()
  const topics = req.topics.map(t => ({ t, authorized: ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.name) })).map(({ t, authorized }) => ({
    name: t.name,
    partitions: t.partitions.map(p => {
      const partition = ctx.broker.replicas.partition(t.name, p.partitionIndex)
      const none = { partitionIndex: p.partitionIndex, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 }
      if (!authorized) return { ...none, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }
      if (ctx.broker.replicas.isOffline(t.name, p.partitionIndex)) return { ...none, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }
      const leaderOnly = req.replicaId !== DEBUGGING_REPLICA_ID
      if (partition === undefined || (leaderOnly && (!partition.isLeader || !current))) {
        const known = ctx.broker.metadata.partition(t.name, p.partitionIndex) !== undefined
        return { ...none, errorCode: known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
      }
      if (leaderOnly && p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== partition.leaderEpoch) {
        return { ...none, errorCode: p.currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH }
      }
      const log = partition.log
      const visibleEnd = readCommitted ? log.lastStableOffset : log.highWatermark
      let found: { offset: number, timestamp: number } | null
      if (p.timestamp === LATEST) found = { offset: consumer ? visibleEnd : log.logEndOffset, timestamp: -1 }
      else if (p.timestamp === EARLIEST) found = { offset: log.logStartOffset, timestamp: -1 }
      else found = log.offsetForTimestamp(p.timestamp)
      // Consumers never learn of offsets above the high watermark (the last stable offset for read_committed).
      if (found !== null && consumer && found.offset >= visibleEnd && p.timestamp >= 0) found = null
      // v0 clients (Sarama's default) expect an offset whenever there is no error.
      if (found === null) return { ...none, errorCode: ErrorCode.NONE, oldStyleOffsets: ctx.apiVersion === 0 ? [log.highWatermark] : [] }
      return {
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode.NONE,
        oldStyleOffsets: [found.offset],
        timestamp: found.timestamp,
        offset: found.offset,
        leaderEpoch: p.timestamp === LATEST ? partition.leaderEpoch : partition.epochForOffset(found.offset),
      }
    }),
  }))
  return { throttleTimeMs: 0, topics }
})
