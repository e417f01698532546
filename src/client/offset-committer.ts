/**
 * Committed offsets of a group (Java's ConsumerCoordinator commit/fetch half): OffsetCommit as
 * the current generation's member, and OffsetFetch of what the group last committed. Coordinator
 * errors are retried after finding the coordinator again; a commit refused because the group moved
 * on (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) tells the membership and fails
 * with Kafka's CommitFailedException message, since those offsets may belong to another member now.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/offset-commit.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/offset-fetch.js'
import { KafkaError } from '../errors.js'
import type { TopicPartition } from './consumer.js'
import type { CoordinatorTransport } from './coordinator-channel.js'
import { key } from './fetcher.js'
import type { GroupMembership } from './group-membership.js'
import { describeError } from './kafka-client.js'

export interface OffsetAndMetadata extends TopicPartition { offset: number, metadata?: string }

/** Runs an attempt again on retriable KafkaErrors until a deadline (KafkaClient.retry). */
export type Retry = <T>(what: string, attempt: () => Promise<T>) => Promise<T>

const REBALANCED = new Set<number>([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID])

export class OffsetCommitter {
  constructor (private readonly transport: CoordinatorTransport, private readonly membership: GroupMembership, private readonly retry: Retry) {}

  async commit (offsets: readonly OffsetAndMetadata[]): Promise<void> {
    if (offsets.length === 0) return
    const m = this.membership
    const byTopic = new Map<string, OffsetAndMetadata[]>()
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    await this.retry(`OffsetCommit for group ${m.options.groupId}`, async () => {
      const response = await this.transport.send(OffsetCommitRequest, OffsetCommitResponse, { min: 2, max: 8 }, {
        groupId: m.options.groupId,
        generationIdOrMemberEpoch: m.generationId,
        memberId: m.memberId,
        groupInstanceId: m.options.groupInstanceId,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map(o => ({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? '' })),
        })),
      })
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE) continue
          if (REBALANCED.has(p.errorCode)) {
            m.onMemberError(p.errorCode)
            throw new KafkaError(p.errorCode as ErrorCode, 'Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member. ' +
              `(${describeError(p.errorCode)}) The poll loop took longer than max.poll.interval.ms, or the group is rebalancing; poll again to rejoin.`)
          }
          this.onCoordinatorError(p.errorCode)
          throw new KafkaError(p.errorCode as ErrorCode, `OffsetCommit for ${t.name}-${p.partitionIndex} failed: ${describeError(p.errorCode)}`)
        }
      }
    })
  }

  /** The group's committed offsets of `partitions`, by fetcher key; -1 where it has none. */
  async fetchCommitted (partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map()
    const groupId = this.membership.options.groupId
    const byTopic = new Map<string, number[]>()
    for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    return await this.retry(`OffsetFetch for group ${groupId}`, async () => {
      const response = await this.transport.send(OffsetFetchRequest, OffsetFetchResponse, { min: 1, max: 7 }, {
        groupId,
        topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        groups: [],
        requireStable: false,
      })
      if (response.errorCode !== ErrorCode.NONE) {
        this.onCoordinatorError(response.errorCode)
        throw new KafkaError(response.errorCode as ErrorCode, `OffsetFetch for group ${groupId} failed: ${describeError(response.errorCode)}`)
      }
      const out = new Map<string, number>()
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) {
            this.onCoordinatorError(p.errorCode)
            throw new KafkaError(p.errorCode as ErrorCode, `OffsetFetch for ${t.name}-${p.partitionIndex} failed: ${describeError(p.errorCode)}`)
          }
          out.set(key(t.name, p.partitionIndex), p.committedOffset)
        }
      }
      return out
    })
  }

  private onCoordinatorError (code: number): void {
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE || (isRetriable(code) && code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) this.transport.markUnknown()
  }
}
