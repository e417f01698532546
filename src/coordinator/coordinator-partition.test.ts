import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import winston from 'winston'
import { silentLogger, type Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { crc32c } from '../protocol/primitives/crc32c.js'
import { buildRecordBatch } from '../protocol/records/record.js'
import { Partition } from '../replication/partition.js'
import { openTestLog } from '../storage/support/temp-log.js'
import { ManualScheduler } from '../support/manual-scheduler.js'
import { replayCoordinatorLog } from './coordinator-log.js'
import { CoordinatorPartition, type CoordinatorConfig, type GroupCoordinatorStats } from './coordinator-partition.js'
import { parseCoordinatorRecord } from './coordinator-record.js'
import type { GroupConfig, GroupRequest } from './group.js'

const config: CoordinatorConfig = {
  group: { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 300_000, initialRebalanceDelayMs: 0, maxSize: 2_147_483_647 },
  offsetsRetentionMs: 60 * 60_000,
  offsetsRetentionCheckIntervalMs: 60_000,
  commitTimeoutMs: 5000,
}

function setup (t: { after: (fn: () => void) => void }, logger: Logger = silentLogger()): { partition: Partition, scheduler: ManualScheduler, stats: GroupCoordinatorStats, open: (group?: Partial<GroupConfig>) => Promise<CoordinatorPartition> } {
  const { log } = openTestLog(t)
  const partition = new Partition('__consumer_offsets', 0, 'id', log, 1)
  partition.applyState({ topic: '__consumer_offsets', partition: 0, replicas: [1], leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, stateVersion: 0 }, 0)
  const scheduler = new ManualScheduler()
  const stats: GroupCoordinatorStats = { completedRebalances: 0 }
  const open = async (group: Partial<GroupConfig> = {}): Promise<CoordinatorPartition> => {
    const cp = new CoordinatorPartition(partition, { replicas: { waitForData: async () => {} }, scheduler, config: { ...config, group: { ...config.group, ...group } }, log: logger, stats })
    await cp.load()
    return cp
  }
  return { partition, scheduler, stats, open }
}

/** A JoinGroup; a new member (memberId '') gets `newMemberId`; v4+ ones ask a new member to come back with it. */
const join = (memberId: string, newMemberId = 'm1', { requireKnownMemberId = false, sessionTimeoutMs = 10_000 } = {}) => (token: number): GroupRequest<'join'> => ({
  type: 'join', token, memberId, groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs, rebalanceTimeoutMs: 20_000,
  protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }], requireKnownMemberId, newMemberId,
})

const heartbeat = (memberId: string, generationId: number) => (token: number): GroupRequest<'heartbeat'> => ({ type: 'heartbeat', token, memberId, groupInstanceId: null, generationId })

/** A SyncGroup; the leader's carries the assignments. */
const sync = (memberId: string, generationId: number, assignments: Record<string, string> = {}) => (token: number): GroupRequest<'sync'> => ({
  type: 'sync', token, memberId, groupInstanceId: null, generationId, protocolType: null, protocolName: null, assignments: new Map(Object.entries(assignments).map(([id, a]) => [id, Buffer.from(a)])),
})

/**
 * The currentStateTimestamp of each generation's first group record in the log: the record a
 * reader of __consumer_offsets (the dashboard's timeline) makes that generation's entry from.
 */
async function firstRecordTimestamps (partition: Partition): Promise<Map<number, number>> {
  const out = new Map<number, number>()
  await replayCoordinatorLog(partition, () => true, (_batch, records) => {
    for (const r of records) {
      const rec = parseCoordinatorRecord(r.key!, r.value)
      if (rec.type === 'group' && rec.value !== null && !out.has(rec.value.generation)) out.set(rec.value.generation, rec.value.currentStateTimestamp)
    }
  }, silentLogger())
  return out
}

/** Lets the appends' replication waits and the follow-up events run. */
const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve)) }

test('a member whose heartbeats stop is removed by the timer at its session timeout; the group and offsets reload from the log', async t => {
  const { scheduler, open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g')
  const joined = await cp.request('g', 'join', join(''))
  assert.equal(joined.errorCode, ErrorCode.NONE)
  const synced = await cp.request('g', 'sync', sync('m1', 1, { m1: 'P0' }))
  assert.equal(synced.assignment.toString(), 'P0')
  assert.equal(cp.groups.get('g')?.state, 'Stable')
  assert.equal(await cp.writeOffsets('g', [{ topic: 't', partition: 0, value: { offset: 7, leaderEpoch: -1, metadata: 'x', commitTimestampMs: scheduler.now(), expireTimestampMs: null } }]), ErrorCode.NONE)

  scheduler.advance(9_999)
  assert.equal(cp.groups.get('g')?.state, 'Stable')
  scheduler.advance(1)
  assert.equal(cp.groups.get('g')?.state, 'Empty', 'session expired: the only member is gone, the join phase ends empty')
  assert.equal(cp.groups.get('g')?.generationId, 2)
  await settle()

  cp.unload()
  assert.equal(cp.status, 'unloaded')
  const reloaded = await open()
  assert.equal(reloaded.groups.get('g')?.state, 'Empty')
  assert.equal(reloaded.groups.get('g')?.generationId, 2, 'the empty group record written at the end of the rebalance')
  assert.deepEqual(reloaded.offsets.get('g', 't', 0)?.offset, 7)
  reloaded.unload()
})

test('a rebalance is timed on the coordinator\'s clock from leaving Stable or Empty until Stable again; a restarted join phase is the same rebalance; one ending Empty is not completed', async t => {
  const { partition, scheduler, stats, open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g')
  const last = () => cp.groups.get('g')?.lastRebalance

  // from Empty: m1 alone completes the join phase at once; its SyncGroup, 30 ms later, makes the group Stable
  const firstJoinEnded = scheduler.now()
  assert.equal((await cp.request('g', 'join', join('', 'm1'))).generationId, 1)
  scheduler.advance(30)
  await cp.request('g', 'sync', sync('m1', 1, { m1: 'P0,P1' }))
  assert.deepEqual(last(), { generationId: 1, durationMs: 30, reason: 'member joined', joinEndedMs: firstJoinEnded })
  assert.equal((await firstRecordTimestamps(partition)).get(1), firstJoinEnded, 'the time the generation\'s group record carries')

  // m2 joins the Stable group; m1 learns it from a heartbeat 1.2 s later and rejoins
  const started = scheduler.now()
  const m2Joined = cp.request('g', 'join', join('', 'm2'))
  assert.deepEqual(cp.groups.get('g')?.rebalance, { startedMs: started, reason: 'member joined' })
  scheduler.advance(1200)
  assert.equal((await cp.request('g', 'heartbeat', token => ({ type: 'heartbeat', token, memberId: 'm1', groupInstanceId: null, generationId: 1 }))).errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
  const m1Joined = await cp.request('g', 'join', join('m1'))
  assert.equal(m1Joined.generationId, 2)
  assert.equal((await m2Joined).generationId, 2)
  // m3 arrives before the leader's SyncGroup: the join phase starts over, the rebalance goes on
  scheduler.advance(40)
  const m3Joined = cp.request('g', 'join', join('', 'm3'))
  assert.equal(cp.groups.get('g')?.state, 'PreparingRebalance')
  assert.deepEqual(cp.groups.get('g')?.rebalance, { startedMs: started, reason: 'member joined' }, 'its start and first reason stay')
  scheduler.advance(300)
  const rejoined = await Promise.all([cp.request('g', 'join', join('m1')), cp.request('g', 'join', join('m2')), m3Joined])
  assert.deepEqual(rejoined.map(j => j.generationId), [3, 3, 3])
  assert.equal(last()?.generationId, 1, 'CompletingRebalance is not Stable: nothing completed yet')
  scheduler.advance(10)
  const followerSynced = cp.request('g', 'sync', sync('m2', 3))
  scheduler.advance(15)
  await cp.request('g', 'sync', sync('m1', 3, { m1: 'P0', m2: 'P1', m3: '' }))
  assert.equal((await followerSynced).assignment.toString(), 'P1')
  assert.equal(cp.groups.get('g')?.state, 'Stable')
  assert.deepEqual(last(), { generationId: 3, durationMs: 1200 + 40 + 300 + 10 + 15, reason: 'member joined', joinEndedMs: started + 1200 + 40 + 300 }, 'the restarted join phase\'s end')
  assert.equal((await firstRecordTimestamps(partition)).get(3), started + 1200 + 40 + 300)
  assert.equal(cp.groups.get('g')?.rebalance, null)
  assert.equal(stats.completedRebalances, 2)

  // m3 never heartbeats: the scheduler's timer expires its session and starts the next rebalance
  await cp.request('g', 'sync', sync('m3', 3))
  const m3SyncedAt = scheduler.now()
  scheduler.advance(5000)
  for (const m of ['m1', 'm2']) await cp.request('g', 'heartbeat', token => ({ type: 'heartbeat', token, memberId: m, groupInstanceId: null, generationId: 3 }))
  scheduler.advance(5000)
  assert.deepEqual(cp.groups.get('g')?.rebalance, { startedMs: m3SyncedAt + 10_000, reason: 'member session expired' })
  scheduler.advance(700)
  await Promise.all([cp.request('g', 'join', join('m1')), cp.request('g', 'join', join('m2'))])
  await cp.request('g', 'sync', sync('m1', 4, { m1: 'P0', m2: 'P1' }))
  assert.deepEqual(last(), { generationId: 4, durationMs: 700, reason: 'member session expired', joinEndedMs: m3SyncedAt + 10_700 })
  assert.equal((await firstRecordTimestamps(partition)).get(4), m3SyncedAt + 10_700)

  // both leave: the rebalance ends Empty, which is not a completed one
  await cp.request('g', 'leave', token => ({ type: 'leave', token, members: [{ memberId: 'm1', groupInstanceId: null }, { memberId: 'm2', groupInstanceId: null }] }))
  assert.equal(cp.groups.get('g')?.state, 'Empty')
  assert.equal(cp.groups.get('g')?.rebalance, null)
  assert.equal(last()?.generationId, 4, 'the last completed rebalance is kept while the group lives')
  assert.equal(stats.completedRebalances, 3)
  await settle()
  cp.unload()
})

test('offsets of a group left Empty expire after offsets.retention.minutes, and the group with them', async t => {
  const { scheduler, open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g', 'consumer')
  await cp.writeOffsets('g', [{ topic: 't', partition: 0, value: { offset: 1, leaderEpoch: -1, metadata: '', commitTimestampMs: scheduler.now(), expireTimestampMs: null } }])
  scheduler.advance(59 * 60_000)
  await settle()
  assert.equal(cp.offsets.get('g', 't', 0)?.offset, 1)
  scheduler.advance(60_000)
  await settle()
  assert.equal(cp.offsets.get('g', 't', 0), undefined)
  assert.equal(cp.groups.has('g'), false)
  cp.unload()
  const reloaded = await open()
  assert.equal(reloaded.groups.size, 0, 'tombstones keep them deleted after a reload')
  reloaded.unload()
})

test('unloading answers parked requests with NOT_COORDINATOR; writes after it are refused', async t => {
  const { open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g')
  await cp.request('g', 'join', join(''))
  const parked = cp.request('g', 'sync', sync('m1', 1))
  cp.unload()
  assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR)
  assert.equal(await cp.writeOffsets('g', [{ topic: 't', partition: 0, value: null }]), ErrorCode.NOT_COORDINATOR)
})

test('loading skips records and batches it cannot decode, logs them, and serves the groups around them', async t => {
  const logged: Array<Record<string, unknown>> = []
  const log = winston.createLogger({ transports: [new winston.transports.Stream({ stream: new Writable({ objectMode: true, write: (info: Record<string, unknown>, _encoding, done) => { logged.push(info); done() } }) })] })
  const { partition, scheduler, open } = setup(t, log)
  const cp = await open()
  const commit = (offset: number) => ({ offset, leaderEpoch: -1, metadata: '', commitTimestampMs: scheduler.now(), expireTimestampMs: null })
  assert.equal(await cp.writeOffsets('before', [{ topic: 't', partition: 0, value: commit(3) }]), ErrorCode.NONE)
  // An OffsetCommitKey v1 cut short, beside a record that decodes; then a batch whose gzip payload is not gzip.
  const badKey = Buffer.from([0, 1, 0, 9, 0x67])
  assert.equal(partition.appendRecordsAsLeader(buildRecordBatch({ records: [{ key: badKey, value: Buffer.from('junk') }] }), 1).errorCode, ErrorCode.NONE)
  const notGzip = buildRecordBatch({ records: [{ key: 'k', value: 'v' }] })
  notGzip.writeInt16BE(1, 21)
  notGzip.writeUInt32BE(crc32c(notGzip, 21, notGzip.length), 17)
  assert.equal(partition.appendRecordsAsLeader(notGzip, 1).errorCode, ErrorCode.NONE)
  assert.equal(await cp.writeOffsets('after', [{ topic: 't', partition: 1, value: commit(5) }]), ErrorCode.NONE)
  cp.unload()

  const reloaded = await open()
  assert.equal(reloaded.status, 'active', 'the partition loads despite the undecodable record and batch')
  assert.equal(reloaded.offsets.get('before', 't', 0)?.offset, 3)
  assert.equal(reloaded.offsets.get('after', 't', 1)?.offset, 5)
  assert.equal(await reloaded.writeOffsets('after', [{ topic: 't', partition: 1, value: commit(6) }]), ErrorCode.NONE, 'and takes new commits')
  const skipped = logged.filter(l => l.message === 'skipped undecodable record' || l.message === 'skipped undecodable batch')
  assert.deepEqual(skipped.map(l => [l.message, l.offset ?? l.baseOffset]), [['skipped undecodable record', 1], ['skipped undecodable batch', 2]])
  assert.match(String(skipped[0]?.error), /OffsetCommitKey/)
  reloaded.unload()
})

test('the group\'s timer forgets each pending member id at its deadline, moves earlier for an earlier one, and stays where it is for later ones and heartbeats', async t => {
  const { scheduler, open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g')
  await cp.request('g', 'join', join(''))
  await cp.request('g', 'sync', sync('m1', 1, { m1: 'P0' }))
  const scheduled: number[] = []
  const schedule = scheduler.schedule
  scheduler.schedule = (task, delayMs) => { scheduled.push(scheduler.now() + delayMs); return schedule(task, delayMs) }
  const pending = () => cp.groups.get('g')?.pendingMembers
  const t0 = scheduler.now()

  for (let i = 0; i < 100; i++) assert.equal((await cp.request('g', 'join', join('', `p${i}`, { requireKnownMemberId: true, sessionTimeoutMs: 30_000 }))).errorCode, ErrorCode.MEMBER_ID_REQUIRED)
  await cp.request('g', 'heartbeat', heartbeat('m1', 1))
  assert.deepEqual(scheduled, [], 'm1\'s session, at t0 + 10 s, still comes first')
  scheduler.advance(1)
  await cp.request('g', 'join', join('', 'soon', { requireKnownMemberId: true, sessionTimeoutMs: 6000 }))
  assert.deepEqual(scheduled, [t0 + 6001], 'an id forgotten before that moves the timer')

  scheduler.advance(6000)
  assert.deepEqual([pending()?.has('soon'), pending()?.size], [false, 100])
  assert.equal(cp.groups.get('g')?.state, 'Stable')
  for (let at = 9000; at < 30_000; at += 9000) {
    await cp.request('g', 'heartbeat', heartbeat('m1', 1))
    scheduler.advance(t0 + at - scheduler.now())
  }
  await cp.request('g', 'heartbeat', heartbeat('m1', 1))
  scheduler.advance(t0 + 29_999 - scheduler.now())
  assert.equal(pending()?.size, 100)
  scheduler.advance(1)
  assert.equal(pending()?.size, 0, 'the 100 ids, all due at t0 + 30 s, go in one tick')
  assert.equal(cp.groups.get('g')?.state, 'Stable')
  cp.unload()
})

test('a group loaded with more members than group.max.size rebalances at once; the members rejoining past the limit are refused', async t => {
  const { open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g')
  const joined = Promise.all(['a', 'b', 'c'].map(async id => await cp.request('g', 'join', join('', id))))
  await cp.request('g', 'join', join('a'))
  assert.deepEqual((await joined).map(j => j.generationId), [1, 2, 2], 'a alone made generation 1; b and c joined the next with a')
  await cp.request('g', 'sync', sync('a', 2, { a: 'A', b: 'B', c: 'C' }))
  assert.equal(cp.groups.get('g')?.members.size, 3)
  await settle()
  cp.unload()

  const loaded = await open({ maxSize: 3 })
  assert.equal(loaded.groups.get('g')?.state, 'Stable', 'within the limit')
  loaded.unload()
  const lowered = await open({ maxSize: 2 })
  assert.equal(lowered.groups.get('g')?.state, 'PreparingRebalance')
  assert.equal(lowered.groups.get('g')?.rebalance?.reason, 'loaded group over capacity')
  const rejoined = [lowered.request('g', 'join', join('b')), lowered.request('g', 'join', join('c'))]
  const refused = await lowered.request('g', 'join', join('a'))
  assert.deepEqual([refused.errorCode, refused.memberId], [ErrorCode.GROUP_MAX_SIZE_REACHED, ''])
  assert.deepEqual((await Promise.all(rejoined)).map(j => [j.errorCode, j.generationId]), [[ErrorCode.NONE, 3], [ErrorCode.NONE, 3]])
  assert.deepEqual([...lowered.groups.get('g')?.members.keys() ?? []], ['b', 'c'])
  await settle()
  lowered.unload()
})
