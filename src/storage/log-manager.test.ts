import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../logger.js'
import { defaultLogConfig } from './log-config.js'
import { CLEAN_SHUTDOWN_FILE, LogManager, type LogManagerTimers } from './log-manager.js'
import { buildTestBatch } from './support/sample-batch.js'

const TOPIC_ID = 'q6Xx1ENUQ6-vvMJ2FJQ3Bw'

function fakeTimers (): LogManagerTimers & { fire: () => void, count: () => number } {
  const tasks = new Map<number, () => void>()
  let next = 0
  return {
    setInterval: (task) => { tasks.set(++next, task); return next },
    clearInterval: (handle) => { tasks.delete(handle as number) },
    fire: () => { for (const task of tasks.values()) task() },
    count: () => tasks.size,
  }
}

function logDirs (t: { after: (fn: () => void) => void }): string[] {
  const root = mkdtempSync(join(tmpdir(), 'log-manager-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  return [join(root, 'a'), join(root, 'b')]
}

test('creates logs across log dirs, checkpoints them, and reloads them after a clean shutdown', async (t) => {
  const dirs = logDirs(t)
  const timers = fakeTimers()
  const manager = LogManager.open({ logDirs: dirs, logConfig: () => defaultLogConfig, logger: silentLogger(), timers })
  manager.startup()
  assert.equal(timers.count(), 5)
  const p0 = manager.getOrCreateLog('users', 0, TOPIC_ID, defaultLogConfig)
  const p1 = manager.getOrCreateLog('users', 1, TOPIC_ID, defaultLogConfig)
  assert.notEqual(p0.dir.slice(0, -8), p1.dir.slice(0, -8), 'spread over both log dirs')
  assert.equal(manager.getOrCreateLog('users', 0, TOPIC_ID, defaultLogConfig), p0)
  assert.throws(() => manager.getOrCreateLog('users', 0, 'AAAAAAAAAAAAAAAAAAAAAA', defaultLogConfig), /topic id/)
  assert.match(readFileSync(join(p0.dir, 'partition.metadata'), 'utf8'), /^version: 0\ntopic_id: q6Xx1ENUQ6-vvMJ2FJQ3Bw\n$/)
  p0.appendAsLeader(buildTestBatch({ recordCount: 4 }), 0)
  p0.highWatermark = 3
  timers.fire()
  await manager.shutdown()
  assert.equal(timers.count(), 0)
  const dirOf0 = p0.dir.slice(0, -'/users-0'.length)
  assert.ok(existsSync(join(dirOf0, CLEAN_SHUTDOWN_FILE)))
  assert.equal(readFileSync(join(dirOf0, 'replication-offset-checkpoint'), 'utf8'), '0\n1\nusers 0 3\n')
  assert.equal(readFileSync(join(dirOf0, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n1\nusers 0 4\n')
  assert.equal(readFileSync(join(dirOf0, 'log-start-offset-checkpoint'), 'utf8'), '0\n1\nusers 0 0\n')

  const reopened = LogManager.open({ logDirs: dirs, logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  assert.equal(existsSync(join(dirOf0, CLEAN_SHUTDOWN_FILE)), false, 'the marker is consumed at load')
  const again = reopened.getLog('users', 0)!
  assert.equal(again.logEndOffset, 4)
  assert.equal(again.highWatermark, 3)
  assert.equal(reopened.allLogs().length, 2)
  reopened.deleteLog('users', 1)
  assert.equal(reopened.getLog('users', 1), undefined)
  await reopened.shutdown()
})

test('periodic retention deletes segments of every log', async (t) => {
  const dirs = logDirs(t)
  let nowMs = 50_000_000
  const timers = fakeTimers()
  const config = { ...defaultLogConfig, 'segment.bytes': 300, 'retention.ms': 1000 }
  const manager = LogManager.open({ logDirs: dirs, logConfig: () => config, logger: silentLogger(), timers, now: () => nowMs })
  manager.startup()
  const log = manager.getOrCreateLog('events', 0, TOPIC_ID, config)
  for (let i = 0; i < 4; i++) log.appendAsLeader(buildTestBatch({ recordCount: 2, valueBytes: 100, firstTimestamp: nowMs }), 0)
  log.highWatermark = log.logEndOffset
  const segments = log.segmentCount
  assert.ok(segments > 1)
  timers.fire()
  assert.equal(log.segmentCount, segments)
  nowMs += 5000
  timers.fire()
  assert.equal(log.segmentCount, 1)
  assert.equal(log.logStartOffset, 6)
  await manager.shutdown()
})

test('without the clean-shutdown marker logs are recovered from their checkpointed recovery point', async (t) => {
  const dirs = logDirs(t).slice(0, 1)
  const manager = LogManager.open({ logDirs: dirs, logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  const log = manager.getOrCreateLog('users', 0, TOPIC_ID, defaultLogConfig)
  for (let i = 0; i < 3; i++) log.appendAsLeader(buildTestBatch({ recordCount: 2 }), 0)
  await manager.writeCheckpoints()
  // A crash: files stay open, no marker. Garbage lands at the end of the active segment.
  appendFileSync(join(log.dir, '00000000000000000000.log'), Buffer.alloc(40, 0xee))
  const restarted = LogManager.open({ logDirs: dirs, logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  assert.equal(restarted.getLog('users', 0)!.logEndOffset, 6)
  await restarted.shutdown()
  log.close()
})

test('checkpoints are written one at a time off the event loop; one asked for while another is being written has the offsets of when it starts', async (t) => {
  const [dir] = logDirs(t)
  const manager = LogManager.open({ logDirs: [dir!], logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  const log = manager.getOrCreateLog('users', 0, TOPIC_ID, defaultLogConfig)
  for (let i = 0; i < 3; i++) log.appendAsLeader(buildTestBatch({ recordCount: 2 }), 0)
  log.highWatermark = 6
  const periodic = manager.writeCheckpoints()
  await new Promise(resolve => setImmediate(resolve)) // it has read its offsets and is writing (fsync takes longer than a turn)
  // DeleteRecords and its own checkpoint meanwhile: written after the periodic one, never under it.
  assert.equal(log.deleteRecordsBefore(4).errorCode, 0)
  const afterDelete = manager.checkpointLogStartOffsets()
  const joined = manager.checkpointLogStartOffsets()
  await Promise.all([periodic, afterDelete, joined])
  assert.equal(readFileSync(join(dir!, 'log-start-offset-checkpoint'), 'utf8'), '0\n1\nusers 0 4\n', 'the later write lands last')
  assert.equal(readFileSync(join(dir!, 'replication-offset-checkpoint'), 'utf8'), '0\n1\nusers 0 6\n')
  assert.equal(existsSync(join(dir!, 'log-start-offset-checkpoint.tmp')), false)
  await manager.shutdown()
})

test('a log dir that cannot be used at start-up goes offline while another one is left', async (t) => {
  const [bad, good] = logDirs(t)
  writeFileSync(bad!, 'not a directory')
  const manager = LogManager.open({ logDirs: [bad!, good!], logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  assert.deepEqual(manager.liveLogDirs, [good])
  assert.deepEqual(manager.logDirFailureChannel.offlineLogDirs, [bad])
  assert.equal(manager.getOrCreateLog('users', 0, TOPIC_ID, defaultLogConfig).dir, join(good!, 'users-0'))
  await manager.shutdown()
  assert.ok(existsSync(join(good!, CLEAN_SHUTDOWN_FILE)))
  assert.throws(() => LogManager.open({ logDirs: [bad!], logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() }), /none of the log dirs/)
})

test('an I/O error in a log dir takes it offline: its logs are forgotten, the other dir carries on', async (t) => {
  const [a, b] = logDirs(t)
  const manager = LogManager.open({ logDirs: [a!, b!], logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  const inA = manager.getOrCreateLog('users', 0, TOPIC_ID, defaultLogConfig)
  const inB = manager.getOrCreateLog('users', 1, TOPIC_ID, defaultLogConfig)
  const failed: string[] = []
  manager.logDirFailureChannel.on('offline', (dir: string) => failed.push(dir))
  // The checkpoint's rename cannot replace a non-empty directory: an I/O error in log dir a only.
  mkdirSync(join(a!, 'recovery-point-offset-checkpoint', 'in-the-way'), { recursive: true })
  await manager.writeCheckpoints()
  assert.deepEqual(failed, [a])
  assert.equal(existsSync(join(a!, 'recovery-point-offset-checkpoint.tmp')), false, 'the failed write left no temp file')
  assert.match(readFileSync(join(b!, 'recovery-point-offset-checkpoint'), 'utf8'), /users 1 0/)
  assert.deepEqual(manager.handleLogDirFailure(a!), [{ topic: 'users', partition: 0 }])
  assert.deepEqual(manager.allLogs(), [inB])
  assert.equal(manager.getLog('users', 0), undefined)
  assert.equal(manager.getOrCreateLog('users', 2, TOPIC_ID, defaultLogConfig).dir, join(b!, 'users-2'), 'new logs go to the live dir')
  await manager.shutdown()
  assert.equal(existsSync(join(a!, CLEAN_SHUTDOWN_FILE)), false, 'no clean-shutdown marker in the failed dir')
  inA.close()
})

test('logs found on disk are loaded with their topic\'s config, asked once per topic', async (t) => {
  const dirs = logDirs(t)
  const first = LogManager.open({ logDirs: dirs, logConfig: () => defaultLogConfig, logger: silentLogger(), timers: fakeTimers() })
  for (const [topic, partition] of [['users', 0], ['users', 1], ['events', 0]] as const) first.getOrCreateLog(topic, partition, TOPIC_ID, defaultLogConfig)
  await first.shutdown()

  const asked: string[] = []
  const compacted = { ...defaultLogConfig, 'cleanup.policy': ['compact' as const], 'retention.ms': -1 }
  const reopened = LogManager.open({ logDirs: dirs, logConfig: topic => { asked.push(topic); return topic === 'users' ? compacted : defaultLogConfig }, logger: silentLogger(), timers: fakeTimers() })
  t.after(async () => await reopened.shutdown())
  assert.deepEqual(reopened.getLog('users', 1)?.logConfig, compacted, 'before any replica manager claims it')
  assert.deepEqual(reopened.getLog('events', 0)?.logConfig, defaultLogConfig)
  assert.deepEqual(asked.sort(), ['events', 'users'])
})
