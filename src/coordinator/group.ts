/**
 * A classic consumer group as a state machine (Kafka's GroupMetadata + the state logic of
 * GroupCoordinator): `applyGroupEvent(group, event, now, config)` is a plain synchronous function
 * returning the new group and the effects to carry out (replies to parked requests, records to
 * write, log lines). It never mutates its input; time comes in as `now`, and the coordinator asks
 * `nextDeadlineMs` when to deliver the next 'tick'.
 */
import { sessionExpiresAtMs, type Member, type Protocol } from './member.js'
import { applyToDraft } from './group-rebalance.js'
import type { GroupState } from './group-state.js'

export type { GroupState } from './group-state.js'

export interface Group {
  readonly groupId: string
  readonly state: GroupState
  /** "consumer" for consumer groups; null for a group that only ever had standalone commits. */
  readonly protocolType: string | null
  /** The protocol (assignor) chosen at the last join completion; null while Empty. */
  readonly protocolName: string | null
  readonly generationId: number
  readonly leaderId: string | null
  /** In join order. */
  readonly members: ReadonlyMap<string, Member>
  /** Member ids handed out with MEMBER_ID_REQUIRED (JoinGroup v4+), until they come back: id → deadline. */
  readonly pendingMembers: ReadonlyMap<string, number>
  /** group.instance.id → member id of the static members. */
  readonly staticMembers: ReadonlyMap<string, string>
  /** Members that have not sent SyncGroup since the last join phase ended. */
  readonly pendingSyncMembers: ReadonlySet<string>
  /** When the group entered its current state (Empty: the start of offset retention); null if unknown. */
  readonly currentStateTimestampMs: number | null
  /** PreparingRebalance: when the join phase ends whoever has rejoined. */
  readonly joinDeadlineMs: number | null
  /** The join phase of a group coming from Empty waits group.initial.rebalance.delay.ms, restarted by new members. */
  readonly initialDelay: { readonly remainingMs: number, readonly newMemberAdded: boolean } | null
  /** When members still in pendingSyncMembers are dropped (rebalance timeout after join completion). */
  readonly syncDeadlineMs: number | null
}

export interface GroupConfig {
  minSessionTimeoutMs: number
  maxSessionTimeoutMs: number
  initialRebalanceDelayMs: number
}

export interface JoinResult {
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leaderId: string
  memberId: string
  skipAssignment: boolean
  /** Filled only for the leader: every member's subscription for the chosen protocol. */
  members: Array<{ memberId: string, groupInstanceId: string | null, metadata: Buffer }>
}
export interface SyncResult { errorCode: number, protocolType: string | null, protocolName: string | null, assignment: Buffer }
export interface LeaveResult { errorCode: number, members: Array<{ memberId: string, groupInstanceId: string | null, errorCode: number }> }
export interface ErrorResult { errorCode: number }
export type GroupResult = JoinResult | SyncResult | LeaveResult | ErrorResult

export type GroupEvent =
  | {
    type: 'join', token: number, memberId: string, groupInstanceId: string | null, clientId: string, clientHost: string,
    sessionTimeoutMs: number, rebalanceTimeoutMs: number, protocolType: string, protocols: readonly Protocol[],
    /** JoinGroup v4+: a dynamic member without an id gets MEMBER_ID_REQUIRED first. */
    requireKnownMemberId: boolean,
    /** The id to hand out if this is a new member (the caller draws the UUID, so this stays pure). */
    newMemberId: string,
  }
  | {
    type: 'sync', token: number, memberId: string, groupInstanceId: string | null, generationId: number,
    protocolType: string | null, protocolName: string | null, assignments: ReadonlyMap<string, Buffer>,
  }
  | { type: 'heartbeat', token: number, memberId: string, groupInstanceId: string | null, generationId: number }
  | { type: 'leave', token: number, members: ReadonlyArray<{ memberId: string, groupInstanceId: string | null }> }
  /** OffsetCommit's membership check; a commit also counts as a heartbeat. */
  | { type: 'commitOffsets', token: number, memberId: string, groupInstanceId: string | null, generationId: number }
  /** The outcome of a storeGroup effect that carried assignments (the leader's SyncGroup). */
  | { type: 'groupStored', generationId: number, assignments: ReadonlyMap<string, Buffer>, errorCode: number }
  /** Time passed: sessions, join and sync deadlines are checked. */
  | { type: 'tick' }
  /** DeleteGroups. */
  | { type: 'delete', token: number }
  /** Its offsets are all gone while Empty: the group goes too. */
  | { type: 'expire' }
  /** This broker no longer coordinates the group (offsets partition emigrated). */
  | { type: 'unload' }

export type GroupEffect =
  | { type: 'respond', token: number, result: GroupResult }
  /**
   * Write the group's metadata record (GroupMetadataManager.storeGroup). With `assignments` it is the leader's SyncGroup:
   * the caller reports back with a 'groupStored' event.
   */
  | { type: 'storeGroup', group: Group, assignments: ReadonlyMap<string, Buffer> | null }
  | { type: 'log', message: string, fields: Record<string, unknown> }

export interface Transition { group: Group, effects: GroupEffect[] }

export function newGroup (groupId: string, now: number, protocolType: string | null = null): Group {
  return {
    groupId,
    state: 'Empty',
    protocolType,
    protocolName: null,
    generationId: 0,
    leaderId: null,
    members: new Map(),
    pendingMembers: new Map(),
    staticMembers: new Map(),
    pendingSyncMembers: new Set(),
    currentStateTimestampMs: now,
    joinDeadlineMs: null,
    initialDelay: null,
    syncDeadlineMs: null,
  }
}

export function applyGroupEvent (group: Group, event: GroupEvent, now: number, config: GroupConfig): Transition {
  return applyToDraft(group, event, now, config)
}

/** The earliest time at which a 'tick' changes something; null when nothing is timed. */
export function nextDeadlineMs (g: Group): number | null {
  if (g.state === 'Dead') return null
  let next = Infinity
  for (const deadline of g.pendingMembers.values()) next = Math.min(next, deadline)
  for (const m of g.members.values()) next = Math.min(next, sessionExpiresAtMs(m))
  if (g.state === 'PreparingRebalance' && g.joinDeadlineMs !== null) next = Math.min(next, g.joinDeadlineMs)
  if ((g.state === 'CompletingRebalance' || g.state === 'Stable') && g.syncDeadlineMs !== null && g.pendingSyncMembers.size > 0) next = Math.min(next, g.syncDeadlineMs)
  return Number.isFinite(next) ? next : null
}
