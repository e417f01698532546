/**
 * An internal topic a coordinator keeps its state in (__consumer_offsets for groups,
 * __transaction_state for transactions): which of its partitions a key lives on (the leader of
 * that partition is the key's coordinator) and its creation on first use, as Kafka's
 * GroupMetadataManager.partitionFor / TransactionStateManager.partitionFor and the
 * FindCoordinator auto-creation do.
 */
import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import { createTopic, TopicExistsError } from '../cluster/topic-admin.js'
import type { ZkClient } from '../cluster/zk-session.js'
import { assignReplicasToBrokers } from '../cluster/replica-assignment.js'
import { javaStringHashCode, kafkaAbs } from './java-string-hash.js'

/** Which broker configs shape the topic; Kafka names them per topic (offsets.topic.*, transaction.state.log.*). */
export interface CoordinatorTopicSpec {
  name: string
  numPartitions: (v: KafkaConfig['values']) => number
  replicationFactor: (v: KafkaConfig['values']) => number
  /** The topic's own configs; compacted in both of Kafka's cases. */
  topicConfig: (v: KafkaConfig['values'], replicationFactor: number) => Record<string, string>
}

/** abs(javaStringHashCode(key)) % partitions, with Kafka's Integer.MIN_VALUE-safe abs. */
export function partitionForKey (key: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(key)) % partitions
}

export class CoordinatorTopic {
  private creating?: Promise<void>

  constructor (
    readonly spec: CoordinatorTopicSpec,
    private readonly zk: ZkClient,
    private readonly metadata: MetadataCache,
    private readonly config: KafkaConfig,
    private readonly log: Logger,
  ) {}

  get name (): string { return this.spec.name }

  /** The topic's real partition count once it exists (it may predate a config change), else the config's. */
  get numPartitions (): number {
    return this.metadata.topic(this.spec.name)?.partitions.size ?? this.spec.numPartitions(this.config.values)
  }

  partitionFor (key: string): number {
    return partitionForKey(key, this.numPartitions)
  }

  exists (): boolean {
    return this.metadata.topic(this.spec.name) !== undefined
  }

  /**
   * The live leader of the key's partition, creating the topic on first use; COORDINATOR_NOT_AVAILABLE
   * (-1) until the topic has one (Kafka's FindCoordinator answer).
   */
  async leaderFor (key: string): Promise<number> {
    if (!this.exists()) {
      await this.ensureCreated()
      return -1
    }
    const p = this.metadata.partition(this.spec.name, this.partitionFor(key))
    if (p === undefined || p.leader < 0 || this.metadata.broker(p.leader) === undefined) return -1
    return p.leader
  }

  /**
   * Writes the topic's znodes unless it exists; concurrent callers share one attempt. The
   * replication factor is capped by the live brokers (Kafka would refuse), with a warning.
   */
  async ensureCreated (): Promise<void> {
    if (this.exists()) return
    this.creating ??= this.create().finally(() => { this.creating = undefined })
    await this.creating
  }

  private async create (): Promise<void> {
    const v = this.config.values
    const topic = this.spec.name
    const live = this.metadata.brokers()
    if (live.length === 0) return
    const configured = this.spec.replicationFactor(v)
    const replicationFactor = Math.min(configured, live.length)
    if (replicationFactor < configured) {
      this.log.warn('internal topic replication factor capped by live brokers', { topic, configuredReplicationFactor: configured, liveBrokers: live.length, replicationFactor })
    }
    const partitions = this.spec.numPartitions(v)
    // Kafka's RackAwareMode.Safe for internal topics: racks only when every broker has one.
    const brokers = live.some(b => b.rack === null) ? live.map(b => ({ id: b.id, rack: null })) : live
    const assignment = assignReplicasToBrokers(brokers, partitions, replicationFactor)
    try {
      const topicId = await createTopic(this.zk, topic, assignment, this.spec.topicConfig(v, replicationFactor))
      this.log.info('created internal topic', { topic, topicId, partitions, replicationFactor })
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err
    }
  }
}
