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
import { CoordinatorPartition, type CoordinatorConfig } from './coordinator-partition.js'
import type { GroupRequest } from './group.js'

const config: CoordinatorConfig = {
  group: { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 300_000, initialRebalanceDelayMs: 0 },
  offsetsRetentionMs: 60 * 60_000,
  offsetsRetentionCheckIntervalMs: 60_000,
  commitTimeoutMs: 5000,
}

function setup (t: { after: (fn: () => void) => void }, logger: Logger = silentLogger()): { partition: Partition, scheduler: ManualScheduler, open: () => Promise<CoordinatorPartition> } {
  const { log } = openTestLog(t)
  const partition = new Partition('__consumer_offsets', 0, 'id', log, 1)
  partition.applyState({ topic: '__consumer_offsets', partition: 0, replicas: [1], leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, stateVersion: 0 }, 0)
  const scheduler = new ManualScheduler()
  const open = async (): Promise<CoordinatorPartition> => {
    const cp = new CoordinatorPartition(partition, { replicas: { waitForData: async () => {} }, scheduler, config, log: logger })
    await cp.load()
    return cp
  }
  return { partition, scheduler, open }
}

const join = (memberId: string) => (token: number): GroupRequest<'join'> => ({
  type: 'join', token, memberId, groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000,
  protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }], requireKnownMemberId: false, newMemberId: 'm1',
})

/** Lets the appends' replication waits and the follow-up events run. */
const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve)) }

test('a member whose heartbeats stop is removed by the timer at its session timeout; the group and offsets reload from the log', async t => {
  const { scheduler, open } = setup(t)
  const cp = await open()
  cp.getOrCreateGroup('g')
  const joined = await cp.request('g', 'join', join(''))
  assert.equal(joined.errorCode, ErrorCode.NONE)
  const synced = await cp.request('g', 'sync', token => ({ type: 'sync', token, memberId: 'm1', groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: new Map([['m1', Buffer.from('P0')]]) }))
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
  const parked = cp.request('g', 'sync', token => ({ type: 'sync', token, memberId: 'm1', groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: new Map() }))
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
