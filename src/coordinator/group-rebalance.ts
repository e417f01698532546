/**
 * The rules of the classic group protocol (Kafka's GroupCoordinator: doJoinGroup, doSyncGroup,
 * heartbeat, leave, prepareRebalance, onCompleteJoin, heartbeat and pending-sync expiry), applied
 * to a private copy of the group: the caller's Group is never mutated. group.ts is the entry point.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import type { Group, GroupConfig, GroupEvent, Transition } from './group.js'
import { GroupDraft } from './group-draft.js'
import { EMPTY_BYTES, matchesProtocols, sessionExpiresAtMs, type Member } from './member.js'

type JoinEvent = Extract<GroupEvent, { type: 'join' }>
type SyncEvent = Extract<GroupEvent, { type: 'sync' }>

export function applyToDraft (group: Group, event: GroupEvent, now: number, config: GroupConfig): Transition {
  const d = new GroupRules(group, now, config)
  switch (event.type) {
    case 'join': d.join(event); break
    case 'sync': d.sync(event); break
    case 'heartbeat': d.heartbeat(event.token, event.memberId, event.groupInstanceId, event.generationId); break
    case 'leave': d.leave(event.token, event.members); break
    case 'commitOffsets': d.commitOffsets(event.token, event.memberId, event.groupInstanceId, event.generationId); break
    case 'groupStored': d.groupStored(event.generationId, event.assignments, event.errorCode); break
    case 'tick': d.tick(); break
    case 'delete': d.delete(event.token); break
    case 'expire': if (d.g.state === 'Empty') d.transitionTo('Dead'); break
    case 'unload': d.unload(); break
  }
  return { group: d.g, effects: d.effects }
}

/** The event handlers: Kafka's doJoinGroup, doSyncGroup, heartbeat, leave and expiry rules. */
class GroupRules extends GroupDraft {
  join (e: JoinEvent): void {
    const g = this.g
    if (e.sessionTimeoutMs < this.config.minSessionTimeoutMs || e.sessionTimeoutMs > this.config.maxSessionTimeoutMs) return this.joinError(e.token, e.memberId, ErrorCode.INVALID_SESSION_TIMEOUT)
    if (g.state === 'Dead') return this.joinError(e.token, e.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
    if (!this.supportsProtocols(e.protocolType, e.protocols.map(p => p.name))) return this.joinError(e.token, e.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    if (e.memberId === '') {
      const staticId = e.groupInstanceId === null ? undefined : g.staticMembers.get(e.groupInstanceId)
      if (staticId !== undefined) return this.replaceStaticMember(e, staticId)
      if (e.groupInstanceId === null && e.requireKnownMemberId) {
        // KIP-394: hand out the id first; the member is added when it comes back with it.
        g.pendingMembers.set(e.newMemberId, this.now + e.sessionTimeoutMs)
        return this.joinError(e.token, e.newMemberId, ErrorCode.MEMBER_ID_REQUIRED)
      }
      return this.addMemberAndRebalance(e, e.newMemberId)
    }
    if (g.pendingMembers.delete(e.memberId)) return this.addMemberAndRebalance(e, e.memberId)
    const error = this.memberError(e.memberId, e.groupInstanceId)
    if (error !== ErrorCode.NONE) return this.joinError(e.token, e.memberId, error)
    const member = g.members.get(e.memberId) as Member
    switch (g.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, e)
      case 'CompletingRebalance':
        if (matchesProtocols(member, e.protocols)) return this.respond(e.token, this.currentJoinResult(e.memberId))
        return this.updateMemberAndRebalance(member, e)
      case 'Stable':
        if (g.leaderId === e.memberId || !matchesProtocols(member, e.protocols)) return this.updateMemberAndRebalance(member, e)
        return this.respond(e.token, this.currentJoinResult(e.memberId))
      default:
        return this.joinError(e.token, e.memberId, ErrorCode.UNKNOWN_MEMBER_ID)
    }
  }

  sync (e: SyncEvent): void {
    const g = this.g
    const fail = (errorCode: number): void => this.respond(e.token, { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES })
    if (g.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    const error = this.memberError(e.memberId, e.groupInstanceId)
    if (error !== ErrorCode.NONE) return fail(error)
    if (e.generationId !== g.generationId) return fail(ErrorCode.ILLEGAL_GENERATION)
    if ((e.protocolType !== null && e.protocolType !== g.protocolType) || (e.protocolName !== null && e.protocolName !== g.protocolName)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    switch (g.state) {
      case 'Empty': return fail(ErrorCode.UNKNOWN_MEMBER_ID)
      case 'PreparingRebalance': return fail(ErrorCode.REBALANCE_IN_PROGRESS)
      case 'CompletingRebalance': {
        const parked = g.members.get(e.memberId)?.awaitingSync ?? null
        if (parked !== null) this.respond(parked, { errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY_BYTES })
        this.update(e.memberId, { awaitingSync: e.token, lastHeartbeatMs: this.now })
        g.pendingSyncMembers.delete(e.memberId)
        if (e.memberId === g.leaderId) {
          const assignments = new Map([...g.members.keys()].map(id => [id, e.assignments.get(id) ?? EMPTY_BYTES]))
          this.effects.push({ type: 'storeGroup', group: this.snapshot(), assignments })
        }
        return
      }
      default: {
        const member = this.update(e.memberId, { lastHeartbeatMs: this.now })
        g.pendingSyncMembers.delete(e.memberId)
        return this.respond(e.token, { errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: member.assignment })
      }
    }
  }

  groupStored (generationId: number, assignments: ReadonlyMap<string, Buffer>, errorCode: number): void {
    const g = this.g
    if (g.state !== 'CompletingRebalance' || g.generationId !== generationId) return
    if (errorCode !== ErrorCode.NONE) {
      this.resetAssignments(errorCode)
      return this.prepareRebalance(`error ${errorCode} storing the assignment`)
    }
    for (const id of g.members.keys()) this.update(id, { assignment: assignments.get(id) ?? EMPTY_BYTES })
    this.transitionTo('Stable')
    for (const m of g.members.values()) {
      if (m.awaitingSync === null) continue
      this.respond(m.awaitingSync, { errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment })
      this.update(m.memberId, { awaitingSync: null })
    }
    this.log('stabilized group', { generationId, members: g.members.size, protocolName: g.protocolName })
  }

  heartbeat (token: number, memberId: string, groupInstanceId: string | null, generationId: number): void {
    const g = this.g
    const reply = (errorCode: number): void => this.respond(token, { errorCode })
    if (g.state === 'Dead') return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    const error = this.memberError(memberId, groupInstanceId)
    if (error !== ErrorCode.NONE) return reply(error)
    if (generationId !== g.generationId) return reply(ErrorCode.ILLEGAL_GENERATION)
    if (g.state === 'Empty') return reply(ErrorCode.UNKNOWN_MEMBER_ID)
    this.update(memberId, { lastHeartbeatMs: this.now })
    reply(g.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE)
  }

  commitOffsets (token: number, memberId: string, groupInstanceId: string | null, generationId: number): void {
    const g = this.g
    const reply = (errorCode: number): void => this.respond(token, { errorCode })
    if (g.state === 'Dead') return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    if (this.isFenced(memberId, groupInstanceId)) return reply(ErrorCode.FENCED_INSTANCE_ID)
    if (generationId < 0 && g.state === 'Empty') return reply(ErrorCode.NONE) // standalone commits (kcat, admin tools)
    if (g.state === 'CompletingRebalance') return reply(ErrorCode.REBALANCE_IN_PROGRESS)
    if (!g.members.has(memberId)) return reply(ErrorCode.UNKNOWN_MEMBER_ID)
    if (generationId !== g.generationId) return reply(ErrorCode.ILLEGAL_GENERATION)
    this.update(memberId, { lastHeartbeatMs: this.now })
    reply(ErrorCode.NONE)
  }

  leave (token: number, leaving: ReadonlyArray<{ memberId: string, groupInstanceId: string | null }>): void {
    const g = this.g
    if (g.state === 'Dead') return this.respond(token, { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] })
    const members = leaving.map(({ memberId, groupInstanceId }) => {
      const result = (errorCode: number): { memberId: string, groupInstanceId: string | null, errorCode: number } => ({ memberId, groupInstanceId, errorCode })
      if (memberId !== '' && g.pendingMembers.delete(memberId)) {
        this.maybeCompleteJoin()
        return result(ErrorCode.NONE)
      }
      if (this.isFenced(memberId, groupInstanceId)) return result(ErrorCode.FENCED_INSTANCE_ID)
      const id = (groupInstanceId === null ? undefined : g.staticMembers.get(groupInstanceId)) ?? memberId
      if (!g.members.has(id)) return result(ErrorCode.UNKNOWN_MEMBER_ID)
      this.removeMemberAndUpdateGroup(id, 'member left the group')
      return result(ErrorCode.NONE)
    })
    this.respond(token, { errorCode: ErrorCode.NONE, members })
  }

  delete (token: number): void {
    const state = this.g.state
    if (state === 'Dead') return this.respond(token, { errorCode: ErrorCode.GROUP_ID_NOT_FOUND })
    if (state !== 'Empty') return this.respond(token, { errorCode: ErrorCode.NON_EMPTY_GROUP })
    this.transitionTo('Dead')
    this.respond(token, { errorCode: ErrorCode.NONE })
  }

  unload (): void {
    const previous = this.g.state
    this.transitionTo('Dead')
    for (const m of this.g.members.values()) {
      if (previous === 'PreparingRebalance' && m.awaitingJoin !== null) this.joinError(m.awaitingJoin, m.memberId, ErrorCode.NOT_COORDINATOR)
      if (m.awaitingSync !== null) this.respond(m.awaitingSync, { errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY_BYTES })
    }
  }

  tick (): void {
    const g = this.g
    for (const [id, deadline] of [...g.pendingMembers]) {
      if (deadline > this.now) continue
      g.pendingMembers.delete(id)
      this.maybeCompleteJoin()
    }
    for (const m of [...g.members.values()]) {
      if (!g.members.has(m.memberId) || sessionExpiresAtMs(m) > this.now) continue
      this.log('member session expired', { memberId: m.memberId, groupInstanceId: m.groupInstanceId, sessionTimeoutMs: m.sessionTimeoutMs })
      this.removeMemberAndUpdateGroup(m.memberId, `session of member ${m.memberId} expired`)
    }
    if (g.state === 'PreparingRebalance' && g.joinDeadlineMs !== null && g.joinDeadlineMs <= this.now) this.onJoinDeadline()
    if ((g.state === 'CompletingRebalance' || g.state === 'Stable') && g.syncDeadlineMs !== null && g.syncDeadlineMs <= this.now) {
      g.syncDeadlineMs = null
      if (g.pendingSyncMembers.size > 0) {
        const late = [...g.pendingSyncMembers]
        for (const id of late) this.removeMember(id)
        this.prepareRebalance(`members ${late.join(', ')} did not sync within the rebalance timeout`)
      }
    }
  }

  // --- membership -------------------------------------------------------------------------

  private addMemberAndRebalance (e: JoinEvent, memberId: string): void {
    const g = this.g
    const member: Member = {
      memberId, groupInstanceId: e.groupInstanceId, clientId: e.clientId, clientHost: e.clientHost,
      sessionTimeoutMs: e.sessionTimeoutMs, rebalanceTimeoutMs: e.rebalanceTimeoutMs, protocolType: e.protocolType,
      protocols: e.protocols, assignment: EMPTY_BYTES, awaitingJoin: e.token, awaitingSync: null, isNew: true, lastHeartbeatMs: this.now,
    }
    if (g.members.size === 0) g.protocolType = e.protocolType
    g.leaderId ??= memberId // the first member to join leads
    g.members.set(memberId, member)
    if (e.groupInstanceId !== null) g.staticMembers.set(e.groupInstanceId, memberId)
    if (g.state === 'PreparingRebalance' && g.generationId === 0 && g.initialDelay !== null) g.initialDelay = { ...g.initialDelay, newMemberAdded: true }
    this.maybePrepareRebalance(`adding new member ${memberId}`)
    this.maybeCompleteJoin()
  }

  private updateMemberAndRebalance (member: Member, e: JoinEvent): void {
    // A second JoinGroup while one is parked replaces it; the first one's client has moved on.
    if (member.awaitingJoin !== null) this.joinError(member.awaitingJoin, member.memberId, ErrorCode.REBALANCE_IN_PROGRESS)
    this.update(member.memberId, { protocols: e.protocols, rebalanceTimeoutMs: e.rebalanceTimeoutMs, sessionTimeoutMs: e.sessionTimeoutMs, awaitingJoin: e.token })
    this.maybePrepareRebalance(`updating metadata of member ${member.memberId}`)
    this.maybeCompleteJoin()
  }

  /** KIP-345: a static member rejoining with a fresh id takes over the old member's place. */
  private replaceStaticMember (e: JoinEvent, oldId: string): void {
    const g = this.g
    const old = g.members.get(oldId) as Member
    if (old.awaitingJoin !== null) this.joinError(old.awaitingJoin, oldId, ErrorCode.FENCED_INSTANCE_ID)
    if (old.awaitingSync !== null) this.respond(old.awaitingSync, { errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_BYTES })
    const previousLeader = g.leaderId
    const newId = e.newMemberId
    const replaced: Member = {
      ...old, memberId: newId, clientId: e.clientId, clientHost: e.clientHost, protocols: e.protocols,
      rebalanceTimeoutMs: e.rebalanceTimeoutMs, sessionTimeoutMs: e.sessionTimeoutMs, awaitingJoin: e.token, awaitingSync: null, lastHeartbeatMs: this.now,
    }
    g.members = new Map([...g.members].map(([id, m]) => id === oldId ? [newId, replaced] : [id, m]))
    g.staticMembers.set(e.groupInstanceId as string, newId)
    if (g.leaderId === oldId) g.leaderId = newId
    if (g.pendingSyncMembers.delete(oldId)) g.pendingSyncMembers.add(newId)
    this.log('static member rejoined with a new member id', { groupInstanceId: e.groupInstanceId, oldMemberId: oldId, memberId: newId })
    switch (g.state) {
      case 'Stable':
        if (this.selectProtocol() === g.protocolName) {
          // Same protocol: no rebalance; the member gets its old assignment back in SyncGroup.
          this.update(newId, { awaitingJoin: null })
          this.effects.push({ type: 'storeGroup', group: this.snapshot(), assignments: null })
          const isLeader = g.leaderId === newId
          // KIP-814: before v9 the old leader id keeps a rejoining leader from re-assigning.
          return this.respond(e.token, { ...this.currentJoinResult(newId), leaderId: previousLeader ?? '', members: isLeader ? this.currentJoinResult(newId).members : [], skipAssignment: isLeader })
        }
        return this.maybePrepareRebalance(`static member ${e.groupInstanceId} rejoined with different protocols`)
      case 'CompletingRebalance':
        return this.prepareRebalance(`static member ${e.groupInstanceId} rejoined during CompletingRebalance`)
      default:
        return this.maybeCompleteJoin()
    }
  }

  private removeMemberAndUpdateGroup (memberId: string, reason: string): void {
    const m = this.g.members.get(memberId) as Member
    if (m.awaitingJoin !== null) this.joinError(m.awaitingJoin, memberId, ErrorCode.UNKNOWN_MEMBER_ID)
    if (m.awaitingSync !== null) this.respond(m.awaitingSync, { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY_BYTES })
    this.removeMember(memberId)
    if (this.g.state === 'Stable' || this.g.state === 'CompletingRebalance') this.prepareRebalance(reason)
    else if (this.g.state === 'PreparingRebalance') this.maybeCompleteJoin()
  }

}
