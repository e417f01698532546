/**
 * One member's side of the classic group protocol (Java's AbstractCoordinator): JoinGroup (with
 * the MEMBER_ID_REQUIRED second round of KIP-394), the leader's assignment in SyncGroup,
 * Heartbeat and LeaveGroup. It knows nothing of partitions: the protocol metadata and the leader's
 * assignment come from a GroupProtocol (ConsumerProtocol for consumers).
 *
 * States, as in Java's MemberState:
 * - UNJOINED: no generation; `join` moves to PREPARING_REBALANCE.
 * - PREPARING_REBALANCE: JoinGroup sent; its answer moves to COMPLETING_REBALANCE.
 * - COMPLETING_REBALANCE: SyncGroup sent; its answer moves to STABLE (or back to joining).
 * - STABLE: heartbeats; REBALANCE_IN_PROGRESS sets `rejoinNeeded`, a lost membership resets to UNJOINED.
 */
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/heartbeat.js'
import { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/join-group.js'
import { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/leave-group.js'
import { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/sync-group.js'
import { KafkaError } from '../errors.js'
import type { CoordinatorTransport } from './coordinator-channel.js'

export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE'

export interface JoinGroupMember { memberId: string, groupInstanceId: string | null, metadata: Buffer }

export interface GroupProtocol {
  readonly protocolType: string
  /** JoinGroup's protocols in order of preference (one per assignor for consumers). */
  protocols (): Array<{ name: string, metadata: Buffer }>
  /** The leader's work: one assignment per member (members left out get empty bytes). */
  assign (protocolName: string, members: JoinGroupMember[]): Promise<Map<string, Buffer>>
}

export interface MembershipOptions {
  groupId: string
  groupInstanceId: string | null
  sessionTimeoutMs: number
  /** max.poll.interval.ms: how long the coordinator waits for members to rejoin. */
  rebalanceTimeoutMs: number
  requestTimeoutMs: number
  retryBackoffMs: number
  /** default.api.timeout.ms: a coordinator unreachable this long fails the join instead of retrying forever. */
  unreachableTimeoutMs: number
}

export interface Generation { generationId: number, memberId: string, protocolName: string, isLeader: boolean, assignment: Buffer }

export class GroupMembership {
  state: MemberState = 'UNJOINED'
  generationId = -1
  memberId = ''
  protocolName: string | null = null
  leaderId = ''
  /** Set by a heartbeat or commit that learnt of a rebalance, and by the consumer (subscription change, cooperative revocation). */
  rejoinNeeded = true
  /** Date.now() of the last heartbeat the coordinator accepted. */
  lastHeartbeatMs = 0
  private stopped = false

  constructor (private readonly transport: CoordinatorTransport, readonly options: MembershipOptions) {}

  get hasGeneration (): boolean { return this.generationId >= 0 && this.memberId !== '' }

  /**
   * Joins (or rejoins) until a generation is complete: JoinGroup, then SyncGroup with the
   * leader's assignment. Retriable and rebalance errors go round again; fatal ones throw.
   */
  async join (protocol: GroupProtocol, reason: string): Promise<Generation> {
    const o = this.options
    let unreachableSinceMs: number | undefined
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, 'the consumer is closed')
      this.state = 'PREPARING_REBALANCE'
      const attemptStartedMs = Date.now()
      let code: number
      try {
        const joined = await this.transport.send(JoinGroupRequest, JoinGroupResponse, { min: 0, max: 9 }, {
          groupId: o.groupId,
          sessionTimeoutMs: o.sessionTimeoutMs,
          rebalanceTimeoutMs: o.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: o.groupInstanceId,
          protocolType: protocol.protocolType,
          protocols: protocol.protocols(),
          reason,
        }, { timeoutMs: Math.max(o.requestTimeoutMs, o.rebalanceTimeoutMs + 5000) }) // Java: a join may be parked for the rebalance timeout
        code = joined.errorCode
        if (code === ErrorCode.NONE) {
          this.memberId = joined.memberId
          this.generationId = joined.generationId
          this.protocolName = joined.protocolName
          this.leaderId = joined.leader
          this.state = 'COMPLETING_REBALANCE'
          const isLeader = joined.leader === joined.memberId
          const assignments = isLeader && !joined.skipAssignment ? await protocol.assign(joined.protocolName ?? '', joined.members) : new Map<string, Buffer>()
          const synced = await this.transport.send(SyncGroupRequest, SyncGroupResponse, { min: 0, max: 5 }, {
            groupId: o.groupId,
            generationId: this.generationId,
            memberId: this.memberId,
            groupInstanceId: o.groupInstanceId,
            protocolType: protocol.protocolType,
            protocolName: this.protocolName,
            assignments: [...assignments].map(([memberId, assignment]) => ({ memberId, assignment })),
          })
          code = synced.errorCode
          if (code === ErrorCode.NONE) {
            this.state = 'STABLE'
            this.rejoinNeeded = false
            this.lastHeartbeatMs = Date.now()
            return { generationId: this.generationId, memberId: this.memberId, protocolName: this.protocolName ?? '', isLeader, assignment: synced.assignment }
          }
        } else if (code === ErrorCode.MEMBER_ID_REQUIRED) {
          // KIP-394: the coordinator named us; join again at once with that id
          this.memberId = joined.memberId
          continue
        }
      } catch (err) {
        if (!(err instanceof KafkaError) || !isRetriable(err.code)) throw err
        unreachableSinceMs ??= attemptStartedMs
        if (Date.now() - unreachableSinceMs >= o.unreachableTimeoutMs) {
          this.state = 'UNJOINED'
          throw err
        }
        code = err.code
      }
      this.onJoinError(code)
      if (code !== ErrorCode.REBALANCE_IN_PROGRESS) await delay(Math.min(o.retryBackoffMs * 2 ** Math.min(attempt, 5), 1000))
    }
  }

  /** One Heartbeat; its error decides whether the member must rejoin or look for the coordinator. */
  async heartbeat (): Promise<number> {
    if (this.state !== 'STABLE' || !this.hasGeneration) return ErrorCode.NONE
    let code: number
    try {
      const response = await this.transport.send(HeartbeatRequest, HeartbeatResponse, { min: 0, max: 4 }, {
        groupId: this.options.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.options.groupInstanceId,
      })
      code = response.errorCode
    } catch (err) {
      if (!(err instanceof KafkaError) || !isRetriable(err.code)) throw err
      code = err.code
    }
    if (code === ErrorCode.NONE) this.lastHeartbeatMs = Date.now()
    else this.onMemberError(code)
    return code
  }

  /**
   * What a heartbeat's or commit's error means for the membership: a rebalance to join, a lost
   * generation (its partitions are lost, not revoked), or a coordinator to find again.
   */
  onMemberError (code: number): void {
    switch (code) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.rejoinNeeded = true
        break
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(false)
        break
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetGeneration(true)
        break
      case ErrorCode.FENCED_INSTANCE_ID:
        this.stopped = true
        throw new KafkaError(ErrorCode.FENCED_INSTANCE_ID, `group.instance.id ${this.options.groupInstanceId ?? ''} was taken over by another member of group ${this.options.groupId}`)
      default:
        if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.NETWORK_EXCEPTION || code === ErrorCode.REQUEST_TIMED_OUT) this.transport.markUnknown()
    }
  }

  /** LeaveGroup (dynamic members only: a static member's restart must not rebalance, KIP-345). */
  async leave (reason: string): Promise<void> {
    const hadId = this.memberId !== ''
    const memberId = this.memberId
    this.resetGeneration(true)
    if (!hadId || this.options.groupInstanceId !== null) return
    await this.transport.send(LeaveGroupRequest, LeaveGroupResponse, { min: 0, max: 5 }, {
      groupId: this.options.groupId, memberId, members: [{ memberId, groupInstanceId: null, reason }],
    }).catch(() => {}) // the session timeout removes us anyway
  }

  /** Ends every join in progress (close). */
  stop (): void {
    this.stopped = true
  }

  resetGeneration (resetMemberId: boolean): void {
    this.generationId = -1
    if (resetMemberId) this.memberId = ''
    this.state = 'UNJOINED'
    this.rejoinNeeded = true
  }

  private onJoinError (code: number): void {
    switch (code) {
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.REBALANCE_IN_PROGRESS:
      case ErrorCode.FENCED_INSTANCE_ID:
        this.onMemberError(code)
        return
      default:
        if (!isRetriable(code)) {
          this.state = 'UNJOINED'
          throw new KafkaError(code as ErrorCode, `joining group ${this.options.groupId} failed: ${errorName(code)}`)
        }
        this.onMemberError(code)
    }
  }
}

async function delay (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
