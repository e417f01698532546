import { isInternalTopic } from '../../cluster/topic-name.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages/delete-records.js'
import type { Partition } from '../../replication/partition.js'
import { defineHandler, type RequestContext } from '../api-handler.js'

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
  const topics = req.topics.map(t => ({
    name: t.name,
    partitions: t.partitions.map(p => {
      const answer: Answer = { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.NONE }
      const partition = deleteOnLeader(ctx, t.name, p.partitionIndex, p.offset, answer)
      if (partition !== undefined) waiting.push({ answer, partition, requiredOffset: answer.lowWatermark })
      return answer
    }),
  }))
  const isAlive = (brokerId: number): boolean => ctx.broker.metadata.broker(brokerId) !== undefined
  for (;;) {
    waiting = waiting.filter(w => {
      if (!w.partition.isLeader) {
        w.answer.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER
        w.answer.lowWatermark = -1
        return false
      }
      w.answer.lowWatermark = w.partition.lowWatermark(isAlive)
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
 * Checks and deletes on this broker's replica (Kafka's deleteRecordsOnLocalLog); fills in
 * `answer` and returns the partition to wait for, or undefined when the answer is final.
 */
function deleteOnLeader (ctx: RequestContext, topic: string, partitionIndex: number, offset: number, answer: Answer): Partition | undefined {
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
  const result = ctx.broker.replicas.deleteRecordsOnLeader(partition, offset)
  answer.errorCode = result.errorCode
  if (result.errorCode !== ErrorCode.NONE) return undefined
  answer.lowWatermark = result.requiredOffset
  return partition
}
