import type { TopicPartition } from '../../consumer.js'
import type { MemberSubscription } from '../partition-assignor.js'

/** A subscription for assignor tests; `owned` as "topic-partition" strings. */
export function member (memberId: string, topics: string[], o: { instanceId?: string, owned?: string[], generationId?: number } = {}): MemberSubscription {
  return {
    memberId,
    groupInstanceId: o.instanceId ?? null,
    topics,
    ownedPartitions: (o.owned ?? []).map(s => ({ topic: s.slice(0, s.lastIndexOf('-')), partition: Number(s.slice(s.lastIndexOf('-') + 1)) })),
    generationId: o.generationId ?? -1,
  }
}

/** An assignment as { member: ["topic-partition", ...] }, sorted, for deepEqual. */
export function layout (assignment: Map<string, TopicPartition[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [id, tps] of assignment) {
    out[id] = [...tps].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition).map(tp => `${tp.topic}-${tp.partition}`)
  }
  return out
}
