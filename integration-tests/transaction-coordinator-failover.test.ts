import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { partitionForKey } from '../src/coordinator/coordinator-topic.js'
import { createTopic } from './support/admin.js'
import { projectRoot } from './support/broker.js'
import { startCluster } from './support/cluster.js'
import { partitionState, partitionStates } from './support/cluster-state.js'
import { runProcess } from './support/run-process.js'
import { waitFor } from './support/wait-for.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(projectRoot, 'integration-tests/clients/python/transactional_client.py')
const skip = existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? false : 'python3-confluent-kafka is not installed (integration-tests/support/ensure-clients.sh)'
const sessionTimeoutMs = 6000
const KILLS = 2
const TXN_PARTITIONS = 3
const TOPIC = 'txn-failover'
const PARTITIONS = 3
const PER_TXN = 6
const TXN_ID = 'failover-txn'

interface Outcome { txn: number, outcome: 'committed' | 'aborted' | 'unknown', error: string | null }

test(`transactions through ${KILLS} kill -9s of their coordinator (confluent-kafka): each ends committed or aborted, read_committed sees every committed one whole and once, no aborted record`, { skip }, async t => {
  const cluster = await startCluster({
    brokers: 3,
    config: {
      'zookeeper.session.timeout.ms': sessionTimeoutMs,
      'transaction.state.log.num.partitions': TXN_PARTITIONS,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'min.insync.replicas': 2,
      'replica.lag.time.max.ms': 10_000,
    },
  })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, TOPIC, { partitions: PARTITIONS, replicationFactor: 3 })

  const child = spawn(PYTHON, [SCRIPT, 'loop', cluster.bootstrap, TOPIC, String(PARTITIONS), TXN_ID, String(PER_TXN)], { stdio: ['pipe', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const outcomes: Outcome[] = []
  createInterface({ input: child.stdout }).on('line', line => outcomes.push(JSON.parse(line) as Outcome))

  const coordinatorPartition = partitionForKey(TXN_ID, TXN_PARTITIONS)
  const fullIsr = async (): Promise<boolean> => (await partitionStates(cluster, '__transaction_state', TXN_PARTITIONS)).every(s => s.isr.length === 3) &&
    (await partitionStates(cluster, TOPIC, PARTITIONS)).every(s => s.isr.length === 3)
  for (let kill = 1; kill <= KILLS; kill++) {
    const before = outcomes.length
    await waitFor(() => outcomes.length >= before + 5, `5 more transactions before kill ${kill}`, { timeoutMs: 30_000 })
    const coordinator = (await partitionState(cluster, '__transaction_state', coordinatorPartition)).leader
    // Mid-transaction: the loop is never between transactions for long.
    await cluster.broker(coordinator).kill('SIGKILL')
    const afterKill = outcomes.length
    await waitFor(() => outcomes.filter(o => o.outcome === 'committed').length > 0 && outcomes.length >= afterKill + 3,
      `transactions to go on after their coordinator (broker ${coordinator}) was killed`, { timeoutMs: sessionTimeoutMs + 30_000 })
    await cluster.broker(coordinator).start()
    await waitFor(fullIsr, `broker ${coordinator} back in every ISR`, { timeoutMs: 30_000 })
  }
  child.stdin.end()
  assert.equal(await exited, 0, `the transactional loop ended cleanly: ${stderr.slice(-2000)}`)

  const run = await runProcess(PYTHON, [SCRIPT, 'read', cluster.bootstrap, TOPIC, 'read_committed', String(PARTITIONS)], { timeoutMs: 60_000 })
  const values = (JSON.parse(run.stdout.trim()) as { values: string[] }).values
  const perTxn = new Map<number, number>()
  for (const v of values) {
    const txn = Number(/^t(\d+)-\d+$/.exec(v)?.[1] ?? NaN)
    perTxn.set(txn, (perTxn.get(txn) ?? 0) + 1)
  }
  assert.equal(new Set(values).size, values.length, 'no record twice')
  const wrong = outcomes.filter(o => {
    const seen = perTxn.get(o.txn) ?? 0
    return o.outcome === 'committed' ? seen !== PER_TXN : o.outcome === 'aborted' ? seen !== 0 : seen !== 0 && seen !== PER_TXN
  })
  assert.deepEqual(wrong.map(o => ({ ...o, seen: perTxn.get(o.txn) ?? 0 })), [], 'committed: all records; aborted: none; unknown: all or none')
  assert.ok([...perTxn.keys()].every(txn => txn < outcomes.length), 'no record of a transaction the producer did not report')
  const count = (what: Outcome['outcome']): number => outcomes.filter(o => o.outcome === what).length
  t.diagnostic(`${outcomes.length} transactions: ${count('committed')} committed, ${count('aborted')} aborted, ${count('unknown')} unknown (${outcomes.filter(o => o.outcome === 'unknown').map(o => `${o.txn}: ${o.error}`).join('; ')}); ${values.length} records read_committed`)
})
