/**
 * Committed offsets of groups (Kafka's GroupCoordinator.handleCommitOffsets / handleFetchOffsets /
 * handleDeleteOffsets): commits are checked against the group's membership by its state machine,
 * then written to the group's __consumer_offsets partition and served from memory. Version 0 of
 * OffsetCommit/OffsetFetch goes to ZooKeeper instead.
 */
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { ZkClient } from '../cluster/zk-session.js'
import { decodeVersioned } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { ConsumerProtocolSubscription } from '../protocol/messages/consumer-protocol.js'
import { Reader } from '../protocol/primitives/reader.js'
import type { Scheduler } from '../scheduler.js'
import type { VerificationGuard } from '../storage/producer-state-manager.js'
import type { TransactionalWrite } from './coordinator-log.js'
import { commitErrorFor, type CoordinatorPartition, type OffsetWrite } from './coordinator-partition.js'
import { metadataFor } from './member.js'
import type { TopicPartition } from './offsets-store.js'
import { storable } from './offsets-topic.js'
import { commitOffsetToZooKeeper, fetchOffsetFromZooKeeper, isZnodeName } from './zookeeper-offsets.js'

export interface OffsetCommitPartition extends TopicPartition {
  offset: number
  leaderEpoch: number
  metadata: string | null
  /** OffsetCommit v1's per-partition timestamp; -1 = now. */
  commitTimestampMs: number
}

export interface OffsetCommitArgs {
  groupId: string
  memberId: string
  groupInstanceId: string | null
  generationId: number
  /** OffsetCommit v2-v4; -1 = the broker's offsets.retention.minutes. */
  retentionTimeMs: number
  partitions: readonly OffsetCommitPartition[]
}

export interface PartitionError extends TopicPartition { errorCode: number }
export interface FetchedOffset extends TopicPartition { offset: number, leaderEpoch: number, metadata: string, errorCode: number }

/** offset.metadata.max.bytes (Kafka's default; not a config key here yet). */
const OFFSET_METADATA_MAX_BYTES = 4096

interface Coordinator { partitionFor: (groupId: string) => CoordinatorPartition | number }

/**
 * TxnOffsetCommit's write. `verify` (transaction.partition.verification.enable): asks the
 * transaction coordinator whether the group's __consumer_offsets partition is in the producer's
 * transaction (AddOffsetsToTxn put it there), answering a Produce error code as the leaders'
 * verification does (add-partitions-to-txn-manager.ts).
 */
export interface TxnOffsetWrite extends TransactionalWrite {
  verify?: (guard: VerificationGuard, tp: TopicPartition) => Promise<number>
}

export class GroupOffsets {
  constructor (
    private readonly coordinator: Coordinator,
    private readonly metadata: MetadataCache,
    private readonly zk: ZkClient,
    private readonly scheduler: Scheduler,
  ) {}

  /**
   * OffsetCommit, or TxnOffsetCommit with `txn`: then the offsets wait for the transaction's
   * marker, and a commit without a generation is not checked against the group's members (Kafka's
   * doTxnCommitOffsets: a producer may commit for a group it is not a member of).
   */
  async commit (a: OffsetCommitArgs, txn?: TxnOffsetWrite): Promise<PartitionError[]> {
    const all = (errorCode: number): PartitionError[] => a.partitions.map(p => ({ topic: p.topic, partition: p.partition, errorCode }))
    if (!storable(a.groupId)) return all(ErrorCode.INVALID_GROUP_ID)
    const p = this.coordinator.partitionFor(a.groupId)
    if (typeof p === 'number') return all(p)
    if (!p.groups.has(a.groupId)) {
      // No group: fine for a standalone consumer (generation -1); a member of a lost generation is refused.
      if (a.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION)
      p.getOrCreateGroup(a.groupId)
    }
    // Kafka 3.7's GroupCoordinator.handleTxnCommitOffsets verifies before the membership checks;
    // the write then carries the guard, so a marker in between makes it INVALID_TXN_STATE.
    let write = txn
    if (txn?.verify !== undefined) {
      const guard = p.partition.maybeStartTransactionVerification(txn.producerId, txn.producerEpoch)
      if (guard !== null) {
        const verified = await txn.verify(guard, { topic: p.partition.topic, partition: p.partition.partition })
        if (verified !== ErrorCode.NONE) return all(commitErrorFor(verified))
      }
      write = { producerId: txn.producerId, producerEpoch: txn.producerEpoch, verification: { guard } }
    }
    if (txn === undefined || a.generationId >= 0) {
      const { errorCode } = await p.request(a.groupId, 'commitOffsets', token => ({ type: 'commitOffsets', token, memberId: a.memberId, groupInstanceId: a.groupInstanceId, generationId: a.generationId }))
      if (errorCode !== ErrorCode.NONE) return all(errorCode)
    }
    const now = this.scheduler.now()
    const results: PartitionError[] = []
    const writes: OffsetWrite[] = []
    for (const c of a.partitions) {
      const metadata = c.metadata ?? ''
      let code: number = ErrorCode.NONE
      if (this.metadata.partition(c.topic, c.partition) === undefined) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      else if (Buffer.byteLength(metadata) > OFFSET_METADATA_MAX_BYTES) code = ErrorCode.OFFSET_METADATA_TOO_LARGE
      else {
        const commitTimestampMs = c.commitTimestampMs >= 0 ? c.commitTimestampMs : now
        const expireTimestampMs = a.retentionTimeMs >= 0 ? commitTimestampMs + a.retentionTimeMs : null
        writes.push({ topic: c.topic, partition: c.partition, value: { offset: c.offset, leaderEpoch: c.leaderEpoch, metadata, commitTimestampMs, expireTimestampMs } })
      }
      results.push({ topic: c.topic, partition: c.partition, errorCode: code })
    }
    const written = await p.writeOffsets(a.groupId, writes, write)
    if (written !== ErrorCode.NONE) for (const r of results) if (r.errorCode === ErrorCode.NONE) r.errorCode = written
    return results
  }

  /**
   * `topics` null: every partition with a committed offset (v2+). `requireStable` (v7+, KIP-447):
   * a partition with a transactional commit not yet ended is UNSTABLE_OFFSET_COMMIT, as Kafka's
   * GroupMetadataManager.getOffsets answers it, so the consumer retries until the transaction ends.
   */
  fetch (groupId: string, topics: ReadonlyArray<{ topic: string, partitions: readonly number[] }> | null, requireStable = false): { errorCode: number, offsets: FetchedOffset[] } {
    const p = this.coordinator.partitionFor(groupId)
    const none = (topic: string, partition: number, errorCode: number = ErrorCode.NONE): FetchedOffset => ({ topic, partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode })
    if (typeof p === 'number') return { errorCode: p, offsets: (topics ?? []).flatMap(t => t.partitions.map(i => none(t.topic, i, p))) }
    const unstable = (topic: string, partition: number): boolean => requireStable && p.hasPendingOffset(groupId, topic, partition)
    if (topics === null) {
      return {
        errorCode: ErrorCode.NONE,
        offsets: p.offsets.offsetsOf(groupId).map(o => unstable(o.topic, o.partition)
          ? none(o.topic, o.partition, ErrorCode.UNSTABLE_OFFSET_COMMIT)
          : { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }),
      }
    }
    return {
      errorCode: ErrorCode.NONE,
      offsets: topics.flatMap(t => t.partitions.map(i => {
        if (unstable(t.topic, i)) return none(t.topic, i, ErrorCode.UNSTABLE_OFFSET_COMMIT)
        const o = p.offsets.get(groupId, t.topic, i)
        return o === undefined ? none(t.topic, i) : { topic: t.topic, partition: i, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
      })),
    }
  }

  /** OffsetDelete (KIP-496): not for topics the group's members are subscribed to. */
  async delete (groupId: string, partitions: readonly TopicPartition[]): Promise<{ errorCode: number, partitions: PartitionError[] }> {
    const p = this.coordinator.partitionFor(groupId)
    if (typeof p === 'number') return { errorCode: p, partitions: [] }
    const group = p.groups.get(groupId)
    if (group === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] }
    let subscribed = new Set<string>()
    if (group.state !== 'Empty') {
      if (group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] }
      subscribed = subscribedTopics([...group.members.values()].map(m => metadataFor(m, group.protocolName)))
    }
    const results = partitions.map(tp => ({ ...tp, errorCode: subscribed.has(tp.topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE }))
    const deletable = results.filter(r => r.errorCode === ErrorCode.NONE && p.offsets.get(groupId, r.topic, r.partition) !== undefined)
    const written = await p.writeOffsets(groupId, deletable.map(r => ({ topic: r.topic, partition: r.partition, value: null })))
    if (written !== ErrorCode.NONE) return { errorCode: written, partitions: [] }
    return { errorCode: ErrorCode.NONE, partitions: results }
  }

  /**
   * Each known partition is written once (the last offset given for it wins); unknown ones are
   * UNKNOWN_TOPIC_OR_PARTITION, as Kafka 0.8 answered, and nothing is written for a group id that
   * cannot be a znode name.
   */
  async commitToZooKeeper (groupId: string, partitions: readonly OffsetCommitPartition[]): Promise<PartitionError[]> {
    const code = (c: TopicPartition): number => !isZnodeName(groupId) ? ErrorCode.INVALID_GROUP_ID : this.metadata.partition(c.topic, c.partition) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE
    const latest = new Map<string, OffsetCommitPartition>()
    for (const c of partitions) if (code(c) === ErrorCode.NONE) latest.set(partitionKey(c), c)
    await Promise.all([...latest.values()].map(async c => await commitOffsetToZooKeeper(this.zk, groupId, c.topic, c.partition, c.offset)))
    return partitions.map(c => ({ topic: c.topic, partition: c.partition, errorCode: code(c) }))
  }

  /** Each known partition is read once, however often it is named; unknown ones are UNKNOWN_TOPIC_OR_PARTITION. */
  async fetchFromZooKeeper (groupId: string, topics: ReadonlyArray<{ topic: string, partitions: readonly number[] }>): Promise<FetchedOffset[]> {
    const reads = new Map<string, Promise<number>>()
    return await Promise.all(topics.flatMap(t => t.partitions.map(async partition => {
      const none = { topic: t.topic, partition, offset: -1, leaderEpoch: -1, metadata: '' }
      if (!isZnodeName(groupId)) return { ...none, errorCode: ErrorCode.INVALID_GROUP_ID }
      if (this.metadata.partition(t.topic, partition) === undefined) return { ...none, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
      const key = partitionKey({ topic: t.topic, partition })
      let read = reads.get(key)
      if (read === undefined) reads.set(key, read = fetchOffsetFromZooKeeper(this.zk, groupId, t.topic, partition))
      return { ...none, offset: await read, errorCode: ErrorCode.NONE }
    })))
  }
}

function partitionKey (tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`
}

/** The topics in the members' ConsumerProtocol subscriptions (unreadable ones are skipped). */
function subscribedTopics (subscriptions: Buffer[]): Set<string> {
  const topics = new Set<string>()
  for (const bytes of subscriptions) {
    try {
      for (const t of decodeVersioned(ConsumerProtocolSubscription, new Reader(bytes)).value.topics) topics.add(t)
    } catch {
      // not a consumer subscription we can read: it protects nothing
    }
  }
  return topics
}

/** OffsetCommit's and TxnOffsetCommit's partitions as the coordinator takes them; the per-partition timestamp is OffsetCommit v1's. */
export function commitPartitionsOf (topics: ReadonlyArray<{ name: string, partitions: ReadonlyArray<{ partitionIndex: number, committedOffset: number, committedLeaderEpoch: number, committedMetadata: string | null, commitTimestamp?: number }> }>): OffsetCommitPartition[] {
  return topics.flatMap(t => t.partitions.map(p => ({
    topic: t.name,
    partition: p.partitionIndex,
    offset: p.committedOffset,
    leaderEpoch: p.committedLeaderEpoch,
    metadata: p.committedMetadata,
    commitTimestampMs: p.commitTimestamp ?? -1,
  })))
}

/** OffsetCommit's and TxnOffsetCommit's response topics. */
export function commitResponseTopics (results: readonly PartitionError[]): Array<{ name: string, partitions: Array<{ partitionIndex: number, errorCode: number }> }> {
  return byTopic(results).map(t => ({ name: t.topic, partitions: t.partitions.map(p => ({ partitionIndex: p.partition, errorCode: p.errorCode })) }))
}

/** Per-partition results in the responses' shape: one entry per topic, in first-seen order. */
export function byTopic<T extends TopicPartition> (items: readonly T[]): Array<{ topic: string, partitions: T[] }> {
  const topics = new Map<string, T[]>()
  for (const item of items) {
    const list = topics.get(item.topic)
    if (list === undefined) topics.set(item.topic, [item])
    else list.push(item)
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }))
}
