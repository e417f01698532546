import { statfsSync } from 'node:fs'
import { ErrorCode } from '../../protocol/error-codes.js'
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages/describe-log-dirs.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { defineHandler } from '../api-handler.js'

/**
 * DescribeLogDirs (kafka-log-dirs, AdminClient.describeLogDirs; KIP-113): each configured log dir
 * of this broker with the partitions it holds, their size and offset lag, as Kafka's
 * ReplicaManager.describeLogDirs answers. An offline dir answers KAFKA_STORAGE_ERROR and no
 * partitions; partitions asked for that this broker does not hold are left out. The offset lag of
 * a current (not future) log is how far its end is behind the high watermark: 0 unless it trails.
 */
export const handleDescribeLogDirs = defineHandler(DescribeLogDirsRequest, DescribeLogDirsResponse, (req, ctx) => {
  // KafkaApis.handleDescribeLogDirsRequest: Describe on the cluster, else no dirs (v3+: the error too)
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] }
  const wanted = req.topics === null ? null : new Map(req.topics.map(t => [t.topic, new Set(t.partitions)]))
  const results = ctx.broker.replicas.logsByDir().map(dir => {
    if (dir.offline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: dir.logDir, topics: [], totalBytes: -1, usableBytes: -1 }
    const byTopic = new Map<string, Array<{ partitionIndex: number, partitionSize: number, offsetLag: number, isFutureKey: boolean }>>()
    for (const log of dir.logs) {
      if (wanted !== null && wanted.get(log.topic)?.has(log.partition) !== true) continue
      const partitions = byTopic.get(log.topic) ?? []
      partitions.push({ partitionIndex: log.partition, partitionSize: log.size, offsetLag: Math.max(0, log.highWatermark - log.logEndOffset), isFutureKey: false })
      byTopic.set(log.topic, partitions)
    }
    return { errorCode: ErrorCode.NONE, logDir: dir.logDir, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), ...spaceOf(dir.logDir) }
  })
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results }
})

/** The file system's size and free space under `logDir` (v4's totalBytes and usableBytes); -1 if unknown. */
function spaceOf (logDir: string): { totalBytes: number, usableBytes: number } {
  try {
    const s = statfsSync(logDir)
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize }
  } catch {
    return { totalBytes: -1, usableBytes: -1 }
  }
}
