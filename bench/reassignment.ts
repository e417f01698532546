/**
 * Reassignment catch-up on a real 2-broker cluster (real ZooKeeper, broker processes): a topic of
 * 3 partitions preloaded on broker 1 gets a replica on broker 2 with bin/kafka-reassign-partitions,
 * unthrottled and then throttled (--throttle, default 10 MB/s); the time runs from --execute to the
 * last new replica in the ISR (the partition states in ZooKeeper, polled every 20 ms). Baseline in
 * the same run: kcat reading the same partitions from broker 1 (consumer fetch of the same bytes).
 * Usage: node dist/bench/reassignment.js [--mb 200] [--throttle 10000000] [--rounds 2]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTopic } from '../integration-tests/support/admin.js'
import { projectRoot } from '../integration-tests/support/broker.js'
import { startCluster, type Cluster } from '../integration-tests/support/cluster.js'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '')
const mb = Number(args.get('--mb') ?? 200)
const throttle = Number(args.get('--throttle') ?? 10_000_000)
const rounds = Number(args.get('--rounds') ?? 2)
const PARTITIONS = 3
const say = (line: string): void => { process.stdout.write(line + '\n') }

async function isr (cluster: Cluster, topic: string, p: number): Promise<number[]> {
  const node = await cluster.zk.getData(`/brokers/topics/${topic}/partitions/${p}/state`)
  return (JSON.parse(node?.data.toString() ?? '{"isr":[]}') as { isr: number[] }).isr
}

async function until (what: string, predicate: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

function reassign (cluster: Cluster, dir: string, topic: string, replicas: number[], extra: string[] = []): void {
  const file = join(dir, `${topic}-${replicas.join('-')}.json`)
  writeFileSync(file, JSON.stringify({ version: 1, partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, replicas })) }))
  execFileSync(join(projectRoot, 'bin/kafka-reassign-partitions'), ['--bootstrap-server', cluster.bootstrap, '--execute', '--reassignment-json-file', file, ...extra], { stdio: 'ignore' })
}

/** Seconds from --execute to every partition's ISR holding broker 2. */
async function catchUp (cluster: Cluster, dir: string, topic: string, extra: string[]): Promise<number> {
  const start = process.hrtime.bigint()
  reassign(cluster, dir, topic, [1, 2], extra)
  await until('broker 2 in every ISR', async () => (await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => await isr(cluster, topic, p)))).every(i => i.includes(2)))
  return Number(process.hrtime.bigint() - start) / 1e9
}

function logBytes (cluster: Cluster, topic: string): number {
  let bytes = 0
  for (let p = 0; p < PARTITIONS; p++) {
    const d = join(cluster.broker(1).dir, 'data', `${topic}-${p}`)
    for (const f of readdirSync(d)) if (f.endsWith('.log')) bytes += statSync(join(d, f)).size
  }
  return bytes
}

const cluster = await startCluster({ brokers: 2 })
const dir = mkdtempSync(join(tmpdir(), 'bench-reassign-'))
try {
  const records = Math.round(mb * 1e6 / 1000)
  const file = join(dir, 'records.txt')
  writeFileSync(file, ('x'.repeat(999) + '\n').repeat(records))
  say(`reassignment catch-up: ${PARTITIONS} partitions, ${mb} MB of 1 KB records on broker 1, a new replica on broker 2; ${rounds} rounds`)
  for (let round = 1; round <= rounds; round++) {
    const topic = `moving-${round}`
    await createTopic(cluster.bootstrap, topic, { assignments: Array.from({ length: PARTITIONS }, () => [1]) })
    execFileSync('kcat', ['-P', '-b', cluster.broker(1).bootstrap, '-t', topic, '-X', 'acks=1', '-X', 'linger.ms=5', '-l', file], { stdio: 'ignore', timeout: 600_000 })
    const bytes = logBytes(cluster, topic)
    const rate = (s: number): string => `${(bytes / s / 1e6).toFixed(1)} MB/s (${s.toFixed(2)} s)`
    const readStart = process.hrtime.bigint()
    execFileSync('kcat', ['-C', '-b', cluster.broker(1).bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '.'], { stdio: 'ignore', timeout: 600_000 })
    const read = Number(process.hrtime.bigint() - readStart) / 1e9
    const unthrottled = await catchUp(cluster, dir, topic, [])
    // back to broker 1 alone: broker 2 deletes its replica, and the next move copies everything again
    reassign(cluster, dir, topic, [1])
    await until('broker 2 out of every ISR', async () => (await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => await isr(cluster, topic, p)))).every(i => !i.includes(2)))
    const throttled = await catchUp(cluster, dir, topic, ['--throttle', String(throttle)])
    execFileSync(join(projectRoot, 'bin/kafka-reassign-partitions'), ['--bootstrap-server', cluster.bootstrap, '--verify', '--reassignment-json-file', join(dir, `${topic}-1-2.json`)], { stdio: 'ignore' })
    say(`round ${round}: ${(bytes / 1e6).toFixed(0)} MB of segments`)
    say(`  kcat consume from broker 1 (baseline): ${rate(read)}`)
    say(`  catch-up unthrottled                 : ${rate(unthrottled)}`)
    say(`  catch-up throttled at ${(throttle / 1e6).toFixed(0)} MB/s        : ${rate(throttled)}`)
  }
} finally {
  await cluster.cleanup()
  rmSync(dir, { recursive: true, force: true })
}
