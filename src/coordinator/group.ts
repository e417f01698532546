/**
 * A classic consumer group (Kafka's GroupMetadata) and the alphabet of its state machine: the
 * events the coordinator feeds it, the effects it hands back (replies to parked requests, records
 * to write, log lines) and the reply each request gets. The rules themselves are in
 * group-rules.ts (`applyGroupEvent`); the states and their allowed transitions in group-state.ts.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { metadataFor, supportsProtocol, vote, type Member, type Protocol } from './member.js'
import type { GroupState } from './group-state.js'
import { PendingMembers } from './pending-members.js'

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
  /**
   * No member's session expires before this (sessionExpiresAtMs); Infinity when none can. Member
   * edits only ever lower it, and the tick that reaches it walks the members, expires the lapsed
   * ones and sets it to the earliest expiry left. Kafka keeps a heartbeat timer per member; one
   * bound per group spares each heartbeat a walk over all of them to find the group's next deadline.
   */
  readonly sessionCheckMs: number
  /** Member ids handed out with MEMBER_ID_REQUIRED (JoinGroup v4+), until they come back or their deadline passes. */
  readonly pendingMembers: PendingMembers
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
  /**
   * The rebalance under way: when the group left Stable or Empty for PreparingRebalance, and why.
   * Set exactly while PreparingRebalance or CompletingRebalance; null otherwise.
   */
  readonly rebalance: { readonly startedMs: number, readonly reason: RebalanceReason } | null
  /** The last rebalance that reached Stable since this broker loaded the group; null if none did. */
  readonly lastRebalance: CompletedRebalance | null
}

/**
 * Why a rebalance started: the cause in Kafka's "Preparing to rebalance group ... (reason: ...)",
 * as a fixed phrase (the member ids go in the log line's fields), so that it can be a metric's
 * label (docs/metrics.md) without a new series per member.
 */
export type RebalanceReason =
  | 'member joined'
  | 'member rejoined'
  | 'static member rejoined'
  | 'member left'
  | 'member session expired'
  | 'members did not sync in time'
  | 'assignment not stored'
  | 'loaded group over capacity'

/** A rebalance that reached Stable, as the coordinator saw it. */
export interface CompletedRebalance {
  readonly generationId: number
  /** From the group leaving Stable or Empty for PreparingRebalance until it was Stable again (its assignment stored). */
  readonly durationMs: number
  /** What started it (a later restart of the join phase within the same rebalance does not change it). */
  readonly reason: RebalanceReason
  /**
   * When its (last) join phase ended and the group entered CompletingRebalance: the
   * currentStateTimestamp of the group record that stored this generation's assignment, which
   * tells that record apart from another incarnation's of the same group and generation.
   */
  readonly joinEndedMs: number
}

export interface GroupConfig {
  minSessionTimeoutMs: number
  maxSessionTimeoutMs: number
  initialRebalanceDelayMs: number
  /** group.max.size (KIP-389): how many members a group takes. */
  maxSize: number
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

/** What each request event is answered with (Kafka's JoinGroupResult, SyncGroupResult, ..., or an error code alone). */
export interface GroupReplies {
  join: JoinResult
  sync: SyncResult
  heartbeat: ErrorResult
  leave: LeaveResult
  commitOffsets: ErrorResult
  delete: ErrorResult
}
export type GroupRequestType = keyof GroupReplies
/** An event that carries a reply token; its answer comes back in a 'respond' effect with that token. */
export type GroupRequest<K extends GroupRequestType = GroupRequestType> = Extract<GroupEvent, { type: K }>
/** The answer to the `to` request that carried `token`: the reply's type follows from the request's. */
export type GroupReply<K extends GroupRequestType = GroupRequestType> = { [T in K]: { type: 'respond', to: T, token: number, result: GroupReplies[T] } }[K]

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
  /** The group was just read from __consumer_offsets (Kafka's GroupCoordinator.onGroupLoaded). */
  | { type: 'load' }
  /** DeleteGroups. */
  | { type: 'delete', token: number }
  /** Its offsets are all gone while Empty: the group goes too. */
  | { type: 'expire' }
  /** This broker no longer coordinates the group (offsets partition emigrated). */
  | { type: 'unload' }

export type GroupEffect =
  | GroupReply
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
    sessionCheckMs: Infinity,
    pendingMembers: PendingMembers.EMPTY,
    staticMembers: new Map(),
    pendingSyncMembers: new Set(),
    currentStateTimestampMs: now,
    joinDeadlineMs: null,
    initialDelay: null,
    syncDeadlineMs: null,
    rebalance: null,
    lastRebalance: null,
  }
}

/** What the rules ask of a group (Kafka's GroupMetadata questions). */

/** Candidates: protocols every member supports; each member votes for its favourite; most votes win. */
export function selectProtocol (g: Group): string | undefined {
  const members = [...g.members.values()]
  const first = members[0]
  if (first === undefined) return undefined
  const candidates = new Set(first.protocols.map(p => p.name).filter(name => members.every(m => supportsProtocol(m, name))))
  const votes = new Map<string, number>()
  for (const m of members) {
    const choice = vote(m, candidates)
    if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1)
  }
  let best: string | undefined
  for (const name of candidates) if (best === undefined || (votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name
  return best
}

export function supportsProtocols (g: Group, protocolType: string, names: string[]): boolean {
  if (g.members.size === 0) return protocolType !== '' && names.length > 0
  const members = [...g.members.values()]
  return g.protocolType === protocolType && names.some(name => members.every(m => supportsProtocol(m, name)))
}

export function isFenced (g: Group, memberId: string, groupInstanceId: string | null): boolean {
  if (groupInstanceId === null || memberId === '') return false
  const mapped = g.staticMembers.get(groupInstanceId)
  return mapped !== undefined && mapped !== memberId
}

export function memberError (g: Group, memberId: string, groupInstanceId: string | null): number {
  if (isFenced(g, memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
  return g.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID
}

export function currentJoinResult (g: Group, memberId: string): JoinResult {
  const isLeader = g.leaderId === memberId
  return {
    errorCode: ErrorCode.NONE,
    generationId: g.generationId,
    protocolType: g.protocolType,
    protocolName: g.protocolName,
    leaderId: g.leaderId ?? '',
    memberId,
    skipAssignment: false,
    members: isLeader ? [...g.members.values()].map(m => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: metadataFor(m, g.protocolName) })) : [],
  }
}

/** The join phase waits as long as the most patient member allows. */
export function rebalanceTimeoutMs (g: Group): number {
  let max = 0
  for (const m of g.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
  return max
}
