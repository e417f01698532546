/**
 * Kafka's RangeAssignor: per topic, the members subscribed to it in MemberInfo order each take a
 * contiguous range; the first (partitions % members) take one extra. With two members and two
 * topics of three partitions, C0 gets t0p0, t0p1, t1p0, t1p1 and C1 gets t0p2, t1p2.
 */
import type { TopicPartition } from '../consumer.js'
import { compareMembers, emptyAssignment, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js'

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range'
  readonly supportedProtocols = ['EAGER'] as const

  assign (partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    const out = emptyAssignment(subscriptions)
    const topics = [...partitionsPerTopic.keys()].sort()
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic)!
      const members = subscriptions.filter(s => s.topics.includes(topic)).sort(compareMembers)
      if (members.length === 0) continue
      const each = Math.floor(count / members.length)
      const extra = count % members.length
      members.forEach((m, i) => {
        const start = each * i + Math.min(i, extra)
        const length = each + (i < extra ? 1 : 0)
        for (let p = start; p < start + length; p++) out.get(m.memberId)!.push({ topic, partition: p })
      })
    }
    return out
  }
}
