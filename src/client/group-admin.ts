/**
 * Consumer-group administration (the group half of Java's Admin, for kafka-consumer-groups):
 * list groups on every broker, describe a group at its coordinator (members with their decoded
 * assignments), read and overwrite its committed offsets (OffsetCommit with generation -1, which the
 * coordinator accepts only while the group is Empty), delete groups, and the partition offsets the
 * tool compares them with (through the plain Consumer's ListOffsets).
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js'
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/describe-groups.js'
import { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/list-groups.js'
import { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/offset-commit.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/offset-fetch.js'
import type { Decoded, Infer, MessageDescriptor } from '../protocol/schema/index.js'
import { KafkaError } from '../errors.js'
import type { ClientProperties } from './client-config.js'
import type { BrokerNode } from './cluster-metadata.js'
import { Consumer, type TopicPartition } from './consumer.js'
import { decodeAssignment } from './consumer-protocol.js'
import { findCoordinator } from './coordinator-channel.js'
import { key } from './fetcher.js'
import { describeError, type KafkaClient } from './kafka-client.js'
import type { OffsetAndMetadata } from './offset-committer.js'

export interface GroupListing { groupId: string, protocolType: string, state: string }

export interface MemberDescription {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  assignment: TopicPartition[]
}

export interface GroupDescription {
  groupId: string
  /** Empty, PreparingRebalance, CompletingRebalance, Stable or Dead (unknown group). */
  state: string
  protocolType: string
  /** The assignor, while the group is Stable. */
  assignmentStrategy: string
  coordinator: BrokerNode
  members: MemberDescription[]
}

export interface PartitionResult extends TopicPartition { errorCode: number }

/** ListOffsets' special timestamps. */
export const LATEST = -1
export const EARLIEST = -2

export class GroupAdmin {
  private readonly consumer: Consumer
  private readonly client: KafkaClient

  constructor (properties: ClientProperties) {
    this.consumer = new Consumer(properties)
    this.client = this.consumer.client
  }

  get unknownKeys (): string[] { return this.consumer.unknownKeys }

  /** Every broker's groups (ListGroups answers only for the groups a broker coordinates). */
  async listGroups (): Promise<GroupListing[]> {
    await this.client.retry('Metadata', async () => await this.client.refreshMetadata([]))
    const all = await Promise.all([...this.client.metadata.brokers.keys()].map(async nodeId => await this.client.retry('ListGroups', async () => {
      const response = await this.client.send(nodeId, ListGroupsRequest, ListGroupsResponse, { min: 0, max: 4 }, { statesFilter: [], typesFilter: [] })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ListGroups on broker ${nodeId}: ${describeError(response.errorCode)}`)
      return response.groups.map(g => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState }))
    })))
    return all.flat().sort((a, b) => a.groupId.localeCompare(b.groupId))
  }

  async describeGroup (groupId: string): Promise<GroupDescription> {
    return await this.atCoordinator(groupId, 'DescribeGroups', async (node, send) => {
      const response = await send(DescribeGroupsRequest, DescribeGroupsResponse, { min: 0, max: 5 }, { groups: [groupId], includeAuthorizedOperations: false })
      const g = response.groups[0]
      if (g === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeGroups answered no group for ${groupId}`)
      if (g.errorCode !== ErrorCode.NONE) throw new KafkaError(g.errorCode as ErrorCode, `DescribeGroups for ${groupId}: ${describeError(g.errorCode)}`)
      return {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        assignmentStrategy: g.protocolData,
        coordinator: node,
        members: g.members.map(m => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          assignment: g.protocolType === 'consumer' ? safeAssignment(m.memberAssignment) : [],
        })),
      }
    })
  }

  /** Every committed offset of the group, by fetcher key. */
  async committedOffsets (groupId: string): Promise<Map<string, OffsetAndMetadata>> {
    return await this.atCoordinator(groupId, 'OffsetFetch', async (_node, send) => {
      const response = await send(OffsetFetchRequest, OffsetFetchResponse, { min: 2, max: 7 }, { groupId, topics: null, groups: [], requireStable: false })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `OffsetFetch for ${groupId}: ${describeError(response.errorCode)}`)
      const out = new Map<string, OffsetAndMetadata>()
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE && p.committedOffset >= 0) out.set(key(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata ?? '' })
        }
      }
      return out
    })
  }

  /** Overwrites committed offsets as a non-member (generation -1): the coordinator takes it only from an Empty group. */
  async alterOffsets (groupId: string, offsets: readonly OffsetAndMetadata[]): Promise<PartitionResult[]> {
    const byTopic = new Map<string, OffsetAndMetadata[]>()
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
    return await this.atCoordinator(groupId, 'OffsetCommit', async (_node, send) => {
      const response = await send(OffsetCommitRequest, OffsetCommitResponse, { min: 2, max: 8 }, {
        groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: [...byTopic].map(([name, list]) => ({ name, partitions: list.map(o => ({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? '' })) })),
      })
      const results = response.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })))
      const retriable = results.find(r => isRetriable(r.errorCode))
      if (retriable !== undefined) throw new KafkaError(retriable.errorCode as ErrorCode, `OffsetCommit for ${groupId}: ${describeError(retriable.errorCode)}`)
      return results
    })
  }

  /** DeleteGroups at each group's coordinator: error code per group (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND ...). */
  async deleteGroups (groupIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const groupId of groupIds) {
      const code = await this.atCoordinator(groupId, 'DeleteGroups', async (_node, send) => {
        const response = await send(DeleteGroupsRequest, DeleteGroupsResponse, { min: 0, max: 2 }, { groupsNames: [groupId] })
        const c = response.results[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR
        if (isRetriable(c)) throw new KafkaError(c as ErrorCode, `DeleteGroups for ${groupId}: ${describeError(c)}`)
        return c
      })
      out.set(groupId, code)
    }
    return out
  }

  /** Every partition of `topic`. */
  async partitionsFor (topic: string): Promise<TopicPartition[]> {
    return await this.consumer.partitionsFor(topic)
  }

  /** ListOffsets by timestamp (LATEST, EARLIEST, or ms: -1 where no record is that late), by fetcher key. */
  async offsetsAt (partitions: readonly TopicPartition[], timestamp: number): Promise<Map<string, number>> {
    return await this.consumer.offsetsForTimes(partitions, timestamp)
  }

  async close (): Promise<void> {
    await this.consumer.close()
  }

  /** Runs a request at the group's coordinator, finding it again after coordinator errors. */
  private async atCoordinator<T> (groupId: string, what: string, run: (node: BrokerNode, send: CoordinatorSend) => Promise<T>): Promise<T> {
    return await this.client.retry(`${what} for group ${groupId}`, async () => {
      const node = await findCoordinator(this.client, groupId)
      if (!this.client.metadata.brokers.has(node.nodeId)) await this.client.refreshMetadata([])
      return await run(node, async (request, response, versions, value) => await this.client.send(node.nodeId, request, response, versions, value))
    })
  }
}

type CoordinatorSend = <Req extends MessageDescriptor, Res extends MessageDescriptor>(request: Req, response: Res, versions: { min: number, max: number }, value: Infer<Req>) => Promise<Decoded<Res>>

/** A member's assignment bytes as partitions; bytes another client wrote that do not decode show as none. */
function safeAssignment (bytes: Buffer): TopicPartition[] {
  try {
    return decodeAssignment(bytes)
  } catch {
    return []
  }
}
