/** Where a partition's replicas live and which leads (Java's Admin.electLeaders, alterPartitionReassignments, listPartitionReassignments), all on the controller. */
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../protocol/messages/alter-partition-reassignments.js'
import { ElectLeadersRequest, ElectLeadersResponse } from '../protocol/messages/elect-leaders.js'
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../protocol/messages/list-partition-reassignments.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions, TopicPartition } from './admin.js'
import { onController } from './admin-api-driver.js'
import type { KafkaClient } from './kafka-client.js'

/** A partition's reassignment in progress (KIP-455): the full replica set, and who joins and leaves. */
export interface PartitionReassignment extends TopicPartition { replicas: number[], addingReplicas: number[], removingReplicas: number[] }

/**
 * Preferred leader election (ElectLeaders, on the controller) for the given partitions, or all of
 * them (null): per partition, NONE when elected, ELECTION_NOT_NEEDED when the preferred replica
 * already leads, PREFERRED_LEADER_NOT_AVAILABLE when it cannot.
 */
export async function electPreferredLeaders (client: KafkaClient, partitions: Array<{ topic: string, partition: number }> | null, options: AdminOptions = {}): Promise<Array<{ topic: string, partition: number, errorCode: number, errorMessage: string | null }>> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  return await onController(client, 'ElectLeaders', timeoutMs, async conn => {
    const version = conn.version(ElectLeadersRequest, 0, 2)
    const byTopic = new Map<string, number[]>()
    for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
    const response = await conn.send(ElectLeadersRequest, ElectLeadersResponse, version, {
      electionType: 0,
      topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
      timeoutMs,
    })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ElectLeaders failed: ${errorName(response.errorCode)}`)
    return response.replicaElectionResults.flatMap(t => t.partitionResult.map(r => ({ topic: t.topic, partition: r.partitionId, errorCode: r.errorCode, errorMessage: r.errorMessage })))
  })
}

/**
 * AlterPartitionReassignments (KIP-455, on the controller): per partition, its target replicas,
 * or null to cancel its reassignment in progress. Answers once the reassignments have started.
 */
export async function alterPartitionReassignments (client: KafkaClient, reassignments: ReadonlyArray<TopicPartition & { replicas: number[] | null }>, options: AdminOptions = {}): Promise<Array<TopicPartition & { errorCode: number, errorMessage: string | null }>> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  const byTopic = new Map<string, Array<{ partitionIndex: number, replicas: number[] | null }>>()
  for (const r of reassignments) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), { partitionIndex: r.partition, replicas: r.replicas }])
  return await onController(client, 'AlterPartitionReassignments', timeoutMs, async conn => {
    const version = conn.version(AlterPartitionReassignmentsRequest, 0, 0)
    const response = await conn.send(AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, version, {
      timeoutMs,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `AlterPartitionReassignments failed: ${response.errorMessage ?? errorName(response.errorCode)}`)
    return response.responses.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode, errorMessage: p.errorMessage })))
  })
}

/** ListPartitionReassignments (on the controller): the reassignments in progress among `partitions` (null: all). */
export async function listPartitionReassignments (client: KafkaClient, partitions: readonly TopicPartition[] | null = null, options: AdminOptions = {}): Promise<PartitionReassignment[]> {
  const timeoutMs = options.timeoutMs ?? client.config['default.api.timeout.ms']
  const byTopic = new Map<string, number[]>()
  for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
  return await onController(client, 'ListPartitionReassignments', timeoutMs, async conn => {
    const version = conn.version(ListPartitionReassignmentsRequest, 0, 0)
    const response = await conn.send(ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, version, {
      timeoutMs,
      topics: partitions === null ? null : [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ListPartitionReassignments failed: ${response.errorMessage ?? errorName(response.errorCode)}`)
    return response.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })))
  })
}
