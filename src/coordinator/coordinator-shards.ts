/**
 * The partitions of a coordinator's internal topic this broker leads, each one a shard of the
 * coordinator's state (Kafka's GroupMetadataManager and TransactionStateManager both follow
 * leadership this way; Kafka 3.6+'s CoordinatorRuntime names it): a partition this broker comes
 * to lead is loaded from its log before it serves, one it stops leading (or a new leader epoch)
 * is unloaded. The group and the transaction coordinators share this one piece.
 */
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { CoordinatorTopic } from './coordinator-topic.js'

export type ShardStatus = 'loading' | 'active' | 'unloaded'

export interface CoordinatorShard {
  readonly partition: Partition
  /** The leader epoch this broker became leader in: a new epoch means a new load. */
  readonly loadedEpoch: number
  readonly status: ShardStatus
  load: () => Promise<void>
  unload: () => void
}

export class CoordinatorShards<S extends CoordinatorShard> {
  private readonly shards = new Map<number, S>()
  private active = false
  private stopFollowing?: () => void
  private readonly onTopicDeleted = (topic: string): void => { if (topic === this.topic.name) for (const i of [...this.shards.keys()]) this.emigrate(i) }

  constructor (
    readonly topic: CoordinatorTopic,
    private readonly metadata: MetadataCache,
    private readonly replicas: ReplicaManager,
    private readonly create: (partition: Partition) => S,
    private readonly log: Logger,
  ) {}

  get isActive (): boolean { return this.active }

  /** Call after the ReplicaManager has started, so its partitions have their roles when ours are checked. */
  start (): void {
    this.active = true
    this.stopFollowing = this.replicas.onStateApplied((topic, partition) => { if (topic === this.topic.name) this.follow(partition) })
    this.metadata.on('topicDeleted', this.onTopicDeleted)
    for (const p of this.metadata.topic(this.topic.name)?.partitions.keys() ?? []) this.follow(p)
  }

  shutdown (): void {
    this.active = false
    this.stopFollowing?.()
    this.metadata.off('topicDeleted', this.onTopicDeleted)
    for (const i of [...this.shards.keys()]) this.emigrate(i)
  }

  /**
   * The shard serving `key`, or the error Kafka answers (KafkaApis / the coordinators): inactive →
   * COORDINATOR_NOT_AVAILABLE, loading → COORDINATOR_LOAD_IN_PROGRESS, not ours → NOT_COORDINATOR.
   */
  shardFor (key: string): S | number {
    if (!this.active) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    const shard = this.shards.get(this.topic.partitionFor(key))
    if (shard === undefined) return ErrorCode.NOT_COORDINATOR
    if (shard.status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return shard
  }

  /** The shard of a partition index, whatever its status. */
  shard (index: number): S | undefined {
    return this.shards.get(index)
  }

  all (): S[] {
    return [...this.shards.values()]
  }

  private follow (index: number): void {
    if (!this.active) return
    const replica = this.replicas.partition(this.topic.name, index)
    const current = this.shards.get(index)
    if (replica === undefined || !replica.isLeader) {
      if (current !== undefined) this.emigrate(index)
      return
    }
    if (current !== undefined && current.partition === replica && current.loadedEpoch === replica.leaderEpoch) return
    if (current !== undefined) this.emigrate(index)
    const shard = this.create(replica)
    this.shards.set(index, shard)
    this.log.info('loading coordinator partition', { topic: this.topic.name, partition: index, leaderEpoch: replica.leaderEpoch })
    shard.load().catch((err: unknown) => {
      this.log.error('loading coordinator partition failed', { topic: this.topic.name, partition: index, error: err instanceof Error ? err.stack : String(err) })
      if (this.shards.get(index) === shard) this.emigrate(index)
    })
  }

  private emigrate (index: number): void {
    const shard = this.shards.get(index)
    if (shard === undefined) return
    this.shards.delete(index)
    shard.unload()
  }
}
