/**
 * What JoinGroups without a member id (KIP-394: each one is answered MEMBER_ID_REQUIRED and its
 * new id stays pending for the session timeout) cost the coordinator, in process: one
 * CoordinatorPartition over a temp log, a Stable group of three members, then --events such
 * JoinGroups (10 per ms of the clock), then the clock moved until every pending id has expired.
 * Prints µs per JoinGroup (all of them, and the last 1,000), µs per heartbeat of a member before the
 * flood (the baseline) and with every pending id still there, and µs per pending id expired.
 * Usage: node dist/bench/group-pending-members.js [--events 10000,50000,100000]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { CoordinatorPartition, type CoordinatorConfig } from '../src/coordinator/coordinator-partition.js'
import type { GroupRequest } from '../src/coordinator/group.js'
import { silentLogger } from '../src/logger.js'
import { Partition } from '../src/replication/partition.js'
import type { Scheduler } from '../src/scheduler.js'
import { defaultLogConfig } from '../src/storage/log-config.js'
import { PartitionLog } from '../src/storage/partition-log.js'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '')
const sizes = (args.get('--events') ?? '10000,50000,100000').split(',').map(Number)
const HEARTBEATS = 20_000
const PENDING_SESSION_TIMEOUT_MS = 10_000
const MEMBER_SESSION_TIMEOUT_MS = 1_800_000

const config: CoordinatorConfig = {
  group: { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 1_800_000, initialRebalanceDelayMs: 3000, maxSize: 2_147_483_647 },
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  commitTimeoutMs: 5000,
}

/** A clock moved by hand; due timers run in time order. Few timers live at once: one per group. */
class BenchScheduler implements Scheduler {
  time = 1_000_000
  fired = 0
  private readonly tasks = new Set<{ at: number, task: () => void }>()
  now = (): number => this.time
  schedule = (task: () => void, delayMs: number): () => void => {
    const entry = { at: this.time + Math.max(0, delayMs), task }
    this.tasks.add(entry)
    return () => { this.tasks.delete(entry) }
  }

  advanceTo (until: number): void {
    for (;;) {
      let due: { at: number, task: () => void } | undefined
      for (const t of this.tasks) if (t.at <= until && (due === undefined || t.at < due.at)) due = t
      if (due === undefined) break
      this.tasks.delete(due)
      this.time = due.at
      this.fired++
      due.task()
    }
    this.time = until
  }
}

const say = (line: string): void => { process.stdout.write(line + '\n') }
const us = (ms: number, n: number): string => (ms * 1000 / n).toFixed(2)

/** A JoinGroup of a new member (no member id), which gets `newMemberId`. */
function joinEvent (token: number, newMemberId: string, requireKnownMemberId: boolean, sessionTimeoutMs: number): GroupRequest<'join'> {
  return {
    type: 'join', token, memberId: '', groupInstanceId: null, clientId: 'bench', clientHost: '/127.0.0.1', sessionTimeoutMs, rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('sub') }], requireKnownMemberId, newMemberId,
  }
}

async function run (events: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bench-pending-'))
  const log = PartitionLog.open(join(root, '__consumer_offsets-0'), defaultLogConfig, silentLogger())
  try {
    const partition = new Partition('__consumer_offsets', 0, 'id', log, 1)
    partition.applyState({ topic: '__consumer_offsets', partition: 0, replicas: [1], leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, stateVersion: 0 }, 0)
    const scheduler = new BenchScheduler()
    const cp = new CoordinatorPartition(partition, { replicas: { waitForData: async () => {} }, scheduler, config, log: silentLogger(), stats: { completedRebalances: 0 } })
    await cp.load()
    cp.getOrCreateGroup('g')
    const ids = ['m1', 'm2', 'm3']
    const joined = Promise.all(ids.map(id => cp.request('g', 'join', token => joinEvent(token, id, false, MEMBER_SESSION_TIMEOUT_MS))))
    scheduler.advanceTo(scheduler.time + 10_000) // group.initial.rebalance.delay.ms, restarted once by the later two
    await joined
    const generationId = cp.groups.get('g')?.generationId ?? -1
    await Promise.all(ids.map(id => cp.request('g', 'sync', token => ({
      type: 'sync', token, memberId: id, groupInstanceId: null, generationId, protocolType: null, protocolName: null,
      assignments: new Map(ids.map(m => [m, Buffer.from(m)])),
    }))))
    if (cp.groups.get('g')?.state !== 'Stable') throw new Error('the group did not reach Stable')

    let token = 1_000_000
    const heartbeats = (): number => {
      const started = performance.now()
      for (let i = 0; i < HEARTBEATS; i++) cp.apply('g', { type: 'heartbeat', token: token++, memberId: 'm1', groupInstanceId: null, generationId })
      return performance.now() - started
    }
    heartbeats() // warm-up
    const baseline = heartbeats()

    const started = performance.now()
    let lastThousand = started
    for (let i = 0; i < events; i++) {
      if (i === events - 1000) lastThousand = performance.now()
      if (i % 10 === 0) scheduler.advanceTo(scheduler.time + 1)
      cp.apply('g', joinEvent(token++, `flood-${i}`, true, PENDING_SESSION_TIMEOUT_MS))
    }
    const ended = performance.now()
    const withPending = heartbeats()

    const firedBefore = scheduler.fired
    const expiryStarted = performance.now()
    scheduler.advanceTo(scheduler.time + PENDING_SESSION_TIMEOUT_MS + 1)
    const expiry = performance.now() - expiryStarted
    const left = cp.groups.get('g')
    if (left?.pendingMembers.size !== 0 || left.members.size !== 3) throw new Error('the pending ids did not all expire, or a member went with them')

    say(`${events} JoinGroups without a member id: ${us(ended - started, events)} µs each, last 1,000 ${us(ended - lastThousand, 1000)} µs each; ` +
      `heartbeat ${us(baseline, HEARTBEATS)} µs before, ${us(withPending, HEARTBEATS)} µs with them pending; ` +
      `expiry ${us(expiry, events)} µs per id (${scheduler.fired - firedBefore} timer firings)`)
    cp.unload()
  } finally {
    log.close()
    rmSync(root, { recursive: true, force: true })
  }
}

for (const events of sizes) await run(events)
