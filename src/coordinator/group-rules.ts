/**
 * The rules of the classic group protocol as a state machine (the state logic of Kafka's
 * GroupCoordinator: acceptJoiningMember, doJoinGroup, doSyncGroup, heartbeat, leave, prepareRebalance,
 * onCompleteJoin, onGroupLoaded, heartbeat and pending-sync expiry). `applyGroupEvent(group, event, now, config)` is a plain
 * synchronous function returning the new group and the effects to carry out; every rule below is a
 * function of the draft (group-draft.ts) it edits, so the caller's Group is never mutated. Time
 * comes in as `now`, and the coordinator asks `nextDeadlineMs` when to deliver the next 'tick'.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { GroupDraft, type MutableGroup } from './group-draft.js'
import { currentJoinResult, isFenced, memberError, rebalanceTimeoutMs, selectProtocol, supportsProtocols, type Group, type GroupConfig, type GroupEvent, type RebalanceReason, type SyncResult, type Transition } from './group.js'
import { earliestSessionExpiryMs, EMPTY_BYTES, matchesProtocols, sessionExpiresAtMs, type Member } from './member.js'

type JoinEvent = Extract<GroupEvent, { type: 'join' }>
type SyncEvent = Extract<GroupEvent, { type: 'sync' }>

export function applyGroupEvent (group: Group, event: GroupEvent, now: number, config: GroupConfig): Transition {
  const d = new GroupDraft(group, now, config)
  switch (event.type) {
    case 'join': joinGroup(d, event); break
    case 'sync': syncGroup(d, event); break
    case 'heartbeat': heartbeat(d, event.token, event.memberId, event.groupInstanceId, event.generationId); break
    case 'leave': leaveGroup(d, event.token, event.members); break
    case 'commitOffsets': commitOffsets(d, event.token, event.memberId, event.groupInstanceId, event.generationId); break
    case 'groupStored': groupStored(d, event.generationId, event.assignments, event.errorCode); break
    case 'tick': tick(d); break
    case 'delete': deleteGroup(d, event.token); break
    case 'expire': if (d.g.state === 'Empty') d.transitionTo('Dead'); break
    case 'unload': unloadGroup(d); break
    case 'load': groupLoaded(d); break
  }
  return d.transition()
}

/**
 * The earliest time at which a 'tick' may change something; null when nothing is timed. It walks
 * no collection, so the coordinator asks it after every event: the members' sessions count by
 * the group's bound (Group.sessionCheckMs), which may come before any of them expires (a heartbeat
 * does not move it), and the tick at the bound sets the next one.
 */
export function nextDeadlineMs (g: Group): number | null {
  if (g.state === 'Dead') return null
  let next = Math.min(g.pendingMembers.earliestDeadlineMs, g.sessionCheckMs)
  if (g.state === 'PreparingRebalance' && g.joinDeadlineMs !== null) next = Math.min(next, g.joinDeadlineMs)
  if ((g.state === 'CompletingRebalance' || g.state === 'Stable') && g.syncDeadlineMs !== null && g.pendingSyncMembers.size > 0) next = Math.min(next, g.syncDeadlineMs)
  return Number.isFinite(next) ? next : null
}

// --- the events (Kafka's doJoinGroup, doSyncGroup, heartbeat, leave and expiry rules) ----------

function joinGroup (d: GroupDraft, e: JoinEvent): void {
  const g = d.g
  if (e.sessionTimeoutMs < d.config.minSessionTimeoutMs || e.sessionTimeoutMs > d.config.maxSessionTimeoutMs) return joinError(d, e.token, e.memberId, ErrorCode.INVALID_SESSION_TIMEOUT)
  if (!acceptJoiningMember(g, e.memberId, d.config.maxSize)) return refuseOverMaxSize(d, e)
  if (g.state === 'Dead') return joinError(d, e.token, e.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  if (!supportsProtocols(g, e.protocolType, e.protocols.map(p => p.name))) return joinError(d, e.token, e.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  if (e.memberId === '') {
    if (e.groupInstanceId !== null) {
      const staticId = g.staticMembers.get(e.groupInstanceId)
      if (staticId !== undefined) return replaceStaticMember(d, e, e.groupInstanceId, staticId)
    } else if (e.requireKnownMemberId) {
      // KIP-394: hand out the id first; the member is added when it comes back with it.
      g.pendingMembers = g.pendingMembers.with(e.newMemberId, d.now + e.sessionTimeoutMs)
      return joinError(d, e.token, e.newMemberId, ErrorCode.MEMBER_ID_REQUIRED)
    }
    return addMemberAndRebalance(d, e, e.newMemberId)
  }
  if (g.pendingMembers.has(e.memberId)) {
    g.pendingMembers = g.pendingMembers.without(e.memberId)
    return addMemberAndRebalance(d, e, e.memberId)
  }
  const error = memberError(g, e.memberId, e.groupInstanceId)
  if (error !== ErrorCode.NONE) return joinError(d, e.token, e.memberId, error)
  const member = d.member(e.memberId)
  switch (g.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(d, member, e)
    case 'CompletingRebalance':
      if (matchesProtocols(member, e.protocols)) return d.replyJoin(e.token, currentJoinResult(g, e.memberId))
      return updateMemberAndRebalance(d, member, e)
    case 'Stable':
      if (g.leaderId === e.memberId || !matchesProtocols(member, e.protocols)) return updateMemberAndRebalance(d, member, e)
      return d.replyJoin(e.token, currentJoinResult(g, e.memberId))
    default:
      return joinError(d, e.token, e.memberId, ErrorCode.UNKNOWN_MEMBER_ID)
  }
}

function syncGroup (d: GroupDraft, e: SyncEvent): void {
  const g = d.g
  const fail = (errorCode: number): void => d.replySync(e.token, syncError(errorCode))
  if (g.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  const error = memberError(g, e.memberId, e.groupInstanceId)
  if (error !== ErrorCode.NONE) return fail(error)
  if (e.generationId !== g.generationId) return fail(ErrorCode.ILLEGAL_GENERATION)
  if ((e.protocolType !== null && e.protocolType !== g.protocolType) || (e.protocolName !== null && e.protocolName !== g.protocolName)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  switch (g.state) {
    case 'Empty': return fail(ErrorCode.UNKNOWN_MEMBER_ID)
    case 'PreparingRebalance': return fail(ErrorCode.REBALANCE_IN_PROGRESS)
    case 'CompletingRebalance': {
      const parked = d.member(e.memberId).awaitingSync
      if (parked !== null) d.replySync(parked, syncError(ErrorCode.REBALANCE_IN_PROGRESS))
      d.update(e.memberId, { awaitingSync: e.token, lastHeartbeatMs: d.now })
      if (g.pendingSyncMembers.has(e.memberId)) d.edit('pendingSyncMembers').delete(e.memberId)
      if (e.memberId === g.leaderId) d.storeGroup(new Map([...g.members.keys()].map(id => [id, e.assignments.get(id) ?? EMPTY_BYTES])))
      return
    }
    default: {
      const member = d.update(e.memberId, { lastHeartbeatMs: d.now })
      if (g.pendingSyncMembers.has(e.memberId)) d.edit('pendingSyncMembers').delete(e.memberId)
      return d.replySync(e.token, { errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: member.assignment })
    }
  }
}

/** The leader's assignment is written (or failed to be): hand it out, or start over. */
function groupStored (d: GroupDraft, generationId: number, assignments: ReadonlyMap<string, Buffer>, errorCode: number): void {
  const g = d.g
  if (g.state !== 'CompletingRebalance' || g.generationId !== generationId) return
  if (errorCode !== ErrorCode.NONE) {
    resetAssignments(d, errorCode)
    return prepareRebalance(d, 'assignment not stored', { errorCode })
  }
  for (const id of g.members.keys()) d.update(id, { assignment: assignments.get(id) ?? EMPTY_BYTES })
  // the stored record carries CompletingRebalance's timestamp, which the move to Stable replaces
  const joinEndedMs = g.currentStateTimestampMs
  d.transitionTo('Stable')
  for (const m of g.members.values()) {
    if (m.awaitingSync === null) continue
    d.replySync(m.awaitingSync, { errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment })
    d.update(m.memberId, { awaitingSync: null })
  }
  d.log('stabilized group', { generationId, members: g.members.size, protocolName: g.protocolName, durationMs: completeRebalance(d, generationId, joinEndedMs) })
}

function heartbeat (d: GroupDraft, token: number, memberId: string, groupInstanceId: string | null, generationId: number): void {
  const g = d.g
  const reply = (errorCode: number): void => d.replyError('heartbeat', token, errorCode)
  if (g.state === 'Dead') return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  const error = memberError(g, memberId, groupInstanceId)
  if (error !== ErrorCode.NONE) return reply(error)
  if (generationId !== g.generationId) return reply(ErrorCode.ILLEGAL_GENERATION)
  if (g.state === 'Empty') return reply(ErrorCode.UNKNOWN_MEMBER_ID)
  d.update(memberId, { lastHeartbeatMs: d.now })
  reply(g.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE)
}

function commitOffsets (d: GroupDraft, token: number, memberId: string, groupInstanceId: string | null, generationId: number): void {
  const g = d.g
  const reply = (errorCode: number): void => d.replyError('commitOffsets', token, errorCode)
  if (g.state === 'Dead') return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  if (isFenced(g, memberId, groupInstanceId)) return reply(ErrorCode.FENCED_INSTANCE_ID)
  if (generationId < 0 && g.state === 'Empty') return reply(ErrorCode.NONE) // standalone commits (kcat, admin tools)
  if (!g.members.has(memberId)) return reply(ErrorCode.UNKNOWN_MEMBER_ID)
  if (generationId !== g.generationId) return reply(ErrorCode.ILLEGAL_GENERATION)
  // Kafka's GroupCoordinator.doCommitOffsets: only a member of the new generation, which has its
  // JoinGroup answer but not yet its assignment, is told to wait for the rebalance.
  if (g.state === 'CompletingRebalance') return reply(ErrorCode.REBALANCE_IN_PROGRESS)
  d.update(memberId, { lastHeartbeatMs: d.now })
  reply(ErrorCode.NONE)
}

function leaveGroup (d: GroupDraft, token: number, leaving: ReadonlyArray<{ memberId: string, groupInstanceId: string | null }>): void {
  const g = d.g
  if (g.state === 'Dead') return d.replyLeave(token, { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] })
  const members = leaving.map(({ memberId, groupInstanceId }) => {
    const result = (errorCode: number): { memberId: string, groupInstanceId: string | null, errorCode: number } => ({ memberId, groupInstanceId, errorCode })
    if (memberId !== '' && g.pendingMembers.has(memberId)) {
      g.pendingMembers = g.pendingMembers.without(memberId)
      maybeCompleteJoin(d)
      return result(ErrorCode.NONE)
    }
    if (isFenced(g, memberId, groupInstanceId)) return result(ErrorCode.FENCED_INSTANCE_ID)
    const id = (groupInstanceId === null ? undefined : g.staticMembers.get(groupInstanceId)) ?? memberId
    if (!g.members.has(id)) return result(ErrorCode.UNKNOWN_MEMBER_ID)
    removeMemberAndUpdateGroup(d, id, 'member left')
    return result(ErrorCode.NONE)
  })
  d.replyLeave(token, { errorCode: ErrorCode.NONE, members })
}

function deleteGroup (d: GroupDraft, token: number): void {
  const state = d.g.state
  if (state === 'Dead') return d.replyError('delete', token, ErrorCode.GROUP_ID_NOT_FOUND)
  if (state !== 'Empty') return d.replyError('delete', token, ErrorCode.NON_EMPTY_GROUP)
  d.transitionTo('Dead')
  d.replyError('delete', token, ErrorCode.NONE)
}

function unloadGroup (d: GroupDraft): void {
  const previous = d.g.state
  d.transitionTo('Dead')
  for (const m of d.g.members.values()) {
    if (previous === 'PreparingRebalance' && m.awaitingJoin !== null) joinError(d, m.awaitingJoin, m.memberId, ErrorCode.NOT_COORDINATOR)
    if (m.awaitingSync !== null) d.replySync(m.awaitingSync, syncError(ErrorCode.NOT_COORDINATOR))
  }
}

function tick (d: GroupDraft): void {
  const g = d.g
  for (const id of g.pendingMembers.expiredAt(d.now)) {
    g.pendingMembers = g.pendingMembers.without(id)
    maybeCompleteJoin(d)
  }
  if (g.sessionCheckMs <= d.now) expireSessions(d)
  if (g.state === 'PreparingRebalance' && g.joinDeadlineMs !== null && g.joinDeadlineMs <= d.now) onJoinDeadline(d)
  if ((g.state === 'CompletingRebalance' || g.state === 'Stable') && g.syncDeadlineMs !== null && g.syncDeadlineMs <= d.now) {
    g.syncDeadlineMs = null
    if (g.pendingSyncMembers.size > 0) {
      const late = [...g.pendingSyncMembers]
      for (const id of late) d.removeMember(id)
      prepareRebalance(d, 'members did not sync in time', { memberIds: late })
    }
  }
}

/**
 * Kafka's GroupCoordinator.onGroupLoaded: a group that comes back with more members than
 * group.max.size allows (it was lowered since) rebalances, and the rejoins past the limit are
 * refused (acceptJoiningMember), which brings it within the limit.
 */
function groupLoaded (d: GroupDraft): void {
  if (d.g.members.size > d.config.maxSize) prepareRebalance(d, 'loaded group over capacity', { groupMaxSize: d.config.maxSize })
}

// --- membership -------------------------------------------------------------------------------

/**
 * Kafka's GroupCoordinator.acceptJoiningMember (KIP-389): whether group.max.size leaves room for a
 * JoinGroup of `memberId` ('' for a new member).
 */
function acceptJoiningMember (g: Group, memberId: string, maxSize: number): boolean {
  switch (g.state) {
    case 'Empty':
    case 'Dead':
      return true
    case 'PreparingRebalance': {
      // A member already rejoined keeps its place. The others count against those rejoined, not
      // against all members: a group loaded over a lowered limit holds more than it allows, and
      // so the last to rejoin are the ones left out.
      const member = g.members.get(memberId)
      if (member !== undefined && member.awaitingJoin !== null) return true
      // no more await than there are members: the count, a walk over them, only near the limit
      if (g.members.size < maxSize) return true
      let awaitingJoin = 0
      for (const m of g.members.values()) if (m.awaitingJoin !== null) awaitingJoin++
      return awaitingJoin < maxSize
    }
    case 'CompletingRebalance':
    case 'Stable':
      // members that did not rejoin were dropped when the join phase ended: the size is what counts
      return g.members.has(memberId) || g.members.size < maxSize
  }
}

/**
 * Kafka's handleJoinGroup refusing a member over group.max.size: the member (or the pending id)
 * leaves the group, and the answer carries no member id, so that the client does not come back
 * under that one. A member that leaves may have been the last one the join phase waited for.
 */
function refuseOverMaxSize (d: GroupDraft, e: JoinEvent): void {
  const g = d.g
  if (g.pendingMembers.has(e.memberId)) g.pendingMembers = g.pendingMembers.without(e.memberId)
  else d.removeMember(e.memberId)
  joinError(d, e.token, '', ErrorCode.GROUP_MAX_SIZE_REACHED)
  maybeCompleteJoin(d)
}

/**
 * Removes the members whose session had lapsed when the tick came (a removal that resets the
 * others' parked requests does not expire them in the same tick), then sets the bound to the
 * earliest expiry left.
 */
function expireSessions (d: GroupDraft): void {
  const g = d.g
  for (const m of [...g.members.values()]) {
    if (!g.members.has(m.memberId) || sessionExpiresAtMs(m) > d.now) continue
    d.log('member session expired', { memberId: m.memberId, groupInstanceId: m.groupInstanceId, sessionTimeoutMs: m.sessionTimeoutMs })
    removeMemberAndUpdateGroup(d, m.memberId, 'member session expired')
  }
  g.sessionCheckMs = earliestSessionExpiryMs(g.members.values())
}

function addMemberAndRebalance (d: GroupDraft, e: JoinEvent, memberId: string): void {
  const g = d.g
  const member: Member = {
    memberId, groupInstanceId: e.groupInstanceId, clientId: e.clientId, clientHost: e.clientHost,
    sessionTimeoutMs: e.sessionTimeoutMs, rebalanceTimeoutMs: e.rebalanceTimeoutMs, protocolType: e.protocolType,
    protocols: e.protocols, assignment: EMPTY_BYTES, awaitingJoin: e.token, awaitingSync: null, isNew: true, lastHeartbeatMs: d.now,
  }
  if (g.members.size === 0) g.protocolType = e.protocolType
  g.leaderId ??= memberId // the first member to join leads
  d.setMember(member)
  if (e.groupInstanceId !== null) d.edit('staticMembers').set(e.groupInstanceId, memberId)
  if (g.state === 'PreparingRebalance' && g.generationId === 0 && g.initialDelay !== null) g.initialDelay = { ...g.initialDelay, newMemberAdded: true }
  maybePrepareRebalance(d, 'member joined', { memberId })
  maybeCompleteJoin(d)
}

function updateMemberAndRebalance (d: GroupDraft, member: Member, e: JoinEvent): void {
  // A second JoinGroup while one is parked replaces it; the first one's client has moved on.
  if (member.awaitingJoin !== null) joinError(d, member.awaitingJoin, member.memberId, ErrorCode.REBALANCE_IN_PROGRESS)
  d.update(member.memberId, { protocols: e.protocols, rebalanceTimeoutMs: e.rebalanceTimeoutMs, sessionTimeoutMs: e.sessionTimeoutMs, awaitingJoin: e.token })
  maybePrepareRebalance(d, 'member rejoined', { memberId: member.memberId })
  maybeCompleteJoin(d)
}

/** KIP-345: a static member rejoining with a fresh id takes over the old member's place. */
function replaceStaticMember (d: GroupDraft, e: JoinEvent, groupInstanceId: string, oldId: string): void {
  const g = d.g
  const old = d.member(oldId)
  if (old.awaitingJoin !== null) joinError(d, old.awaitingJoin, oldId, ErrorCode.FENCED_INSTANCE_ID)
  if (old.awaitingSync !== null) d.replySync(old.awaitingSync, syncError(ErrorCode.FENCED_INSTANCE_ID))
  const previousLeader = g.leaderId
  const newId = e.newMemberId
  const replaced: Member = {
    ...old, memberId: newId, clientId: e.clientId, clientHost: e.clientHost, protocols: e.protocols,
    rebalanceTimeoutMs: e.rebalanceTimeoutMs, sessionTimeoutMs: e.sessionTimeoutMs, awaitingJoin: e.token, awaitingSync: null, lastHeartbeatMs: d.now,
  }
  d.replaceMember(oldId, replaced)
  d.edit('staticMembers').set(groupInstanceId, newId)
  if (g.leaderId === oldId) g.leaderId = newId
  if (g.pendingSyncMembers.has(oldId)) { const pending = d.edit('pendingSyncMembers'); pending.delete(oldId); pending.add(newId) }
  d.log('static member rejoined with a new member id', { groupInstanceId, oldMemberId: oldId, memberId: newId })
  switch (g.state) {
    case 'Stable':
      if (selectProtocol(g) === g.protocolName) {
        // Same protocol: no rebalance; the member gets its old assignment back in SyncGroup.
        d.update(newId, { awaitingJoin: null })
        d.storeGroup(null)
        const isLeader = g.leaderId === newId
        // KIP-814: before v9 the old leader id keeps a rejoining leader from re-assigning.
        return d.replyJoin(e.token, { ...currentJoinResult(g, newId), leaderId: previousLeader ?? '', members: isLeader ? currentJoinResult(g, newId).members : [], skipAssignment: isLeader })
      }
      return maybePrepareRebalance(d, 'static member rejoined', { groupInstanceId, memberId: newId })
    case 'CompletingRebalance':
      return prepareRebalance(d, 'static member rejoined', { groupInstanceId, memberId: newId })
    default:
      return maybeCompleteJoin(d)
  }
}

function removeMemberAndUpdateGroup (d: GroupDraft, memberId: string, reason: RebalanceReason): void {
  const m = d.member(memberId)
  if (m.awaitingJoin !== null) joinError(d, m.awaitingJoin, memberId, ErrorCode.UNKNOWN_MEMBER_ID)
  if (m.awaitingSync !== null) d.replySync(m.awaitingSync, syncError(ErrorCode.UNKNOWN_MEMBER_ID))
  d.removeMember(memberId)
  if (d.g.state === 'Stable' || d.g.state === 'CompletingRebalance') prepareRebalance(d, reason, { memberId })
  else if (d.g.state === 'PreparingRebalance') maybeCompleteJoin(d)
}

// --- rebalance phases -------------------------------------------------------------------------

function maybePrepareRebalance (d: GroupDraft, reason: RebalanceReason, fields: Record<string, unknown>): void {
  const s = d.g.state
  if (s === 'Stable' || s === 'CompletingRebalance' || s === 'Empty') prepareRebalance(d, reason, fields)
}

/** `fields` say who the reason is about (member ids, an error code): the log line's, not the metric's. */
function prepareRebalance (d: GroupDraft, reason: RebalanceReason, fields: Record<string, unknown>): void {
  const g = d.g
  if (g.state === 'CompletingRebalance') resetAssignments(d, ErrorCode.REBALANCE_IN_PROGRESS)
  const fromEmpty = g.state === 'Empty'
  // From Stable or Empty a rebalance starts; from CompletingRebalance the join phase of the same
  // rebalance starts over, and its start and first reason stay.
  g.rebalance ??= { startedMs: d.now, reason }
  d.transitionTo('PreparingRebalance')
  if (g.pendingSyncMembers.size > 0) d.edit('pendingSyncMembers').clear()
  g.syncDeadlineMs = null
  const timeoutMs = rebalanceTimeoutMs(g)
  if (fromEmpty) {
    const delayMs = d.config.initialRebalanceDelayMs
    g.joinDeadlineMs = d.now + Math.min(delayMs, timeoutMs)
    g.initialDelay = { remainingMs: Math.max(timeoutMs - delayMs, 0), newMemberAdded: false }
  } else {
    g.joinDeadlineMs = d.now + timeoutMs
    g.initialDelay = null
  }
  d.log('preparing to rebalance group', { reason, ...fields, generationId: g.generationId, members: g.members.size })
  // Kafka's prepareRebalance ends with joinPurgatory.tryCompleteElseWatch: with no member left to
  // wait for (the last one left or expired), the join phase completes now and the group is Empty
  // before the LeaveGroup that emptied it is answered.
  maybeCompleteJoin(d)
}

function onJoinDeadline (d: GroupDraft): void {
  const g = d.g
  const delay = g.initialDelay
  if (delay !== null && delay.newMemberAdded && delay.remainingMs > 0) {
    // InitialDelayedJoin: a member arrived during the delay; wait once more, within the rebalance timeout.
    const configured = d.config.initialRebalanceDelayMs
    g.joinDeadlineMs = d.now + Math.min(configured, delay.remainingMs)
    g.initialDelay = { remainingMs: Math.max(delay.remainingMs - configured, 0), newMemberAdded: false }
    return
  }
  completeJoin(d)
}

/** DelayedJoin.tryComplete: the join phase ends early once everyone is back (not during the initial delay). */
function maybeCompleteJoin (d: GroupDraft): void {
  const g = d.g
  if (g.state !== 'PreparingRebalance') return
  if (g.joinDeadlineMs !== null && g.joinDeadlineMs <= d.now) return onJoinDeadline(d)
  if (g.initialDelay !== null) return
  const allJoined = g.pendingMembers.size === 0 && [...g.members.values()].every(m => m.awaitingJoin !== null)
  if (allJoined) completeJoin(d)
}

/** Kafka's onCompleteJoin: a new generation, its protocol chosen, every parked JoinGroup answered. */
function completeJoin (d: GroupDraft): void {
  const g = d.g
  for (const m of [...g.members.values()]) {
    // Dynamic members that did not rejoin are dropped; static ones wait for their session to lapse.
    if (m.awaitingJoin === null && m.groupInstanceId === null) d.removeMember(m.memberId)
  }
  if (g.members.size > 0 && !electJoinedLeader(g)) {
    g.joinDeadlineMs = d.now + rebalanceTimeoutMs(g)
    g.initialDelay = null
    return
  }
  g.generationId += 1
  g.joinDeadlineMs = null
  g.initialDelay = null
  if (g.members.size === 0) {
    g.protocolName = null
    g.rebalance = null // it ended without reaching Stable: no completed rebalance to time
    d.transitionTo('Empty')
    d.log('group is now empty', { generationId: g.generationId })
    d.storeGroup(null)
    return
  }
  g.protocolName = selectProtocol(g) ?? null
  d.transitionTo('CompletingRebalance')
  g.pendingSyncMembers = new Set(g.members.keys())
  g.syncDeadlineMs = d.now + rebalanceTimeoutMs(g)
  for (const m of [...g.members.values()]) {
    if (m.awaitingJoin === null) continue
    d.replyJoin(m.awaitingJoin, currentJoinResult(g, m.memberId))
    d.update(m.memberId, { awaitingJoin: null, isNew: false, lastHeartbeatMs: d.now })
  }
}

/** The rebalance reached Stable: it becomes the group's lastRebalance; its duration in ms. */
function completeRebalance (d: GroupDraft, generationId: number, joinEndedMs: number | null): number | undefined {
  const g = d.g
  const started = g.rebalance
  g.rebalance = null
  // CompletingRebalance is only reached through PreparingRebalance, which sets `rebalance`, and transitionTo, which sets the timestamp
  if (started === null || joinEndedMs === null) return undefined
  g.lastRebalance = { generationId, durationMs: d.now - started.startedMs, reason: started.reason, joinEndedMs }
  return g.lastRebalance.durationMs
}

/** Kafka's maybeElectNewJoinedLeader: keep a leader that rejoined, else any member that did. */
function electJoinedLeader (g: MutableGroup): boolean {
  const leader = g.leaderId === null ? undefined : g.members.get(g.leaderId)
  if (leader !== undefined && leader.awaitingJoin !== null) return true
  const joined = [...g.members.values()].find(m => m.awaitingJoin !== null)
  if (joined === undefined) return false
  g.leaderId = joined.memberId
  return true
}

/** Kafka's resetAndPropagateAssignmentError: parked SyncGroups get the error, assignments are cleared. */
function resetAssignments (d: GroupDraft, errorCode: number): void {
  for (const m of [...d.g.members.values()]) {
    if (m.awaitingSync !== null) d.replySync(m.awaitingSync, syncError(errorCode))
    d.update(m.memberId, { assignment: EMPTY_BYTES, awaitingSync: null })
  }
}

function joinError (d: GroupDraft, token: number, memberId: string, errorCode: number): void {
  d.replyJoin(token, { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', memberId, skipAssignment: false, members: [] })
}

function syncError (errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES }
}
