/**
 * The group coordinator (Kafka's GroupCoordinator, classic protocol): routes each group to the
 * __consumer_offsets partition it lives on, answers NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS
 * where Kafka does, and follows leadership of those partitions: a partition this broker comes to
 * lead is loaded, one it stops leading is unloaded. Handlers call the methods below.
 */
import { randomUUID } from 'node:crypto'
import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { ZkClient } from '../cluster/zk-session.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import { systemScheduler, type Scheduler } from '../scheduler.js'
import { CoordinatorPartition, type CoordinatorDeps, type GroupCoordinatorStats } from './coordinator-partition.js'
import { CoordinatorShards } from './coordinator-shards.js'
import { CoordinatorTopic } from './coordinator-topic.js'
import type { Group, JoinResult, LeaveResult, SyncResult } from './group.js'
import type { Protocol } from './member.js'
import { GroupOffsets } from './group-offsets.js'
import { offsetsTopicSpec, storable } from './offsets-topic.js'

export interface GroupCoordinatorOptions {
  brokerId: number
  config: KafkaConfig
  metadata: MetadataCache
  replicas: ReplicaManager
  zk: ZkClient
  log: Logger
  scheduler?: Scheduler
}

export interface JoinGroupArgs {
  groupId: string
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocolType: string
  protocols: readonly Protocol[]
  /** JoinGroup v4+ (KIP-394). */
  requireKnownMemberId: boolean
}

export interface MemberRef { groupId: string, memberId: string, groupInstanceId: string | null, generationId: number }

/** Kafka's offsets.commit.timeout.ms default (not a config key here yet). */
const COMMIT_TIMEOUT_MS = 5000

export class GroupCoordinator {
  readonly offsetsTopic: CoordinatorTopic
  readonly offsets: GroupOffsets
  readonly stats: GroupCoordinatorStats = { completedRebalances: 0 }
  private readonly shards: CoordinatorShards<CoordinatorPartition>
  private readonly deps: CoordinatorDeps
  private readonly log: Logger

  constructor (options: GroupCoordinatorOptions) {
    const v = options.config.values
    this.log = options.log
    this.offsetsTopic = new CoordinatorTopic(offsetsTopicSpec, options.zk, options.metadata, options.config, options.log)
    this.deps = {
      replicas: options.replicas,
      scheduler: options.scheduler ?? systemScheduler,
      log: options.log,
      stats: this.stats,
      config: {
        group: {
          minSessionTimeoutMs: v['group.min.session.timeout.ms'],
          maxSessionTimeoutMs: v['group.max.session.timeout.ms'],
          initialRebalanceDelayMs: v['group.initial.rebalance.delay.ms'],
          maxSize: v['group.max.size'],
        },
        offsetsRetentionMs: v['offsets.retention.minutes'] * 60_000,
        offsetsRetentionCheckIntervalMs: v['offsets.retention.check.interval.ms'],
        commitTimeoutMs: COMMIT_TIMEOUT_MS,
      },
    }
    this.offsets = new GroupOffsets(this, options.metadata, options.zk, this.deps.scheduler)
    this.shards = new CoordinatorShards(this.offsetsTopic, options.metadata, options.replicas, partition => new CoordinatorPartition(partition, this.deps), options.log)
  }

  /** Call after the ReplicaManager has started, so its partitions have their roles when ours are checked. */
  start (): void {
    this.shards.start()
  }

  shutdown (): void {
    this.shards.shutdown()
  }

  /** FindCoordinator: the leader of the group's offsets partition; creates the topic on first use. */
  async findCoordinator (groupId: string): Promise<{ errorCode: number, nodeId: number }> {
    const nodeId = await this.offsetsTopic.leaderFor(groupId)
    return { errorCode: nodeId < 0 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE, nodeId }
  }

  /**
   * The partition serving `groupId`, or the error Kafka answers (KafkaApis.handleFindCoordinatorRequest): inactive → 15,
   * loading → 14, not ours → 16.
   */
  partitionFor (groupId: string): CoordinatorPartition | number {
    return this.shards.shardFor(groupId)
  }

  /**
   * WriteTxnMarkers reached __consumer_offsets partition `index`: the producer's transactional
   * offset commits there become the groups' (commit) or are dropped (abort).
   */
  completeTxn (index: number, producerId: number, commit: boolean): void {
    const shard = this.shards.shard(index)
    if (shard?.status === 'active') shard.completeTxn(producerId, commit)
  }

  async joinGroup (a: JoinGroupArgs): Promise<JoinResult> {
    const fail = (errorCode: number): JoinResult => ({ errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', memberId: a.memberId, skipAssignment: false, members: [] })
    if (a.groupId === '' || !storable(a.groupId)) return fail(ErrorCode.INVALID_GROUP_ID)
    const newMemberId = `${a.groupInstanceId ?? a.clientId}-${randomUUID()}`
    if (![newMemberId, a.protocolType, ...a.protocols.map(p => p.name)].every(storable)) return fail(ErrorCode.INVALID_REQUEST)
    const p = this.partitionFor(a.groupId)
    if (typeof p === 'number') return fail(p)
    if (!p.groups.has(a.groupId)) {
      if (a.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID)
      p.getOrCreateGroup(a.groupId)
    }
    return await p.request(a.groupId, 'join', token => ({ type: 'join', token, ...a, newMemberId }))
  }

  async syncGroup (m: MemberRef, protocolType: string | null, protocolName: string | null, assignments: ReadonlyMap<string, Buffer>): Promise<SyncResult> {
    const fail = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) })
    if (m.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID)
    const p = this.partitionFor(m.groupId)
    // While loading, REBALANCE_IN_PROGRESS makes the member rejoin without rediscovering the coordinator.
    if (typeof p === 'number') return fail(p === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.REBALANCE_IN_PROGRESS : p)
    if (!p.groups.has(m.groupId)) return fail(ErrorCode.UNKNOWN_MEMBER_ID)
    return await p.request(m.groupId, 'sync', token => ({ type: 'sync', token, ...m, protocolType, protocolName, assignments }))
  }

  async heartbeat (m: MemberRef): Promise<number> {
    if (m.groupId === '') return ErrorCode.INVALID_GROUP_ID
    const p = this.partitionFor(m.groupId)
    if (typeof p === 'number') return p === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : p
    if (!p.groups.has(m.groupId)) return ErrorCode.UNKNOWN_MEMBER_ID
    return (await p.request(m.groupId, 'heartbeat', token => ({ type: 'heartbeat', token, ...m }))).errorCode
  }

  async leaveGroup (groupId: string, members: ReadonlyArray<{ memberId: string, groupInstanceId: string | null }>): Promise<LeaveResult> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] }
    const p = this.partitionFor(groupId)
    if (typeof p === 'number') return { errorCode: p, members: [] }
    if (!p.groups.has(groupId)) return { errorCode: ErrorCode.NONE, members: members.map(m => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) }
    return await p.request(groupId, 'leave', token => ({ type: 'leave', token, members }))
  }

  describeGroup (groupId: string): { errorCode: number, group?: Group } {
    const p = this.partitionFor(groupId)
    if (typeof p === 'number') return { errorCode: p }
    return { errorCode: ErrorCode.NONE, group: p.groups.get(groupId) }
  }

  /** Groups this broker coordinates; COORDINATOR_LOAD_IN_PROGRESS while any partition is loading. */
  listGroups (): { errorCode: number, groups: Group[] } {
    const all = this.shards.all()
    const errorCode = !this.shards.isActive ? ErrorCode.COORDINATOR_NOT_AVAILABLE : all.some(p => p.status === 'loading') ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE
    return { errorCode, groups: all.filter(p => p.status === 'active').flatMap(p => [...p.groups.values()]) }
  }

  async deleteGroup (groupId: string): Promise<number> {
    const p = this.partitionFor(groupId)
    if (typeof p === 'number') return p
    if (!p.groups.has(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND
    const { errorCode } = await p.request(groupId, 'delete', token => ({ type: 'delete', token }))
    if (errorCode !== ErrorCode.NONE) return errorCode
    this.log.info('deleted group', { groupId })
    return await p.removeGroup(groupId)
  }
}
