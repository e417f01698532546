import { isInternalTopic } from '../../cluster/topic-name.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages/delete-records.js'
import type { Partition } from '../../replication/partition.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

interface Answer { partitionIndex: number, lowWatermark: number, errorCode: number }
interface Waiting { answer: Answer, partition: Partition, requiredOffset: number }

/**
 * DeleteRecords (kafka-delete-records, AdminClient.deleteRecords): each partition's leader moves
 * its log start offset (Kafka's ReplicaManager.deleteRecords), then the answer waits up to
 * timeoutMs until every replica on a live broker has followed, as Kafka's DelayedDeleteRecords
 * does; the low watermark answered is the smallest log start offset over them. A partition still
 * waiting at the deadline answers REQUEST_TIMED_OUT.
 */
export const handleDeleteRecords = defineHandler(DeleteRecordsRequest, DeleteRecordsResponse, async (req, ctx) => {
  const deadline = Date.now() + Math.max(0, req.timeoutMs)
  let waiting: Waiting[] = []
  const deletions: Array<{ answer: Answer, partition: Partition, offset: number }> = []
  const topics = req.topics.map(t => ({ t, authorized: ctx.authorize(AclOperation.DELETE, ResourceType.TOPIC, t.name) })).map(({ t, authorized }) => ({
    name: t.name,
    partitions: t.partitions.map(p => {
      const answer: Answer = { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: authorized ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED }
      const partition = authorized ? leaderFor(ctx, t.name, p.partitionIndex, answer) : undefined
      if (partition !== undefined) deletions.push({ answer, partition, offset: p.offset })
      return answer
    }),
  }))
  ;(await ctx.broker.replicas.deleteRecordsOnLeader(deletions)).forEach((result, i) => {
    const { answer, partition } = deletions[i]!
    answer.errorCode = result.errorCode
    if (result.errorCode !== ErrorCode.NONE) return
    answer.lowWatermark = result.requiredOffset
    waiting.push({ answer, partition, requiredOffset: result.requiredOffset })
  })
  for (;;) {
    waiting = waiting.filter(w => {
      if (!w.partition.isLeader) {
        w.answer.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER
        w.answer.lowWatermark = -1
        return false
      }
      w.answer.lowWatermark = w.partition.lowWatermark(ctx.broker.metadata.hasAliveBroker)
      return w.answer.lowWatermark < w.requiredOffset
    })
    const remainingMs = deadline - Date.now()
    if (waiting.length === 0) break
    if (remainingMs <= 0) {
      for (const w of waiting) w.answer.errorCode = ErrorCode.REQUEST_TIMED_OUT
      break
    }
    await ctx.broker.replicas.waitForData(waiting.map(w => w.partition), remainingMs, 'DeleteRecords')
  }
  return { throttleTimeMs: 0, topics }
})

/**
 * This broker's replica of the partition when it may delete there (the checks of Kafka's
 * deleteRecordsOnLocalLog); otherwise fills in `answer`'s error and returns undefined.
 */
function leaderFor (ctx: RequestContext, topic: string, partitionIndex: number, answer: Answer): Partition | undefined {
  if (isInternalTopic(topic)) {
    answer.errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION
    return undefined
  }
  if (ctx.broker.replicas.isOffline(topic, partitionIndex)) {
    answer.errorCode = ErrorCode.KAFKA_STORAGE_ERROR
    return undefined
  }
  const partition = ctx.broker.replicas.partition(topic, partitionIndex)
  // A leader whose view may be stale is no leader (MetadataCache.isCurrent).
  if (partition === undefined || !partition.isLeader || !ctx.broker.metadata.isCurrent()) {
    answer.errorCode = ctx.broker.metadata.partition(topic, partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER
    return undefined
  }
  return partition
}
