/**
 * Group consumer failover and scaling on a real broker (real ZooKeeper, broker process), our
 * GroupConsumer in child processes (integration-tests/support/our-group-member.ts):
 *  1. failover: three members over 6 partitions with a producer writing to every partition all the
 *     time; SIGKILL one (no LeaveGroup) and time until a survivor processes a record of one of its
 *     partitions. Median of --rounds, each round a fresh group. Target: session.timeout.ms + 1 s.
 *  2. throughput: --records x 100 B preloaded by kcat into 6 partitions; one member reads them all,
 *     then a group of three; records/s from the first record seen to the last. The broker's
 *     group.initial.rebalance.delay.ms (3000) lets the three join as one generation.
 * Usage: node dist/bench/group-failover.js [--rounds 5] [--records 600000] [--session-timeout-ms 6000]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { createTopic } from '../integration-tests/support/admin.js'
import { projectRoot } from '../integration-tests/support/broker.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { GroupMember, ownsAll } from '../integration-tests/support/group-member.js'
import { waitFor } from '../integration-tests/support/wait-for.js'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '')
const rounds = Number(args.get('--rounds') ?? 5)
const records = Number(args.get('--records') ?? 600_000)
const sessionTimeoutMs = Number(args.get('--session-timeout-ms') ?? 6000)
const PARTITIONS = 6
const OUR_MEMBER = join(projectRoot, 'dist/integration-tests/support/our-group-member.js')

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const say = (line: string): void => { process.stdout.write(line + '\n') }

async function main (): Promise<void> {
  const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1, 'group.initial.rebalance.delay.ms': 3000 } })
  try {
    await failover(cluster.bootstrap)
    await throughput(cluster.bootstrap)
  } finally {
    await cluster.cleanup()
  }
}

async function failover (bootstrap: string): Promise<void> {
  await createTopic(bootstrap, 'failover', { partitions: PARTITIONS })
  const kafka = new Kafka({ clientId: 'bench-group-failover', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  // one record per partition every 10 ms: a partition is "consumed again" within ~10 ms of being owned
  let producing = true
  const load = (async () => {
    for (let i = 0; producing; i++) {
      await producer.send({ topic: 'failover', acks: 1, messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `r${i}` })) })
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  })()
  const gaps: number[] = []
  try {
    for (let round = 1; round <= rounds; round++) {
      const group = `failover-${round}`
      const members = [0, 1, 2].map(() => GroupMember.start('ours', { bootstrap, group, topic: 'failover', sessionTimeoutMs }))
      try {
        const describe = (): string => members.map(m => m.describe()).join('\n')
        await waitFor(() => ownsAll(members, PARTITIONS, [2, 2, 2]) && members.every(m => m.processed.length > 0), `three members owning and consuming two partitions each:\n${describe()}`, { timeoutMs: 30_000 })
        const [victim, ...survivors] = members as [GroupMember, GroupMember, GroupMember]
        const orphaned = [...victim.assignment]
        const seen = survivors.map(m => m.processed.length)
        const killedAt = Date.now()
        await victim.kill('SIGKILL')
        await waitFor(() => survivors.some((m, i) => m.processed.slice(seen[i]).some(r => orphaned.includes(r.partition))),
          `a survivor consuming partitions ${orphaned.join(',')}:\n${describe()}`, { timeoutMs: sessionTimeoutMs + 10_000, intervalMs: 5 })
        gaps.push(Date.now() - killedAt)
        say(`  round ${round}: SIGKILL -> partitions ${orphaned.join(',')} consumed again after ${gaps.at(-1)} ms`)
      } finally {
        await Promise.all(members.map(async m => await m.kill('SIGKILL')))
      }
    }
  } finally {
    producing = false
    await load
    await producer.disconnect()
  }
  say(`failover (session.timeout.ms ${sessionTimeoutMs}, heartbeat.interval.ms 500): median ${median(gaps)} ms of ${rounds} (${Math.min(...gaps)}-${Math.max(...gaps)}), target <= ${sessionTimeoutMs + 1000} ms`)
}

async function throughput (bootstrap: string): Promise<void> {
  await createTopic(bootstrap, 'throughput', { partitions: PARTITIONS })
  const dir = mkdtempSync(join(tmpdir(), 'bench-group-'))
  try {
    const file = join(dir, 'records.txt')
    writeFileSync(file, ('x'.repeat(100) + '\n').repeat(records))
    execFileSync('kcat', ['-P', '-b', bootstrap, '-t', 'throughput', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-l', file], { stdio: 'ignore', timeout: 300_000 })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const one = await consumeAll(bootstrap, 'throughput-1', 1)
  const three = await consumeAll(bootstrap, 'throughput-3', 3)
  const rate = (r: { ms: number }): string => `${Math.round(records / r.ms * 1000).toLocaleString('en')} records/s (${(records * 100 / r.ms / 1000).toFixed(1)} MB/s) in ${r.ms} ms`
  say(`throughput, ${records} x 100 B over ${PARTITIONS} partitions:`)
  say(`  1 member : ${rate(one)}`)
  say(`  3 members: ${rate(three)}  (${(one.ms / three.ms).toFixed(2)}x; records per member ${three.shares.join(' / ')}; ${three.assignments} assignments)`)
}

/** Starts `count` members together and times the group from its first record to the last. */
async function consumeAll (bootstrap: string, group: string, count: number): Promise<{ ms: number, shares: number[], assignments: number }> {
  const totals = Array.from({ length: count }, () => 0)
  let assignments = 0
  let first = 0
  const children: ChildProcess[] = Array.from({ length: count }, (_, i) => {
    const child = spawn(process.execPath, [OUR_MEMBER, bootstrap, group, 'throughput', '--report', 'progress', '--session-timeout-ms', String(sessionTimeoutMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let rest = ''
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        const e = JSON.parse(line) as { event: string, records?: number }
        if (e.event === 'assigned') assignments++
        if (e.event !== 'progress') continue
        if (first === 0) first = Date.now()
        totals[i] = e.records ?? 0
      }
    })
    return child
  })
  try {
    await waitFor(() => totals.reduce((a, b) => a + b, 0) >= records, `${group} consuming ${records} records (${totals.join('+')})`, { timeoutMs: 300_000, intervalMs: 5 })
    return { ms: Date.now() - first, shares: totals, assignments }
  } finally {
    for (const c of children) c.kill('SIGKILL')
  }
}

await main()
