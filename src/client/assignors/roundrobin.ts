/**
 * Kafka's RoundRobinAssignor: every partition of every subscribed topic, sorted by topic then
 * partition, dealt in turn to the members in MemberInfo order, skipping members not subscribed to
 * the partition's topic.
 */
import type { TopicPartition } from '../consumer.js'
import { compareMembers, emptyAssignment, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js'

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin'
  readonly supportedProtocols = ['EAGER'] as const

  assign (partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    const out = emptyAssignment(subscriptions)
    const members = [...subscriptions].sort(compareMembers)
    if (members.length === 0) return out
    let next = 0
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      if (!members.some(m => m.topics.includes(topic))) continue
      for (let partition = 0; partition < partitionsPerTopic.get(topic)!; partition++) {
        while (!members[next % members.length]!.topics.includes(topic)) next++
        out.get(members[next % members.length]!.memberId)!.push({ topic, partition })
        next++
      }
    }
    return out
  }
}
