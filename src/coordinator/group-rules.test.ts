import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { newGroup, type Group, type GroupConfig, type GroupEffect, type GroupEvent, type GroupReply, type JoinResult, type SyncResult } from './group.js'
import { applyGroupEvent, nextDeadlineMs } from './group-rules.js'
import { assertTransition, IllegalGroupTransitionError, VALID_PREVIOUS_STATES, type GroupState } from './group-state.js'
import { earliestSessionExpiryMs } from './member.js'

const config: GroupConfig = { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 1_800_000, initialRebalanceDelayMs: 0, maxSize: 2_147_483_647 }
const STATES: GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']

/**
 * Drives one group through events with a hand-moved clock, remembering every effect. After each
 * event it checks the bound the group's timer relies on: no member's session expires before it.
 */
class Sim {
  group: Group
  now = 1_000_000
  token = 0
  effects: GroupEffect[] = []
  constructor (public cfg: GroupConfig = config) { this.group = newGroup('g', this.now) }

  apply (event: GroupEvent): GroupEffect[] {
    const { group, effects } = applyGroupEvent(this.group, event, this.now, this.cfg)
    this.group = group
    this.effects.push(...effects)
    assert.ok(group.sessionCheckMs <= earliestSessionExpiryMs(group.members.values()), `after ${event.type}: a member may expire before the group's session bound`)
    return effects
  }

  leave (...memberIds: string[]): number {
    const token = ++this.token
    this.apply({ type: 'leave', token, members: memberIds.map(memberId => ({ memberId, groupInstanceId: null })) })
    return token
  }

  /** The reply to the request with this token, if it has been answered. */
  result (token: number): GroupReply['result'] | undefined {
    for (const e of this.effects) if (e.type === 'respond' && e.token === token) return e.result
    return undefined
  }

  joined (token: number): JoinResult | undefined {
    for (const e of this.effects) if (e.type === 'respond' && e.to === 'join' && e.token === token) return e.result
    return undefined
  }

  synced (token: number): SyncResult | undefined {
    for (const e of this.effects) if (e.type === 'respond' && e.to === 'sync' && e.token === token) return e.result
    return undefined
  }

  join (memberId: string, opts: { instance?: string, requireKnown?: boolean, newId?: string, protocols?: string[], rebalanceTimeoutMs?: number, sessionTimeoutMs?: number } = {}): number {
    const token = ++this.token
    this.apply({
      type: 'join', token, memberId, groupInstanceId: opts.instance ?? null, clientId: 'c', clientHost: '/127.0.0.1',
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000, rebalanceTimeoutMs: opts.rebalanceTimeoutMs ?? 30_000, protocolType: 'consumer',
      protocols: (opts.protocols ?? ['range']).map(name => ({ name, metadata: Buffer.from(`sub:${name}`) })),
      requireKnownMemberId: opts.requireKnown ?? false, newMemberId: opts.newId ?? `${memberId === '' ? 'new' : memberId}-id`,
    })
    return token
  }

  sync (memberId: string, generationId: number, assignments: Record<string, string> = {}): number {
    const token = ++this.token
    this.apply({ type: 'sync', token, memberId, groupInstanceId: null, generationId, protocolType: null, protocolName: null, assignments: new Map(Object.entries(assignments).map(([k, v]) => [k, Buffer.from(v)])) })
    return token
  }

  heartbeat (memberId: string, generationId: number, instance: string | null = null): number {
    const token = ++this.token
    this.apply({ type: 'heartbeat', token, memberId, groupInstanceId: instance, generationId })
    return this.result(token)?.errorCode ?? NaN
  }

  /** Carries out the pending storeGroup with assignments, as the coordinator would after the append. */
  completeStore (errorCode: number = ErrorCode.NONE): void {
    const store = this.effects.findLast(e => e.type === 'storeGroup' && e.assignments !== null)
    assert.ok(store?.type === 'storeGroup' && store.assignments !== null, 'a storeGroup effect with assignments')
    this.apply({ type: 'groupStored', generationId: store.group.generationId, assignments: store.assignments, errorCode })
  }

  tick (advanceMs: number): void {
    this.now += advanceMs
    this.apply({ type: 'tick' })
  }
}

/** Two dynamic members a and b in a Stable group at generation 1, a leading. */
function stableGroupOfTwo (): Sim {
  const s = new Sim({ ...config, initialRebalanceDelayMs: 3000 })
  const ja = s.join('', { newId: 'a' })
  const jb = s.join('', { newId: 'b' })
  assert.equal(s.group.state, 'PreparingRebalance')
  s.tick(3000)
  assert.equal(s.group.state, 'PreparingRebalance', 'b joined during the initial delay: it is restarted')
  s.tick(3000)
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.equal(s.joined(ja)?.members.length, 2)
  assert.equal(s.joined(jb)?.members.length, 0)
  const sa = s.sync('a', 1, { a: 'A', b: 'B' })
  const sb = s.sync('b', 1)
  s.completeStore()
  assert.equal(s.group.state, 'Stable')
  assert.equal(s.synced(sa)?.assignment.toString(), 'A')
  assert.equal(s.synced(sb)?.assignment.toString(), 'B')
  return s
}

test('every transition outside VALID_PREVIOUS_STATES throws, the rest pass', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      if (VALID_PREVIOUS_STATES[to].includes(from)) assert.doesNotThrow(() => assertTransition('g', from, to))
      else assert.throws(() => assertTransition('g', from, to), IllegalGroupTransitionError, `${from} → ${to}`)
    }
  }
  assert.throws(() => assertTransition('g', 'Empty', 'Stable'), /should be in CompletingRebalance states before moving to Stable, but is in Empty/)
  assert.throws(() => assertTransition('g', 'Dead', 'PreparingRebalance'))
  assert.throws(() => assertTransition('g', 'Stable', 'CompletingRebalance'))
})

test('JoinGroup v4+: MEMBER_ID_REQUIRED, then the member joins and leads; SyncGroup makes the group Stable', () => {
  const s = new Sim()
  const first = s.join('', { requireKnown: true, newId: 'm1' })
  assert.deepEqual([s.joined(first)?.errorCode, s.joined(first)?.memberId], [ErrorCode.MEMBER_ID_REQUIRED, 'm1'])
  assert.equal(s.group.state, 'Empty')
  assert.ok(s.group.pendingMembers.has('m1'))
  const second = s.join('m1', { requireKnown: true })
  const joined = s.joined(second)
  assert.equal(joined?.errorCode, ErrorCode.NONE)
  assert.equal(joined?.generationId, 1)
  assert.equal(joined?.leaderId, 'm1')
  assert.equal(joined?.protocolName, 'range')
  assert.deepEqual(joined?.members.map(m => m.metadata.toString()), ['sub:range'])
  assert.equal(s.group.state, 'CompletingRebalance')
  const sync = s.sync('m1', 1, { m1: 'assignment' })
  assert.equal(s.result(sync), undefined, 'parked until the group record is stored')
  s.completeStore()
  assert.equal(s.group.state, 'Stable')
  assert.equal(s.synced(sync)?.assignment.toString(), 'assignment')
  assert.equal(s.heartbeat('m1', 1), ErrorCode.NONE)
})

test('applyGroupEvent does not mutate the group it is given', () => {
  const s = stableGroupOfTwo()
  const before = s.group
  const members = [...before.members.values()]
  s.tick(20_000)
  assert.equal(before.state, 'Stable')
  assert.equal(before.members.size, 2)
  assert.deepEqual([...before.members.values()], members)
  assert.notEqual(s.group, before)
})

test('a lapsed session removes the member and starts a rebalance; the other learns it from its heartbeat', () => {
  const s = stableGroupOfTwo()
  s.now += 5000
  assert.equal(s.heartbeat('a', 1), ErrorCode.NONE)
  assert.equal(nextDeadlineMs(s.group), s.now - 5000 + 10_000, "b's session ends first")
  s.tick(5000) // b last heard from 10 s ago
  assert.equal(s.group.state, 'PreparingRebalance')
  assert.deepEqual([...s.group.members.keys()], ['a'])
  assert.ok(s.effects.some(e => e.type === 'log' && e.message === 'member session expired' && e.fields.memberId === 'b'))
  assert.equal(s.heartbeat('a', 1), ErrorCode.REBALANCE_IN_PROGRESS)
  const rejoin = s.join('a')
  assert.equal(s.group.state, 'CompletingRebalance', 'every remaining member is back: the join phase ends at once')
  assert.equal(s.joined(rejoin)?.generationId, 2)
  assert.equal(s.heartbeat('b', 1), ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal(s.heartbeat('a', 1), ErrorCode.ILLEGAL_GENERATION)
  assert.equal(s.heartbeat('a', 2), ErrorCode.NONE)
})

test('members that do not rejoin are dropped when the rebalance timeout ends the join phase', () => {
  const s = stableGroupOfTwo()
  const rejoin = s.join('a') // the leader rejoining starts a rebalance
  assert.equal(s.group.state, 'PreparingRebalance')
  assert.equal(nextDeadlineMs(s.group), s.now + 10_000, "b's session ends before the rebalance timeout")
  s.now += 9000
  assert.equal(s.heartbeat('b', 1), ErrorCode.REBALANCE_IN_PROGRESS, 'the heartbeat still keeps b alive')
  s.tick(21_000)
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.deepEqual([...s.group.members.keys()], ['a'])
  assert.equal(s.joined(rejoin)?.members.length, 1)
})

test('LeaveGroup triggers an immediate rebalance; the last member leaving empties the group', () => {
  const s = stableGroupOfTwo()
  const token = ++s.token
  s.apply({ type: 'leave', token, members: [{ memberId: 'b', groupInstanceId: null }, { memberId: 'zz', groupInstanceId: null }] })
  assert.deepEqual(s.result(token), { errorCode: ErrorCode.NONE, members: [{ memberId: 'b', groupInstanceId: null, errorCode: ErrorCode.NONE }, { memberId: 'zz', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] })
  assert.equal(s.group.state, 'PreparingRebalance')
  const leave2 = ++s.token
  s.apply({ type: 'leave', token: leave2, members: [{ memberId: 'a', groupInstanceId: null }] })
  assert.equal(s.group.state, 'Empty')
  assert.equal(s.group.generationId, 2)
  assert.ok(s.effects.some(e => e.type === 'storeGroup' && e.group.state === 'Empty' && e.assignments === null), 'an empty group record is written')
})

test('the last member of a Stable group leaving, or its session expiring, makes the group Empty at once, before the answer', () => {
  for (const how of ['leave', 'expiry'] as const) {
    const s = stableGroupOfTwo()
    const leave = ++s.token
    s.apply({ type: 'leave', token: leave, members: [{ memberId: 'b', groupInstanceId: null }] })
    const rejoin = s.join('a')
    assert.equal(s.group.state, 'CompletingRebalance')
    s.sync('a', s.joined(rejoin)?.generationId ?? -1, { a: 'A' })
    s.completeStore()
    assert.equal(s.group.state, 'Stable', `a alone is Stable (${how})`)
    const generation = s.group.generationId
    if (how === 'leave') {
      const last = ++s.token
      s.apply({ type: 'leave', token: last, members: [{ memberId: 'a', groupInstanceId: null }] })
      assert.equal(s.group.state, 'Empty', 'Empty when the LeaveGroup is answered')
      assert.deepEqual(s.result(last), { errorCode: ErrorCode.NONE, members: [{ memberId: 'a', groupInstanceId: null, errorCode: ErrorCode.NONE }] })
    } else {
      s.tick(30_001)
      assert.equal(s.group.state, 'Empty', 'Empty in the tick that expired the session')
    }
    assert.equal(s.group.generationId, generation + 1)
  }
})

test('JoinGroup validation: session timeout bounds, protocol mismatch, unknown member', () => {
  const s = stableGroupOfTwo()
  assert.equal(s.joined(s.join('', { sessionTimeoutMs: 5999 }))?.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT)
  assert.equal(s.joined(s.join('', { sessionTimeoutMs: 1_800_001 }))?.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT)
  assert.equal(s.joined(s.join('', { protocols: ['roundrobin'] }))?.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  assert.equal(s.joined(s.join('nobody'))?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal(s.group.state, 'Stable')
})

test('a follower rejoining a Stable group with the same protocols gets the current generation, no rebalance', () => {
  const s = stableGroupOfTwo()
  const r = s.joined(s.join('b'))
  assert.deepEqual([r?.errorCode, r?.generationId, r?.members.length], [ErrorCode.NONE, 1, 0])
  assert.equal(s.group.state, 'Stable')
})

test('protocol selection: the protocol every member supports that most members prefer', () => {
  const s = new Sim()
  s.join('', { newId: 'a', protocols: ['roundrobin', 'range'] })
  assert.equal(s.group.protocolName, 'roundrobin')
  s.join('', { newId: 'b', protocols: ['range', 'roundrobin'] })
  s.join('', { newId: 'c', protocols: ['range'] })
  s.join('a', { protocols: ['roundrobin', 'range'] })
  s.join('b', { protocols: ['range', 'roundrobin'] })
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.equal(s.group.protocolName, 'range')
})

test('static membership: a restarted member with the same instance id gets its assignment back without a rebalance', () => {
  const s = new Sim()
  s.join('', { instance: 'i1', newId: 's1' })
  s.sync('s1', 1, { s1: 'P0,P1' })
  s.completeStore()
  assert.equal(s.group.state, 'Stable')
  const rejoin = s.join('', { instance: 'i1', newId: 's1-restarted', requireKnown: true })
  const r = s.joined(rejoin)
  assert.equal(r?.errorCode, ErrorCode.NONE, 'static members skip MEMBER_ID_REQUIRED')
  assert.equal(r?.memberId, 's1-restarted')
  assert.equal(r?.generationId, 1)
  assert.equal(r?.skipAssignment, true)
  assert.equal(r?.leaderId, 's1', 'KIP-814: the old leader id, so a pre-v9 client does not reassign')
  assert.equal(s.group.state, 'Stable')
  assert.ok(s.effects.some(e => e.type === 'storeGroup' && e.assignments === null && e.group.members.has('s1-restarted')))
  assert.equal(s.synced(s.sync('s1-restarted', 1))?.assignment.toString(), 'P0,P1')
  assert.equal(s.heartbeat('s1', 1, 'i1'), ErrorCode.FENCED_INSTANCE_ID)
  assert.equal(s.heartbeat('s1-restarted', 1, 'i1'), ErrorCode.NONE)
})

test('group.initial.rebalance.delay.ms holds the first join phase, restarted by each new member within the rebalance timeout', () => {
  const s = new Sim({ ...config, initialRebalanceDelayMs: 3000 })
  s.join('', { newId: 'a', rebalanceTimeoutMs: 7000 })
  assert.equal(s.group.joinDeadlineMs, s.now + 3000)
  s.now += 2000
  s.join('', { newId: 'b', rebalanceTimeoutMs: 7000 })
  assert.equal(s.group.state, 'PreparingRebalance', 'all joined, but the initial delay still runs')
  s.tick(1000)
  assert.equal(s.group.state, 'PreparingRebalance', 'a new member arrived: wait again')
  assert.equal(s.group.joinDeadlineMs, s.now + 3000)
  s.tick(3000)
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.equal(s.group.members.size, 2)
})

test('SyncGroup: wrong generation, PreparingRebalance, a follower before the leader, a member that never syncs', () => {
  const s = new Sim()
  s.join('', { newId: 'a' })
  s.join('', { newId: 'b' })
  s.join('a')
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.equal(s.synced(s.sync('a', 7))?.errorCode, ErrorCode.ILLEGAL_GENERATION)
  const gen = s.group.generationId
  const follower = s.sync('b', gen)
  assert.equal(s.result(follower), undefined)
  const commit = ++s.token
  s.apply({ type: 'commitOffsets', token: commit, memberId: 'b', groupInstanceId: null, generationId: gen })
  assert.equal(s.result(commit)?.errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
  // Kafka checks the member and its generation first: a commit of the generation before is refused as such.
  const previousGeneration = ++s.token
  s.apply({ type: 'commitOffsets', token: previousGeneration, memberId: 'b', groupInstanceId: null, generationId: gen - 1 })
  assert.equal(s.result(previousGeneration)?.errorCode, ErrorCode.ILLEGAL_GENERATION)
  // The leader never syncs: after the rebalance timeout it is dropped and b's parked sync is told to rejoin.
  s.tick(30_000)
  assert.equal(s.group.state, 'PreparingRebalance')
  assert.deepEqual([...s.group.members.keys()], ['b'])
  assert.equal(s.synced(follower)?.errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
  assert.equal(s.synced(s.sync('b', gen))?.errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
})

test('a failed group write answers parked SyncGroups with the error and rebalances', () => {
  const s = new Sim()
  s.join('', { newId: 'a' })
  const sync = s.sync('a', 1, { a: 'x' })
  s.completeStore(ErrorCode.NOT_COORDINATOR)
  assert.equal(s.synced(sync)?.errorCode, ErrorCode.NOT_COORDINATOR)
  assert.equal(s.group.state, 'PreparingRebalance')
})

test('OffsetCommit checks: standalone commits on Empty, members of the current generation otherwise', () => {
  const s = new Sim()
  const commit = (memberId: string, generationId: number): number => {
    const token = ++s.token
    s.apply({ type: 'commitOffsets', token, memberId, groupInstanceId: null, generationId })
    return s.result(token)?.errorCode ?? NaN
  }
  assert.equal(commit('', -1), ErrorCode.NONE)
  assert.equal(commit('x', 3), ErrorCode.UNKNOWN_MEMBER_ID)
  s.join('', { newId: 'a' })
  s.sync('a', 1)
  s.completeStore()
  assert.equal(commit('', -1), ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal(commit('a', 0), ErrorCode.ILLEGAL_GENERATION)
  s.now += 9000
  assert.equal(commit('a', 1), ErrorCode.NONE)
  s.tick(2000)
  assert.equal(s.group.state, 'Stable', 'the commit counted as a heartbeat')
})

test('DeleteGroups only deletes Empty groups; unload answers parked requests with NOT_COORDINATOR', () => {
  const s = new Sim()
  s.join('', { newId: 'a' })
  const parked = s.join('', { newId: 'b' })
  assert.equal(s.group.state, 'PreparingRebalance')
  const del = ++s.token
  s.apply({ type: 'delete', token: del })
  assert.equal(s.result(del)?.errorCode, ErrorCode.NON_EMPTY_GROUP)
  s.apply({ type: 'unload' })
  assert.equal(s.group.state, 'Dead')
  assert.equal(s.joined(parked)?.errorCode, ErrorCode.NOT_COORDINATOR)
  assert.equal(nextDeadlineMs(s.group), null)

  const e = new Sim()
  const del2 = ++e.token
  e.apply({ type: 'delete', token: del2 })
  assert.equal(e.result(del2)?.errorCode, ErrorCode.NONE)
  assert.equal(e.group.state, 'Dead')
  assert.equal(e.heartbeat('a', 1), ErrorCode.COORDINATOR_NOT_AVAILABLE)
})

test('an event shares every collection it does not edit with the group it was given; pending members are added and removed without copying them; a heartbeat leaves the deadline', () => {
  const s = stableGroupOfTwo()
  for (let i = 0; i < 1000; i++) s.join('', { requireKnown: true, newId: `pending-${i}` })
  const before = s.group
  const token = ++s.token
  s.apply({ type: 'delete', token })
  assert.deepEqual(s.result(token), { errorCode: ErrorCode.NON_EMPTY_GROUP })
  assert.equal(s.group.pendingMembers, before.pendingMembers, 'the 1,000 pending members are not copied')
  assert.equal(s.group.members, before.members)
  assert.equal(nextDeadlineMs(s.group), nextDeadlineMs(before))

  s.heartbeat('a', 1)
  assert.equal(s.group.pendingMembers, before.pendingMembers)
  assert.notEqual(s.group.members, before.members, 'a heartbeat edits its member')
  assert.equal(before.members.get('a')?.lastHeartbeatMs, s.group.members.get('b')?.lastHeartbeatMs, 'on a copy: the given group keeps its member as it was')
  assert.equal(nextDeadlineMs(s.group), nextDeadlineMs(before), 'a heartbeat only ever puts its member\'s expiry later: the deadline stays')

  const joined = s.group
  s.join('', { requireKnown: true, newId: 'one-more' })
  assert.equal(joined.pendingMembers.size, 1000, 'the given group keeps its pending members')
  assert.equal(s.group.pendingMembers.size, 1001)
  assert.ok(s.group.pendingMembers.has('one-more') && !joined.pendingMembers.has('one-more'))
  s.leave('pending-7')
  assert.equal(s.group.pendingMembers.size, 1000)
  assert.ok(joined.pendingMembers.has('pending-7'))
})

test('a tick at the session bound that finds every member alive moves the bound to the earliest session expiry', () => {
  const s = stableGroupOfTwo()
  const bound = s.group.sessionCheckMs
  assert.equal(bound, s.now + 10_000, 'both synced now with 10 s sessions')
  s.now += 4000
  s.heartbeat('a', 1)
  s.heartbeat('b', 1)
  assert.equal(nextDeadlineMs(s.group), bound)
  s.tick(6000)
  assert.equal(s.group.state, 'Stable', 'nobody expired')
  assert.equal(s.group.sessionCheckMs, s.now + 4000)
  assert.equal(nextDeadlineMs(s.group), s.now + 4000)
  s.now += 1000
  s.heartbeat('a', 1)
  s.tick(3000)
  assert.equal(s.group.state, 'PreparingRebalance', 'b lapsed at its expiry')
  assert.deepEqual([...s.group.members.keys()], ['a'])
})

test('a stored group record is not reached by later edits: each draft copies what it edits', () => {
  const s = stableGroupOfTwo()
  const stored = s.effects.findLast(e => e.type === 'storeGroup')
  assert.ok(stored?.type === 'storeGroup')
  const members = [...stored.group.members.values()]
  assert.equal(members.length, 2)
  s.apply({ type: 'leave', token: ++s.token, members: [{ memberId: 'a', groupInstanceId: null }] })
  s.heartbeat('b', 1)
  assert.deepEqual([...stored.group.members.values()], members)
})

test('a pending member id that never comes back is forgotten at its deadline, the earliest first, and the group\'s deadline follows', () => {
  const s = stableGroupOfTwo()
  s.sync('a', 1)
  s.sync('b', 1)
  s.join('', { requireKnown: true, newId: 'late', sessionTimeoutMs: 9000 })
  s.now += 1
  s.join('', { requireKnown: true, newId: 'later', sessionTimeoutMs: 12_000 })
  assert.ok(s.group.pendingMembers.has('late'))
  assert.equal(nextDeadlineMs(s.group), s.now - 1 + 9000)
  s.tick(8998)
  assert.ok(s.group.pendingMembers.has('late'), 'not before its deadline')
  s.tick(1)
  assert.deepEqual([s.group.pendingMembers.has('late'), s.group.pendingMembers.has('later')], [false, true])
  assert.equal(nextDeadlineMs(s.group), s.now - 9000 + 10_000, "now a's and b's sessions come first")
  s.heartbeat('a', 1)
  s.heartbeat('b', 1)
  s.tick(3000)
  assert.ok(s.group.pendingMembers.has('later'))
  s.tick(1)
  assert.equal(s.group.pendingMembers.size, 0)
  assert.equal(s.group.state, 'Stable')
})

test('a pending member that comes back joins; a pending member that leaves, or whose id is forgotten, is no longer waited for', () => {
  for (const how of ['leave', 'expiry'] as const) {
    const s = stableGroupOfTwo()
    s.join('', { requireKnown: true, newId: 'p', sessionTimeoutMs: 6000 })
    s.join('', { requireKnown: true, newId: 'q', sessionTimeoutMs: 6000 })
    const qJoined = s.join('q', { requireKnown: true })
    assert.equal(s.group.state, 'PreparingRebalance', 'q came back: a new member starts a rebalance')
    const rejoined = [s.join('a'), s.join('b')]
    assert.equal(s.group.state, 'PreparingRebalance', 'every member rejoined, but p may still come back')
    if (how === 'leave') {
      const left = s.leave('p')
      assert.deepEqual(s.result(left), { errorCode: ErrorCode.NONE, members: [{ memberId: 'p', groupInstanceId: null, errorCode: ErrorCode.NONE }] })
    } else {
      s.tick(6000)
    }
    assert.equal(s.group.state, 'CompletingRebalance', `the join phase ends once p is gone (${how})`)
    assert.deepEqual([qJoined, ...rejoined].map(t => s.joined(t)?.generationId), [2, 2, 2])
    assert.deepEqual([...s.group.members.keys()].sort(), ['a', 'b', 'q'])
    assert.equal(s.joined(s.join('p', { requireKnown: true }))?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  }
})

// --- group.max.size (KIP-389) ------------------------------------------------------------------

/** The JoinGroup answer Kafka's handleJoinGroup gives a member over group.max.size. */
const refused = { errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' }
const answer = (r: JoinResult | undefined): { errorCode: number, memberId: string } | undefined => r === undefined ? undefined : { errorCode: r.errorCode, memberId: r.memberId }

test('group.max.size: a Stable or CompletingRebalance group at its size refuses new members, with or without a pending id, and takes its own members back', () => {
  const s = stableGroupOfTwo()
  s.cfg = { ...s.cfg, maxSize: 2 }
  assert.deepEqual(answer(s.joined(s.join('', { newId: 'c' }))), refused)
  assert.deepEqual(answer(s.joined(s.join('', { newId: 'd', requireKnown: true }))), refused, 'before MEMBER_ID_REQUIRED')
  assert.equal(s.group.pendingMembers.size, 0, 'no id is handed out')
  assert.equal(s.group.state, 'Stable')
  assert.equal(s.joined(s.join('b'))?.errorCode, ErrorCode.NONE, 'a member of the group is taken back')

  const rejoin = [s.join('a'), s.join('b')]
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.deepEqual(rejoin.map(t => s.joined(t)?.generationId), [2, 2])
  assert.deepEqual(answer(s.joined(s.join('', { newId: 'c' }))), refused)
  assert.equal(s.group.state, 'CompletingRebalance', 'the refused member does not restart the join phase')
  assert.equal(s.joined(s.join('a'))?.errorCode, ErrorCode.NONE)

  const larger = stableGroupOfTwo()
  larger.cfg = { ...larger.cfg, maxSize: 3 }
  assert.equal(larger.joined(larger.join('', { newId: 'c', requireKnown: true }))?.errorCode, ErrorCode.MEMBER_ID_REQUIRED, 'below the size: as before')
})

test('group.max.size: in PreparingRebalance the members already rejoined count; the last to rejoin is refused and removed, and the join phase completes without it', () => {
  const s = stableGroupOfTwo()
  s.cfg = { ...s.cfg, maxSize: 2 }
  const a = s.join('a') // the leader rejoining starts a rebalance
  assert.equal(s.group.state, 'PreparingRebalance')
  const c = s.join('', { newId: 'c' })
  assert.equal(s.joined(c), undefined, 'one rejoined of two: c is taken')
  const b = s.join('b')
  assert.deepEqual(answer(s.joined(b)), refused, 'b is a member, but two have rejoined already')
  assert.equal(s.group.state, 'CompletingRebalance', 'b removed, everyone left has rejoined')
  assert.deepEqual([...s.group.members.keys()], ['a', 'c'])
  assert.deepEqual([s.joined(a)?.generationId, s.joined(c)?.generationId], [2, 2])
  assert.deepEqual(s.joined(a)?.members.map(m => m.memberId), ['a', 'c'])
  assert.equal(s.heartbeat('b', 1), ErrorCode.UNKNOWN_MEMBER_ID)
  const again = s.join('a')
  assert.equal(s.joined(again)?.errorCode, ErrorCode.NONE, 'a rejoined member is accepted again')
})

test('group.max.size: an Empty group always accepts; a pending id that comes back to a full join phase is refused and forgotten', () => {
  const s = new Sim({ ...config, maxSize: 1, initialRebalanceDelayMs: 3000 })
  s.join('', { requireKnown: true, newId: 'p' })
  s.join('', { requireKnown: true, newId: 'q' })
  assert.equal(s.group.pendingMembers.size, 2, 'Empty: both get an id')
  const p = s.join('p', { requireKnown: true })
  assert.equal(s.group.state, 'PreparingRebalance')
  const q = s.join('q', { requireKnown: true })
  assert.deepEqual(answer(s.joined(q)), refused)
  assert.equal(s.group.pendingMembers.size, 0, 'q is forgotten')
  s.tick(3000)
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.deepEqual([s.joined(p)?.errorCode, [...s.group.members.keys()]], [ErrorCode.NONE, ['p']])
})

test('group.max.size: a group loaded with more members than it allows rebalances at once, and the first to rejoin keep their places', () => {
  const s = new Sim()
  s.join('', { newId: 'a' })
  const joins = [s.join('', { newId: 'b' }), s.join('', { newId: 'c' }), s.join('a')]
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.deepEqual(joins.map(t => s.joined(t)?.generationId), [2, 2, 2])
  s.sync('a', 2, { a: 'A', b: 'B', c: 'C' })
  s.completeStore()
  assert.equal(s.group.state, 'Stable')

  s.apply({ type: 'load' })
  assert.equal(s.group.state, 'Stable', 'within the limit: nothing happens')
  s.cfg = { ...s.cfg, maxSize: 2 }
  s.apply({ type: 'load' })
  assert.equal(s.group.state, 'PreparingRebalance')
  assert.deepEqual(s.group.rebalance, { startedMs: s.now, reason: 'loaded group over capacity' })
  assert.equal(s.heartbeat('c', 2), ErrorCode.REBALANCE_IN_PROGRESS)
  const [c, a] = [s.join('c'), s.join('a')]
  assert.deepEqual(answer(s.joined(s.join('b'))), refused)
  assert.equal(s.group.state, 'CompletingRebalance')
  assert.deepEqual([...s.group.members.keys()].sort(), ['a', 'c'])
  assert.deepEqual([s.joined(c)?.generationId, s.joined(a)?.generationId], [3, 3])
})
