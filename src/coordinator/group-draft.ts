/**
 * A private copy of a group that the classic protocol's rules edit (group-rebalance.ts): the
 * membership bookkeeping and the rebalance phases (prepare, join deadline, complete join) that
 * every rule shares, and the effects collected for the caller. The caller's Group is never mutated.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import type { Group, GroupConfig, GroupEffect, GroupResult, JoinResult } from './group.js'
import { assertTransition, type GroupState } from './group-state.js'
import { EMPTY_BYTES, metadataFor, supportsProtocol, vote, type Member } from './member.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export abstract class GroupDraft {
  readonly g: Mutable<Group> & { members: Map<string, Member>, pendingMembers: Map<string, number>, staticMembers: Map<string, string>, pendingSyncMembers: Set<string> }
  readonly effects: GroupEffect[] = []

  constructor (group: Group, protected readonly now: number, protected readonly config: GroupConfig) {
    this.g = {
      ...group,
      members: new Map(group.members),
      pendingMembers: new Map(group.pendingMembers),
      staticMembers: new Map(group.staticMembers),
      pendingSyncMembers: new Set(group.pendingSyncMembers),
    }
  }

  transitionTo (to: GroupState): void {
    assertTransition(this.g.groupId, this.g.state, to)
    this.g.state = to
    this.g.currentStateTimestampMs = this.now
  }


  protected removeMember (memberId: string): void {
    const g = this.g
    const m = g.members.get(memberId)
    if (m === undefined) return
    g.members.delete(memberId)
    if (m.groupInstanceId !== null) g.staticMembers.delete(m.groupInstanceId)
    g.pendingSyncMembers.delete(memberId)
    if (g.leaderId === memberId) g.leaderId = g.members.keys().next().value ?? null
  }

  // --- rebalance ----------------------------------------------------------------------------

  protected maybePrepareRebalance (reason: string): void {
    const s = this.g.state
    if (s === 'Stable' || s === 'CompletingRebalance' || s === 'Empty') this.prepareRebalance(reason)
  }

  protected prepareRebalance (reason: string): void {
    const g = this.g
    if (g.state === 'CompletingRebalance') this.resetAssignments(ErrorCode.REBALANCE_IN_PROGRESS)
    const fromEmpty = g.state === 'Empty'
    this.transitionTo('PreparingRebalance')
    g.pendingSyncMembers.clear()
    g.syncDeadlineMs = null
    const rebalanceTimeoutMs = this.rebalanceTimeoutMs()
    if (fromEmpty) {
      const delayMs = this.config.initialRebalanceDelayMs
      g.joinDeadlineMs = this.now + Math.min(delayMs, rebalanceTimeoutMs)
      g.initialDelay = { remainingMs: Math.max(rebalanceTimeoutMs - delayMs, 0), newMemberAdded: false }
    } else {
      g.joinDeadlineMs = this.now + rebalanceTimeoutMs
      g.initialDelay = null
    }
    this.log('preparing to rebalance group', { reason, generationId: g.generationId, members: g.members.size })
    // Kafka's prepareRebalance ends with joinPurgatory.tryCompleteElseWatch: with no member left to
    // wait for (the last one left or expired), the join phase completes now and the group is Empty
    // before the LeaveGroup that emptied it is answered.
    this.maybeCompleteJoin()
  }

  protected onJoinDeadline (): void {
    const g = this.g
    const delay = g.initialDelay
    if (delay !== null && delay.newMemberAdded && delay.remainingMs > 0) {
      // InitialDelayedJoin: a member arrived during the delay; wait once more, within the rebalance timeout.
      const configured = this.config.initialRebalanceDelayMs
      g.joinDeadlineMs = this.now + Math.min(configured, delay.remainingMs)
      g.initialDelay = { remainingMs: Math.max(delay.remainingMs - configured, 0), newMemberAdded: false }
      return
    }
    this.completeJoin()
  }

  /** DelayedJoin.tryComplete: the join phase ends early once everyone is back (not during the initial delay). */
  protected maybeCompleteJoin (): void {
    const g = this.g
    if (g.state !== 'PreparingRebalance') return
    if (g.joinDeadlineMs !== null && g.joinDeadlineMs <= this.now) return this.onJoinDeadline()
    if (g.initialDelay !== null) return
    const allJoined = g.pendingMembers.size === 0 && [...g.members.values()].every(m => m.awaitingJoin !== null)
    if (allJoined) this.completeJoin()
  }

  protected completeJoin (): void {
    const g = this.g
    for (const m of [...g.members.values()]) {
      // Dynamic members that did not rejoin are dropped; static ones wait for their session to lapse.
      if (m.awaitingJoin === null && m.groupInstanceId === null) this.removeMember(m.memberId)
    }
    if (g.members.size > 0 && !this.electJoinedLeader()) {
      g.joinDeadlineMs = this.now + this.rebalanceTimeoutMs()
      g.initialDelay = null
      return
    }
    g.generationId += 1
    g.joinDeadlineMs = null
    g.initialDelay = null
    if (g.members.size === 0) {
      g.protocolName = null
      this.transitionTo('Empty')
      this.log('group is now empty', { generationId: g.generationId })
      this.effects.push({ type: 'storeGroup', group: this.snapshot(), assignments: null })
      return
    }
    g.protocolName = this.selectProtocol() ?? null
    this.transitionTo('CompletingRebalance')
    g.pendingSyncMembers = new Set(g.members.keys())
    g.syncDeadlineMs = this.now + this.rebalanceTimeoutMs()
    for (const m of [...g.members.values()]) {
      if (m.awaitingJoin === null) continue
      this.respond(m.awaitingJoin, this.currentJoinResult(m.memberId))
      this.update(m.memberId, { awaitingJoin: null, isNew: false, lastHeartbeatMs: this.now })
    }
  }

  /** Kafka's maybeElectNewJoinedLeader: keep a leader that rejoined, else any member that did. */
  protected electJoinedLeader (): boolean {
    const g = this.g
    const leader = g.leaderId === null ? undefined : g.members.get(g.leaderId)
    if (leader !== undefined && leader.awaitingJoin !== null) return true
    const joined = [...g.members.values()].find(m => m.awaitingJoin !== null)
    if (joined === undefined) return false
    g.leaderId = joined.memberId
    return true
  }

  /** Candidates: protocols every member supports; each member votes for its favourite; most votes win. */
  protected selectProtocol (): string | undefined {
    const members = [...this.g.members.values()]
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

  protected resetAssignments (errorCode: number): void {
    for (const m of [...this.g.members.values()]) {
      if (m.awaitingSync !== null) this.respond(m.awaitingSync, { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES })
      this.update(m.memberId, { assignment: EMPTY_BYTES, awaitingSync: null })
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  protected supportsProtocols (protocolType: string, names: string[]): boolean {
    const g = this.g
    if (g.members.size === 0) return protocolType !== '' && names.length > 0
    const members = [...g.members.values()]
    return g.protocolType === protocolType && names.some(name => members.every(m => supportsProtocol(m, name)))
  }

  protected isFenced (memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null || memberId === '') return false
    const mapped = this.g.staticMembers.get(groupInstanceId)
    return mapped !== undefined && mapped !== memberId
  }

  protected memberError (memberId: string, groupInstanceId: string | null): number {
    if (this.isFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    return this.g.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID
  }

  protected currentJoinResult (memberId: string): JoinResult {
    const g = this.g
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

  protected rebalanceTimeoutMs (): number {
    let max = 0
    for (const m of this.g.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
    return max
  }

  protected update (memberId: string, changes: Partial<Member>): Member {
    const updated = { ...(this.g.members.get(memberId) as Member), ...changes }
    this.g.members.set(memberId, updated)
    return updated
  }

  /** A copy that later changes to this draft cannot reach (storeGroup effects keep it). */
  protected snapshot (): Group {
    const g = this.g
    return { ...g, members: new Map(g.members), pendingMembers: new Map(g.pendingMembers), staticMembers: new Map(g.staticMembers), pendingSyncMembers: new Set(g.pendingSyncMembers) }
  }

  protected joinError (token: number, memberId: string, errorCode: number): void {
    this.respond(token, { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', memberId, skipAssignment: false, members: [] })
  }

  protected respond (token: number, result: GroupResult): void {
    this.effects.push({ type: 'respond', token, result })
  }

  protected log (message: string, fields: Record<string, unknown>): void {
    this.effects.push({ type: 'log', message, fields: { groupId: this.g.groupId, ...fields } })
  }
}
