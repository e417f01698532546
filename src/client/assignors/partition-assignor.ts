/**
 * What a group leader runs to split partitions among members (Java's ConsumerPartitionAssignor),
 * and the helpers the assignors share. Each assignor is pure: partition counts and the members'
 * subscriptions in, one partition list per member out. assignment-strategy.ts picks them by name.
 */
import type { TopicPartition } from '../consumer.js'

/** KIP-429: EAGER revokes everything before each rebalance; COOPERATIVE only what moves. */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE'

export interface MemberSubscription {
  memberId: string
  groupInstanceId: string | null
  topics: string[]
  /** What the member owned when it joined (subscription v1+); [] for older clients. */
  ownedPartitions: TopicPartition[]
  /** The generation those partitions were owned in (subscription v2+), -1 if unknown. */
  generationId: number
}

export interface PartitionAssignor {
  /** The JoinGroup protocol name every client uses for this strategy. */
  readonly name: string
  readonly supportedProtocols: readonly RebalanceProtocol[]
  /** `partitionsPerTopic`: partition counts of the subscribed topics that exist. */
  assign (partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: readonly MemberSubscription[]): Map<string, TopicPartition[]>
}

/** Java's MemberInfo order (KIP-345): static members by instance id first, then dynamic ones by member id. */
export function compareMembers (a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId)
  if (a.groupInstanceId !== null) return -1
  if (b.groupInstanceId !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

/** Java's String.compareTo (UTF-16 code units), which is also what JS `<` compares. */
export function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function emptyAssignment (subscriptions: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(subscriptions.map(s => [s.memberId, []]))
}
