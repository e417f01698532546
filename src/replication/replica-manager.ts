import type { KafkaConfig } from '../config/kafka-config.js'
import { topicConfigValues } from '../config/topic-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache, PartitionMetadata } from '../cluster/metadata-cache.js'
import type { LogConfig } from '../storage/log-config.js'
import type { LogManager } from '../storage/log-manager.js'
import { Partition } from './partition.js'

/**
 * The partitions this broker hosts (Kafka's ReplicaManager): it follows the metadata cache, opening
 * a log when the broker becomes a replica, switching roles when the controller moves leadership,
 * and deleting logs of deleted topics.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Map<number, Partition>>()

  constructor (
    private readonly brokerId: number,
    private readonly logManager: LogManager,
    private readonly metadata: MetadataCache,
    private readonly config: KafkaConfig,
    private readonly log: Logger,
  ) {}

  start (): void {
    this.metadata.on('partition', (p: PartitionMetadata) => this.onPartitionState(p))
    this.metadata.on('topicDeleted', (topic: string) => this.onTopicDeleted(topic))
    this.metadata.on('topicConfig', (topic: string) => this.onTopicConfig(topic))
    for (const t of this.metadata.topics()) for (const p of t.partitions.values()) if (p.stateVersion >= 0) this.onPartitionState(p)
  }

  partition (topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topic)?.get(partition)
  }

  hostedPartitions (): Partition[] {
    return [...this.partitions.values()].flatMap(m => [...m.values()])
  }

  /** Waits until any of these partitions gets an append or a new high watermark, or the timeout. */
  async waitForData (partitions: readonly Partition[], timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0 || partitions.length === 0) return
    await new Promise<void>(resolve => {
      const offs: Array<() => void> = []
      const done = (): void => {
        clearTimeout(timer)
        for (const off of offs) off()
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      for (const p of partitions) offs.push(p.onAppend(done))
    })
  }

  private onPartitionState (state: PartitionMetadata): void {
    if (!state.replicas.includes(this.brokerId)) return
    let partition = this.partition(state.topic, state.partition)
    if (partition === undefined) {
      const topic = this.metadata.topic(state.topic)
      if (topic === undefined) return
      const log = this.logManager.getOrCreateLog(state.topic, state.partition, topic.topicId, this.logConfigFor(state.topic))
      partition = new Partition(state.topic, state.partition, topic.topicId, log, this.brokerId)
      partition.minInsyncReplicas = this.minInsyncReplicasFor(state.topic)
      let byNumber = this.partitions.get(state.topic)
      if (byNumber === undefined) this.partitions.set(state.topic, byNumber = new Map())
      byNumber.set(state.partition, partition)
    }
    const roleChanged = partition.applyState(state)
    if (roleChanged || partition.isLeader) {
      this.log.info(partition.isLeader ? 'became leader' : 'became follower', { topic: state.topic, partition: state.partition, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr })
    }
  }

  private onTopicDeleted (topic: string): void {
    const byNumber = this.partitions.get(topic)
    if (byNumber === undefined) return
    this.partitions.delete(topic)
    for (const p of byNumber.values()) this.logManager.deleteLog(topic, p.partition)
    this.log.info('deleted logs of deleted topic', { topic, partitions: byNumber.size })
  }

  private onTopicConfig (topic: string): void {
    const byNumber = this.partitions.get(topic)
    if (byNumber === undefined) return
    const logConfig = this.logConfigFor(topic)
    const minIsr = this.minInsyncReplicasFor(topic)
    for (const p of byNumber.values()) {
      p.log.updateConfig(logConfig)
      p.minInsyncReplicas = minIsr
    }
  }

  private minInsyncReplicasFor (topic: string): number {
    return topicConfigValues(this.config, this.metadata.topic(topic)?.config ?? {})['min.insync.replicas'] as number
  }

  /** The broker's log.* defaults with the topic's overrides from /config/topics/<t>. */
  logConfigFor (topic: string): LogConfig {
    const v = topicConfigValues(this.config, this.metadata.topic(topic)?.config ?? {})
    return {
      'segment.bytes': v['segment.bytes'] as number,
      'segment.ms': v['segment.ms'] as number,
      'segment.index.bytes': v['segment.index.bytes'] as number,
      'index.interval.bytes': v['index.interval.bytes'] as number,
      'retention.ms': v['retention.ms'] as number,
      'retention.bytes': v['retention.bytes'] as number,
      'flush.messages': v['flush.messages'] as number,
      'flush.ms': v['flush.ms'] as number,
      'max.message.bytes': v['max.message.bytes'] as number,
    }
  }
}
