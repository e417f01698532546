import type { KafkaConfig } from '../config/kafka-config.js'
import { topicConfigValues } from '../config/topic-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache, PartitionMetadata } from '../cluster/metadata-cache.js'
import type { ZkSession } from '../cluster/zk-session.js'
import type { LogConfig } from '../storage/log-config.js'
import type { LogManager } from '../storage/log-manager.js'
import { FollowerFetcher } from './follower-fetcher.js'
import { writeIsr } from './isr-writer.js'
import { Partition } from './partition.js'

/**
 * The partitions this broker hosts (Kafka's ReplicaManager): it follows the metadata cache, opening
 * a log when the broker becomes a replica, switching roles when the controller moves leadership,
 * and deleting logs of deleted topics.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Map<number, Partition>>()
  private readonly fetchers = new Map<number, FollowerFetcher>()
  private readonly isrWrites = new Set<Partition>()
  private isrTimer?: NodeJS.Timeout

  constructor (
    private readonly brokerId: number,
    private readonly logManager: LogManager,
    private readonly metadata: MetadataCache,
    private readonly zk: ZkSession,
    private readonly config: KafkaConfig,
    private readonly log: Logger,
  ) {}

  start (): void {
    // Kafka checks for lagging followers every replica.lag.time.max.ms / 2.
    const lagMs = this.config.values['replica.lag.time.max.ms']
    this.isrTimer = setInterval(() => this.shrinkIsrs(), Math.max(10, Math.floor(lagMs / 2)))
    this.isrTimer.unref()
    this.logManager.deleteStrayLogs((topic, partition, topicId) => {
      const t = this.metadata.topic(topic)
      return t !== undefined && (topicId === null || topicId === t.topicId) && t.partitions.get(partition)?.replicas.includes(this.brokerId) === true
    })
    this.metadata.on('partition', (p: PartitionMetadata) => this.onPartitionState(p))
    this.metadata.on('topicDeleted', (topic: string) => this.onTopicDeleted(topic))
    this.metadata.on('topicConfig', (topic: string) => this.onTopicConfig(topic))
    for (const t of this.metadata.topics()) for (const p of t.partitions.values()) if (p.stateVersion >= 0) this.onPartitionState(p)
  }

  stop (): void {
    clearInterval(this.isrTimer)
    for (const f of this.fetchers.values()) f.stop()
    this.fetchers.clear()
  }

  /** A follower fetched: track it, and let it rejoin the ISR once it has caught up. */
  followerFetched (partition: Partition, replicaId: number, fetchOffset: number): void {
    partition.updateFollowerFetchState(replicaId, fetchOffset, Date.now())
    const expanded = partition.isrToExpand()
    if (expanded !== undefined) this.changeIsr(partition, expanded, 'expand')
  }

  private shrinkIsrs (): void {
    const now = Date.now()
    const lagMs = this.config.values['replica.lag.time.max.ms']
    for (const p of this.hostedPartitions()) {
      const shrunk = p.isrToShrink(now, lagMs)
      if (shrunk !== undefined) this.changeIsr(p, shrunk, 'shrink')
    }
  }

  private changeIsr (partition: Partition, isr: number[], kind: 'expand' | 'shrink'): void {
    if (this.isrWrites.has(partition)) return // one write at a time per partition
    this.isrWrites.add(partition)
    const before = partition.isr
    const controllerEpoch = this.metadata.partition(partition.topic, partition.partition)?.controllerEpoch ?? 0
    writeIsr(this.zk, partition, isr, controllerEpoch).then(version => {
      if (version === undefined) return
      partition.isrWritten(isr, version)
      this.log.info(kind === 'expand' ? 'ISR expanded' : 'ISR shrunk', { topic: partition.topic, partition: partition.partition, from: before, to: isr, leaderEpoch: partition.leaderEpoch })
    }, (err: unknown) => {
      this.log.warn('ISR change failed', { topic: partition.topic, partition: partition.partition, error: (err as Error).message })
    }).finally(() => this.isrWrites.delete(partition))
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
    const roleChanged = partition.applyState(state, Date.now())
    if (!roleChanged) return
    this.log.info(partition.isLeader ? 'became leader' : 'became follower', { topic: state.topic, partition: state.partition, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr })
    this.stopFetching(partition)
    if (!partition.isLeader && partition.leaderId >= 0) this.fetcherFor(partition.leaderId).add(partition)
  }

  private fetcherFor (leaderId: number): FollowerFetcher {
    let fetcher = this.fetchers.get(leaderId)
    if (fetcher === undefined) {
      const v = this.config.values
      const listener = v['inter.broker.listener.name'] ?? this.config.listeners[0]?.listenerName ?? 'PLAINTEXT'
      fetcher = new FollowerFetcher(leaderId, () => this.metadata.broker(leaderId)?.endpoints.find(e => e.listenerName === listener), {
        brokerId: this.brokerId,
        clientId: `broker-${this.brokerId}-fetcher-${leaderId}`,
        fetchWaitMaxMs: v['replica.fetch.wait.max.ms'],
        fetchMaxBytes: v['replica.fetch.max.bytes'],
        fetchResponseMaxBytes: v['replica.fetch.response.max.bytes'],
        requestTimeoutMs: 30_000,
        log: this.log.child({ fetcherFor: leaderId }),
      })
      this.fetchers.set(leaderId, fetcher)
    }
    return fetcher
  }

  private stopFetching (partition: Partition): void {
    for (const [leaderId, f] of this.fetchers) {
      f.remove(partition)
      if (f.size === 0) { f.stop(); this.fetchers.delete(leaderId) }
    }
  }

  private onTopicDeleted (topic: string): void {
    const byNumber = this.partitions.get(topic)
    if (byNumber === undefined) return
    this.partitions.delete(topic)
    for (const p of byNumber.values()) {
      this.stopFetching(p)
      this.logManager.deleteLog(topic, p.partition)
    }
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
      'message.timestamp.type': v['message.timestamp.type'] as LogConfig['message.timestamp.type'],
      'cleanup.policy': v['cleanup.policy'] as string[],
      'min.cleanable.dirty.ratio': v['min.cleanable.dirty.ratio'] as number,
      'delete.retention.ms': v['delete.retention.ms'] as number,
    }
  }
}
