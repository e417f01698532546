/**
 * What the client knows about the cluster (Java's `Cluster`): brokers, controller, and per topic its
 * partitions with leader, replicas and ISR, as the last Metadata response said. Replaced topic by
 * topic on each response, so a refresh for one topic leaves the others as they were; a response
 * for every topic replaces them all, so a deleted topic goes (as Java's Metadata on a full update).
 */
import type { MetadataResponse } from '../protocol/messages/metadata.js'
import type { Decoded } from '../protocol/schema/index.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { BrokerAddress } from './connection.js'

export interface BrokerNode extends BrokerAddress {
  nodeId: number
  rack: string | null
}

export interface PartitionMetadata {
  partition: number
  errorCode: number
  /** -1 when the partition has no leader. */
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
}

export interface TopicMetadata {
  name: string
  topicId: string
  errorCode: number
  isInternal: boolean
  /** By partition index. */
  partitions: PartitionMetadata[]
  /** Partitions with a leader now, computed once per update (the partitioner asks per record). */
  available: number[]
}

export class ClusterMetadata {
  readonly brokers = new Map<number, BrokerNode>()
  readonly topics = new Map<string, TopicMetadata>()
  controllerId = -1
  clusterId: string | null = null
  /** Date.now() of the last update, 0 before the first. */
  updatedAtMs = 0

  update (response: Decoded<typeof MetadataResponse>, nowMs = Date.now(), allTopics = false): void {
    this.brokers.clear()
    if (allTopics) this.topics.clear()
    for (const b of response.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })
    this.controllerId = response.controllerId
    this.clusterId = response.clusterId
    for (const t of response.topics) {
      if (t.name === null) continue
      if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        this.topics.delete(t.name)
        continue
      }
      const partitions: PartitionMetadata[] = []
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
        }
      }
      const available = partitions.filter(p => p !== undefined && p.leader >= 0).map(p => p.partition)
      this.topics.set(t.name, { name: t.name, topicId: t.topicId, errorCode: t.errorCode, isInternal: t.isInternal, partitions, available })
    }
    this.updatedAtMs = nowMs
  }

  /** The leader of a partition, or undefined when unknown or leaderless. */
  leaderFor (topic: string, partition: number): BrokerNode | undefined {
    const leader = this.topics.get(topic)?.partitions[partition]?.leader
    return leader === undefined || leader < 0 ? undefined : this.brokers.get(leader)
  }

  partitionCount (topic: string): number | undefined {
    const t = this.topics.get(topic)
    return t === undefined || t.errorCode !== ErrorCode.NONE || t.partitions.length === 0 ? undefined : t.partitions.length
  }

  /** Partitions that have a leader now (sticky partitioning picks among these). */
  availablePartitions (topic: string): number[] {
    return this.topics.get(topic)?.available ?? []
  }
}
