import { ErrorCode } from '../../protocol/error-codes.js'
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages/offset-for-leader-epoch.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/**
 * KIP-101/279: the end offset of a leader epoch on the leader (the start of the next epoch, or the
 * log end for the current one), so a follower truncates exactly its divergent tail.
 */
export const handleOffsetForLeaderEpoch = defineHandler(OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, (req, ctx) => {
  // KafkaApis.handleOffsetForLeaderEpochRequest: a follower needs ClusterAction, a consumer Describe on each topic
  if (ctx.apiVersion >= 3 && req.replicaId >= 0) ctx.ensureAuthorized(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)
  return { throttleTimeMs: 0, topics: req.topics.map(t => ({ t, authorized: ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic) })).map(({ t, authorized }) => ({
    topic: t.topic,
    partitions: t.partitions.map(p => {
      if (!authorized) return { partition: p.partition, leaderEpoch: -1, endOffset: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }
      const partition = ctx.broker.replicas.partition(t.topic, p.partition)
      const none = { partition: p.partition, leaderEpoch: -1, endOffset: -1 }
      if (ctx.broker.replicas.isOffline(t.topic, p.partition)) return { ...none, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }
      if (partition === undefined) {
        const known = ctx.broker.metadata.partition(t.topic, p.partition) !== undefined
        return { ...none, errorCode: known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
      }
      if (!partition.isLeader) return { ...none, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
      if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== partition.leaderEpoch) {
        return { ...none, errorCode: p.currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH }
      }
      const end = partition.log.leaderEpochCache.endOffsetFor(p.leaderEpoch, partition.log.logEndOffset)
      return { partition: p.partition, errorCode: ErrorCode.NONE, leaderEpoch: end.leaderEpoch, endOffset: end.endOffset }
    }),
  })) }
})
