/** Partitions' logs on the brokers (Java's Admin.deleteRecords, describeLogDirs). */
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../protocol/messages/delete-records.js'
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../protocol/messages/describe-log-dirs.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions } from './admin.js'
import { atPartitionBrokers } from './admin-api-driver.js'
import type { KafkaClient } from './kafka-client.js'

/** One log dir of a broker, as DescribeLogDirs answers it (-1 bytes: unknown, before v4). */
export interface LogDirDescription {
  logDir: string
  errorCode: number
  totalBytes: number
  usableBytes: number
  partitions: Array<{ topic: string, partition: number, size: number, offsetLag: number, isFuture: boolean }>
}

export interface RecordsToDelete { topic: string, partition: number, /** -1: the high watermark */ offset: number }
export interface DeletedRecords { topic: string, partition: number, lowWatermark: number, errorCode: number }

/**
 * DeleteRecords at each partition's leader (AdminClient.deleteRecords): every record below the
 * offset goes. One outcome per partition, in the order asked; a partition whose leader moved is
 * retried after a metadata refresh until the call's timeout, then answers with its last error.
 */
export async function deleteRecords (client: KafkaClient, partitions: readonly RecordsToDelete[], options: AdminOptions = {}): Promise<DeletedRecords[]> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  return await atPartitionBrokers(client, 'DeleteRecords', partitions, {
    timeoutMs,
    // REQUEST_TIMED_OUT already used the time
    retriable: r => isRetriable(r.errorCode) && r.errorCode !== ErrorCode.REQUEST_TIMED_OUT,
    failed: (p, errorCode) => ({ ...p, lowWatermark: -1, errorCode }),
  }, async (nodeId, list) => {
    const byTopic = new Map<string, Array<{ partitionIndex: number, offset: number }>>()
    for (const p of list) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partitionIndex: p.partition, offset: p.offset }])
    const response = await client.send(nodeId, DeleteRecordsRequest, DeleteRecordsResponse, { min: 0, max: 2 }, {
      topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })),
      timeoutMs,
    }, { timeoutMs: timeoutMs + client.config['request.timeout.ms'] })
    return response.topics.flatMap(t => t.partitions.map(r => ({ topic: t.name, partition: r.partitionIndex, lowWatermark: r.lowWatermark, errorCode: r.errorCode })))
  })
}

/**
 * DescribeLogDirs to each broker (AdminClient.describeLogDirs): its log dirs, each with its
 * error code and the partitions it holds (size, offset lag); every partition when `topics` is null.
 */
export async function describeLogDirs (client: KafkaClient, brokerIds: readonly number[], topics: Array<{ topic: string, partitions: number[] }> | null = null, options: AdminOptions = {}): Promise<Map<number, LogDirDescription[]>> {
  const answers = await Promise.all(brokerIds.map(async brokerId => {
    const response = await client.retry(`DescribeLogDirs to broker ${brokerId}`, async () => {
      await client.refreshMetadata([])
      return await client.send(brokerId, DescribeLogDirsRequest, DescribeLogDirsResponse, { min: 0, max: 4 }, { topics })
    }, { timeoutMs: options.timeoutMs })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `DescribeLogDirs to broker ${brokerId} failed: ${errorName(response.errorCode)}`)
    return [brokerId, response.results.map(r => ({
      logDir: r.logDir,
      errorCode: r.errorCode,
      totalBytes: r.totalBytes,
      usableBytes: r.usableBytes,
      partitions: r.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, size: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey }))),
    }))] as const
  }))
  return new Map(answers)
}
