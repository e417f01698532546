/**
 * The internal topic __consumer_offsets (Kafka's GroupMetadataManager): its shape from the
 * offsets.topic.* configs, and which of its partitions a group lives on.
 */
import type { CoordinatorTopicSpec } from './coordinator-topic.js'
import { partitionForKey } from './coordinator-topic.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

export const offsetsTopicSpec: CoordinatorTopicSpec = {
  name: OFFSETS_TOPIC,
  numPartitions: v => v['offsets.topic.num.partitions'],
  replicationFactor: v => v['offsets.topic.replication.factor'],
  topicConfig: v => ({ 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(v['offsets.topic.segment.bytes']) }),
}

/** The __consumer_offsets partition of a group. */
export function partitionForGroup (groupId: string, partitions: number): number {
  return partitionForKey(groupId, partitions)
}

/**
 * Whether a string fits the records of __consumer_offsets (GroupMetadataKey/Value v3 and
 * OffsetCommitKey hold group ids, member ids, protocol names as int16-length strings): a longer one
 * could never be stored, nor answered in the non-flexible versions of the group APIs.
 */
export function storable (s: string): boolean {
  return Buffer.byteLength(s) <= 0x7fff
}
