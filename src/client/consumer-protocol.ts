/**
 * The "consumer" protocol type (Java's ConsumerProtocol + the leader half of ConsumerCoordinator):
 * one JoinGroup protocol per configured assignor carrying the subscription (topics, owned
 * partitions, generation: v2), and, when this member leads, the assignment computed from every
 * member's subscription and the partition counts of their topics.
 */
import { decodeVersioned, encodeVersioned } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../protocol/messages/consumer-protocol.js'
import { Reader } from '../protocol/primitives/reader.js'
import { KafkaError } from '../errors.js'
import type { MemberSubscription, PartitionAssignor } from './assignors/partition-assignor.js'
import type { TopicPartition } from './consumer.js'
import type { GroupProtocol, JoinGroupMember } from './group-membership.js'

/** v2 adds the generation the owned partitions belong to (cooperative-sticky settles double claims with it). */
const SUBSCRIPTION_VERSION = 2
/** Every client writes v0; v1+ adds nothing we use. */
const ASSIGNMENT_VERSION = 0

export interface SubscriptionState {
  topics: string[]
  ownedPartitions: TopicPartition[]
  generationId: number
}

export class ConsumerProtocol implements GroupProtocol {
  readonly protocolType = 'consumer'

  constructor (
    private readonly assignors: readonly PartitionAssignor[],
    private readonly subscription: () => SubscriptionState,
    /** Partition counts of the topics that exist, from fresh metadata. */
    private readonly partitionCounts: (topics: string[]) => Promise<Map<string, number>>,
  ) {}

  protocols (): Array<{ name: string, metadata: Buffer }> {
    const s = this.subscription()
    const metadata = encodeVersioned(ConsumerProtocolSubscription, SUBSCRIPTION_VERSION, {
      topics: s.topics, userData: null, ownedPartitions: byTopic(s.ownedPartitions), generationId: s.generationId, rackId: null,
    })
    return this.assignors.map(a => ({ name: a.name, metadata }))
  }

  async assign (protocolName: string, members: JoinGroupMember[]): Promise<Map<string, Buffer>> {
    const assignor = this.assignors.find(a => a.name === protocolName)
    if (assignor === undefined) throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor "${protocolName}", which this consumer does not have`)
    const subscriptions = members.map(m => decodeSubscription(m))
    const counts = await this.partitionCounts([...new Set(subscriptions.flatMap(s => s.topics))].sort())
    const result = assignor.assign(counts, subscriptions)
    return new Map(subscriptions.map(s => [s.memberId, encodeVersioned(ConsumerProtocolAssignment, ASSIGNMENT_VERSION, {
      assignedPartitions: byTopic(result.get(s.memberId) ?? []), userData: null,
    })]))
  }
}

/** SyncGroup's assignment bytes; zero bytes mean no assignment (Kafka's ConsumerProtocol). */
export function decodeAssignment (bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return []
  const { value } = decodeVersioned(ConsumerProtocolAssignment, new Reader(bytes))
  return value.assignedPartitions.flatMap(t => t.partitions.map(partition => ({ topic: t.topic, partition })))
}

export function decodeSubscription (m: JoinGroupMember): MemberSubscription {
  const { value } = decodeVersioned(ConsumerProtocolSubscription, new Reader(m.metadata))
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    topics: value.topics,
    ownedPartitions: value.ownedPartitions.flatMap(t => t.partitions.map(partition => ({ topic: t.topic, partition }))),
    generationId: value.generationId,
  }
}

function byTopic (tps: readonly TopicPartition[]): Array<{ topic: string, partitions: number[] }> {
  const m = new Map<string, number[]>()
  for (const tp of tps) m.set(tp.topic, [...(m.get(tp.topic) ?? []), tp.partition])
  return [...m].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }))
}
