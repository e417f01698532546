import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import type { CoordinatorTransport } from './coordinator-channel.js'
import { GroupMembership, type GroupProtocol, type MemberState } from './group-membership.js'

type Handler = (value: any, membership: GroupMembership) => any

/** A coordinator as a script: each API key's answers in order; every request and state is recorded. */
class FakeCoordinator implements CoordinatorTransport {
  readonly sent: Array<{ apiKey: number, value: any, state: MemberState }> = []
  unknownMarks = 0
  membership!: GroupMembership
  constructor (private readonly script: Record<number, Handler[]>) {}

  async send (request: { apiKey: number }, _response: unknown, _versions: unknown, value: unknown): Promise<any> {
    this.sent.push({ apiKey: request.apiKey, value, state: this.membership.state })
    const next = this.script[request.apiKey]?.shift()
    if (next === undefined) throw new Error(`unexpected request with api key ${request.apiKey}`)
    return next(value, this.membership)
  }

  markUnknown (): void { this.unknownMarks++ }
}

const JOIN = 11
const HEARTBEAT = 12
const LEAVE = 13
const SYNC = 14

function setup (script: Record<number, Handler[]>, instanceId: string | null = null): { fake: FakeCoordinator, membership: GroupMembership } {
  const fake = new FakeCoordinator(script)
  const membership = new GroupMembership(fake, { groupId: 'g', groupInstanceId: instanceId, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000, requestTimeoutMs: 30_000, retryBackoffMs: 1, unreachableTimeoutMs: 60_000 })
  fake.membership = membership
  return { fake, membership }
}

function protocol (assigned: string[] = []): GroupProtocol & { assigned: string[] } {
  return {
    protocolType: 'consumer',
    assigned,
    protocols: () => [{ name: 'range', metadata: Buffer.from('sub') }],
    async assign (_name, members) {
      assigned.push(...members.map(m => m.memberId))
      return new Map(members.map(m => [m.memberId, Buffer.from(`for ${m.memberId}`)]))
    },
  }
}

const joined = (memberId: string, leader: string, generationId = 1): Handler => () => ({
  errorCode: 0, generationId, protocolName: 'range', leader, memberId, skipAssignment: false, members: leader === memberId ? [{ memberId, groupInstanceId: null, metadata: Buffer.from('sub') }] : [],
})
const synced = (errorCode = 0): Handler => v => ({ errorCode, assignment: errorCode === 0 ? Buffer.from(`for ${v.memberId as string}`) : Buffer.alloc(0) })
const code = (errorCode: number): Handler => () => ({ errorCode, memberId: '', generationId: -1, leader: '', protocolName: null, members: [] })

test('join: MEMBER_ID_REQUIRED, then a second JoinGroup with the given id; the leader assigns in SyncGroup and the member is STABLE', async () => {
  const { fake, membership } = setup({
    [JOIN]: [() => ({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'm-1', generationId: -1, leader: '', protocolName: null, members: [] }), joined('m-1', 'm-1')],
    [SYNC]: [synced()],
  })
  const p = protocol()
  const generation = await membership.join(p, 'test')
  assert.deepEqual(fake.sent.map(s => [s.apiKey, s.value.memberId, s.state]), [[JOIN, '', 'PREPARING_REBALANCE'], [JOIN, 'm-1', 'PREPARING_REBALANCE'], [SYNC, 'm-1', 'COMPLETING_REBALANCE']])
  assert.deepEqual(fake.sent[2]!.value.assignments.map((a: any) => [a.memberId, a.assignment.toString()]), [['m-1', 'for m-1']])
  assert.deepEqual(p.assigned, ['m-1'])
  assert.equal(generation.isLeader, true)
  assert.equal(generation.assignment.toString(), 'for m-1')
  assert.equal(membership.state, 'STABLE')
  assert.equal(membership.rejoinNeeded, false)
  assert.equal(membership.generationId, 1)
})

test('join: a follower sends no assignments; SyncGroup REBALANCE_IN_PROGRESS joins again with the same member id', async () => {
  const { fake, membership } = setup({ [JOIN]: [joined('f', 'leader', 4), joined('f', 'leader', 5)], [SYNC]: [synced(ErrorCode.REBALANCE_IN_PROGRESS), synced()] })
  const p = protocol()
  const generation = await membership.join(p, 'test')
  assert.deepEqual(p.assigned, [])
  assert.deepEqual(fake.sent.map(s => [s.apiKey, s.value.memberId, s.value.generationId ?? null]), [[JOIN, '', null], [SYNC, 'f', 4], [JOIN, 'f', null], [SYNC, 'f', 5]])
  assert.deepEqual(fake.sent[1]!.value.assignments, [])
  assert.equal(generation.generationId, 5)
  assert.equal(membership.state, 'STABLE')
})

test('join: UNKNOWN_MEMBER_ID forgets the id; coordinator errors and a lost connection find the coordinator again', async () => {
  const { fake, membership } = setup({
    [JOIN]: [code(ErrorCode.NOT_COORDINATOR), () => { throw new KafkaError(ErrorCode.NETWORK_EXCEPTION, 'connection closed') }, code(ErrorCode.UNKNOWN_MEMBER_ID), joined('m-2', 'm-2')],
    [SYNC]: [synced()],
  })
  membership.memberId = 'stale'
  await membership.join(protocol(), 'test')
  assert.equal(fake.unknownMarks, 2)
  assert.deepEqual(fake.sent.filter(s => s.apiKey === JOIN).map(s => s.value.memberId), ['stale', 'stale', 'stale', ''])
})

test('join: a fatal error (INCONSISTENT_GROUP_PROTOCOL) throws with its code', async () => {
  const { membership } = setup({ [JOIN]: [code(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)] })
  await assert.rejects(membership.join(protocol(), 'test'), (err: KafkaError) => err.code === ErrorCode.INCONSISTENT_GROUP_PROTOCOL && /INCONSISTENT_GROUP_PROTOCOL/.test(err.message))
  assert.equal(membership.state, 'UNJOINED')
})

test('heartbeat: REBALANCE_IN_PROGRESS asks for a rejoin keeping the generation; ILLEGAL_GENERATION drops it; UNKNOWN_MEMBER_ID drops the id too', async () => {
  const { fake, membership } = setup({
    [JOIN]: [joined('m', 'm', 7)],
    [SYNC]: [synced()],
    [HEARTBEAT]: [() => ({ errorCode: 0 }), () => ({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS }), () => ({ errorCode: ErrorCode.ILLEGAL_GENERATION })],
  })
  await membership.join(protocol(), 'test')
  assert.equal(await membership.heartbeat(), ErrorCode.NONE)
  assert.equal(membership.rejoinNeeded, false)
  assert.equal(await membership.heartbeat(), ErrorCode.REBALANCE_IN_PROGRESS)
  assert.deepEqual([membership.rejoinNeeded, membership.state, membership.generationId, membership.memberId], [true, 'STABLE', 7, 'm'])
  assert.equal(await membership.heartbeat(), ErrorCode.ILLEGAL_GENERATION)
  assert.deepEqual([membership.state, membership.generationId, membership.memberId, membership.hasGeneration], ['UNJOINED', -1, 'm', false])
  assert.equal(await membership.heartbeat(), ErrorCode.NONE, 'no heartbeat without a generation')
  assert.equal(fake.sent.filter(s => s.apiKey === HEARTBEAT).length, 3)
  assert.deepEqual(fake.sent.find(s => s.apiKey === HEARTBEAT)!.value, { groupId: 'g', generationId: 7, memberId: 'm', groupInstanceId: null })
  membership.onMemberError(ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal(membership.memberId, '')
})

test('heartbeat: FENCED_INSTANCE_ID is fatal', async () => {
  const { membership } = setup({ [JOIN]: [joined('m', 'm')], [SYNC]: [synced()], [HEARTBEAT]: [() => ({ errorCode: ErrorCode.FENCED_INSTANCE_ID })] }, 'instance-1')
  await membership.join(protocol(), 'test')
  await assert.rejects(membership.heartbeat(), (err: KafkaError) => err.code === ErrorCode.FENCED_INSTANCE_ID)
})

test('leave: a dynamic member sends LeaveGroup with its id and is UNJOINED; a static member leaves silently (KIP-345)', async () => {
  const { fake, membership } = setup({ [JOIN]: [joined('m', 'm')], [SYNC]: [synced()], [LEAVE]: [() => ({ errorCode: 0, members: [] })] })
  await membership.join(protocol(), 'test')
  await membership.leave('closing')
  assert.deepEqual(fake.sent.at(-1)!.value, { groupId: 'g', memberId: 'm', members: [{ memberId: 'm', groupInstanceId: null, reason: 'closing' }] })
  assert.deepEqual([membership.state, membership.memberId, membership.generationId], ['UNJOINED', '', -1])

  const stat = setup({ [JOIN]: [joined('s', 's')], [SYNC]: [synced()] }, 'instance-1')
  await stat.membership.join(protocol(), 'test')
  await stat.membership.leave('closing')
  assert.equal(stat.fake.sent.filter(s => s.apiKey === LEAVE).length, 0)
  assert.equal(stat.fake.sent[0]!.value.groupInstanceId, 'instance-1')
})
