import { ErrorCode } from '../protocol/error-codes.js'
import type { Partition } from './partition.js'
import type { ReplicaManager } from './replica-manager.js'

/**
 * acks=-1 (Kafka's DelayedProduce in the produce purgatory): waits until the high watermark passes
 * `lastOffset`, i.e. every ISR member has it, or the timeout. NOT_LEADER_OR_FOLLOWER if leadership
 * moved first, KAFKA_STORAGE_ERROR if the log dir failed first, NOT_ENOUGH_REPLICAS_AFTER_APPEND
 * if the ISR shrank below min.insync.replicas meanwhile.
 */
export async function delayedProduce (replicas: ReplicaManager, partition: Partition, lastOffset: number, timeoutMs: number): Promise<number> {
  const replicated = (): boolean => partition.log.highWatermark > lastOffset
  const settled = (): boolean => replicated() || !partition.isLeader || partition.isOffline
  if (!settled()) await replicas.waitForData([partition], timeoutMs, 'Produce', settled)
  if (replicated()) return partition.isr.length < partition.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE
  if (partition.isOffline) return ErrorCode.KAFKA_STORAGE_ERROR
  return partition.isLeader ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_LEADER_OR_FOLLOWER
}
