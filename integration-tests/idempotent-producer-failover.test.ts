import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createTopic } from './support/admin.js'
import { projectRoot } from './support/broker.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { partitionState, readAllWithKcat } from './support/cluster-state.js'
import { waitFor } from './support/wait-for.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const skip = existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? false : 'python3-confluent-kafka is not installed (integration-tests/support/ensure-clients.sh)'
const sessionTimeoutMs = 6000
const KILLS = 3

interface Report { value: string, offset: number, error: string | null }

async function waitForFullIsr (cluster: Cluster, topic: string): Promise<void> {
  await waitFor(async () => (await partitionState(cluster, topic, 0)).isr.length === 3, `ISR of ${topic}-0 to hold all 3 replicas`, { timeoutMs: 30_000 })
}

test(`an idempotent acks=all producer (confluent-kafka-python) through ${KILLS} kill -9s of the partition leader: every record stored once, in order`, { skip }, async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'min.insync.replicas': 2, 'replica.lag.time.max.ms': 10_000 } })
  t.after(cluster.cleanup)
  const topic = 'idem-failover'
  await createTopic(cluster.bootstrap, topic, { partitions: 1, replicationFactor: 3 })
  await waitForFullIsr(cluster, topic)

  const child = spawn(PYTHON, [SCRIPT, 'stream', cluster.bootstrap, topic, '1500'], { stdio: ['pipe', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const reports: Report[] = []
  createInterface({ input: child.stdout }).on('line', line => reports.push(JSON.parse(line) as Report))
  const delivered = (): number => reports.filter(r => r.error === null).length

  const assignment = (JSON.parse((await cluster.zk.getData(`/brokers/topics/${topic}`))!.data.toString()) as { partitions: Record<string, number[]> }).partitions['0']!
  for (let kill = 1; kill <= KILLS; kill++) {
    const before = delivered()
    await waitFor(() => delivered() >= before + 500, `500 more deliveries before kill ${kill}`, { timeoutMs: 30_000 })
    const leader = (await partitionState(cluster, topic, 0)).leader
    // The follower the controller will not pick (it takes the first live ISR member in assignment
    // order) is paused: the high watermark stops, so the leader holds batches appended and
    // replicated to the next leader but not acknowledged. The producer retries them there: they
    // must be recognized as duplicates, not appended again nor refused as out of sequence.
    const [, paused] = assignment.filter(id => id !== leader) as [number, number]
    process.kill(cluster.broker(paused).child!.pid!, 'SIGSTOP')
    let last = delivered()
    let lastChangeMs = Date.now()
    await waitFor(() => {
      if (delivered() !== last) { last = delivered(); lastChangeMs = Date.now() }
      return Date.now() - lastChangeMs >= 1000
    }, `acknowledgements to stall for 1 s with broker ${paused} paused`, { timeoutMs: 15_000 })
    await cluster.broker(leader).kill('SIGKILL')
    process.kill(cluster.broker(paused).child!.pid!, 'SIGCONT')
    const afterKill = delivered()
    await waitFor(() => delivered() >= afterKill + 500, `deliveries to resume after the leader (broker ${leader}) was killed`, { timeoutMs: sessionTimeoutMs + 20_000 })
    await cluster.broker(leader).start()
    await waitForFullIsr(cluster, topic)
  }
  child.stdin.end()
  assert.equal(await exited, 0, `the producer flushed everything: ${stderr}`)

  const failures = reports.filter(r => r.error !== null)
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${reports.length} deliveries failed`)
  const records = readAllWithKcat(cluster.bootstrap, topic)
  const stored = records.map(r => Number(r.value.slice(1)))
  const counts = new Map<number, number>()
  for (const v of stored) counts.set(v, (counts.get(v) ?? 0) + 1)
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([v]) => v)
  const lost = reports.map(r => Number(r.value.slice(1))).filter(v => !counts.has(v))
  assert.deepEqual({ lost: lost.length, duplicated: duplicated.length }, { lost: 0, duplicated: 0 }, `of ${reports.length} sent: lost ${lost.slice(0, 10).join(',')}; duplicated ${duplicated.slice(0, 10).join(',')}`)
  assert.equal(stored.length, reports.length, 'as many records stored as sent')
  assert.deepEqual(stored, stored.map((_, i) => i), 'stored in the order sent (v0, v1, ...)')
  // Every delivery report names where its record is.
  assert.ok(reports.every(r => records[r.offset]?.value === r.value), 'each delivery report names the offset its record is at')
  t.diagnostic(`${reports.length} records through ${KILLS} leader kills`)
})
