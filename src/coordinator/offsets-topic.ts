/**
 * The internal topic __consumer_offsets: which of its partitions a group lives on (the leader of
 * that partition is the group's coordinator) and its creation on first use, as Kafka's
 * GroupMetadataManager.partitionFor and the FindCoordinator auto-creation do.
 */
import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import { createTopic, TopicExistsError } from '../cluster/topic-admin.js'
import type { ZkClient } from '../cluster/zk-session.js'
import { assignReplicasToBrokers } from '../cluster/replica-assignment.js'
import { javaStringHashCode, kafkaAbs } from './java-string-hash.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

/** abs(javaStringHashCode(groupId)) % partitions, with Kafka's Integer.MIN_VALUE-safe abs. */
export function partitionForGroup (groupId: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % partitions
}

/**
 * Whether a string fits the records of __consumer_offsets (GroupMetadataKey/Value v3 and
 * OffsetCommitKey hold group ids, member ids, protocol names as int16-length strings): a longer one
 * could never be stored, nor answered in the non-flexible versions of the group APIs.
 */
export function storable (s: string): boolean {
  return Buffer.byteLength(s) <= 0x7fff
}

export class OffsetsTopic {
  private creating?: Promise<void>

  constructor (
    private readonly zk: ZkClient,
    private readonly metadata: MetadataCache,
    private readonly config: KafkaConfig,
    private readonly log: Logger,
  ) {}

  /** The topic's real partition count once it exists (it may predate a config change), else the config's. */
  get numPartitions (): number {
    return this.metadata.topic(OFFSETS_TOPIC)?.partitions.size ?? this.config.values['offsets.topic.num.partitions']
  }

  partitionFor (groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions)
  }

  exists (): boolean {
    return this.metadata.topic(OFFSETS_TOPIC) !== undefined
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
    const live = this.metadata.brokers().map(b => b.id)
    if (live.length === 0) return
    const configured = v['offsets.topic.replication.factor']
    const replicationFactor = Math.min(configured, live.length)
    if (replicationFactor < configured) {
      this.log.warn('offsets topic replication factor capped by live brokers', { topic: OFFSETS_TOPIC, configuredReplicationFactor: configured, liveBrokers: live.length, replicationFactor })
    }
    const partitions = v['offsets.topic.num.partitions']
    const assignment = assignReplicasToBrokers(live, partitions, replicationFactor)
    const topicConfig = { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(v['offsets.topic.segment.bytes']) }
    try {
      const topicId = await createTopic(this.zk, OFFSETS_TOPIC, assignment, topicConfig)
      this.log.info('created offsets topic', { topic: OFFSETS_TOPIC, topicId, partitions, replicationFactor })
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err
    }
  }
}
