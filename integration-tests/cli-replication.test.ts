import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, type Cluster } from './support/cluster.js'
import { runTool } from './support/cli-tool.js'
import { waitFor } from './support/wait-for.js'

const sessionTimeoutMs = 4000

async function describe (cluster: Cluster, ...filters: string[]): Promise<string[]> {
  const r = await runTool('kafka-topics', ['--bootstrap-server', cluster.bootstrap, '--describe', ...filters])
  assert.equal(r.code, 0, r.stderr)
  return r.stdout.split('\n').filter(l => l.startsWith('\tTopic:'))
}

async function leaderOf (cluster: Cluster, topic: string, partition: number): Promise<number> {
  const node = await cluster.zk.getData(`/brokers/topics/${topic}/partitions/${partition}/state`)
  return (JSON.parse(node?.data.toString() ?? '{"leader":-2}') as { leader: number }).leader
}

test('kafka-topics shows Leader/Replicas/Isr changing, filters under-replicated and unavailable partitions; kafka-leader-election restores the preferred leader', async t => {
  const cluster = await startCluster({ brokers: 3, config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'auto.leader.rebalance.enable': false } })
  t.after(cluster.cleanup)
  const create = async (topic: string, assignment: string): Promise<void> => {
    const r = await runTool('kafka-topics', ['--bootstrap-server', cluster.bootstrap, '--create', '--topic', topic, '--replica-assignment', assignment])
    assert.equal(r.code, 0, r.stderr)
  }
  await create('replicated', '3:1:2,1:2:3')
  await create('single', '3')
  await waitFor(async () => (await describe(cluster, '--topic', 'replicated')).every(l => l.endsWith('Isr: 3,1,2') || l.endsWith('Isr: 1,2,3')), 'full ISRs in kafka-topics --describe')
  assert.deepEqual(await describe(cluster, '--topic', 'replicated'), [
    '\tTopic: replicated\tPartition: 0\tLeader: 3\tReplicas: 3,1,2\tIsr: 3,1,2',
    '\tTopic: replicated\tPartition: 1\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3',
  ])
  assert.deepEqual(await describe(cluster, '--under-replicated-partitions'), [])

  await cluster.broker(3).kill('SIGKILL')
  await waitFor(async () => (await leaderOf(cluster, 'replicated', 0)) === 1, 'broker 1 to lead replicated-0 after broker 3 died', { timeoutMs: sessionTimeoutMs + 5000 })
  const under = await describe(cluster, '--under-replicated-partitions')
  assert.ok(under.includes('\tTopic: replicated\tPartition: 0\tLeader: 1\tReplicas: 3,1,2\tIsr: 1,2\tOffline: 3'), under.join('\n'))
  assert.ok(under.includes('\tTopic: replicated\tPartition: 1\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2\tOffline: 3'), under.join('\n'))
  assert.deepEqual(await describe(cluster, '--unavailable-partitions'), ['\tTopic: single\tPartition: 0\tLeader: none\tReplicas: 3\tIsr: 3\tOffline: 3'])

  await cluster.broker(3).start()
  await waitFor(async () => (await describe(cluster, '--under-replicated-partitions')).length === 0, 'broker 3 back in every ISR')
  assert.equal(await leaderOf(cluster, 'replicated', 0), 1, 'leadership stays where it moved (auto rebalance is off)')
  const elected = await runTool('kafka-leader-election', ['--bootstrap-server', cluster.bootstrap, '--election-type', 'preferred', '--all-topic-partitions'])
  assert.equal(elected.code, 0, elected.stderr)
  assert.match(elected.stdout, /^Successfully completed leader election \(PREFERRED\) for partitions replicated-0\n/m)
  assert.match(elected.stdout, /^Valid replica already elected for partitions .*replicated-1/m)
  assert.equal(await leaderOf(cluster, 'replicated', 0), 3)
  const bad = await runTool('kafka-leader-election', ['--bootstrap-server', cluster.bootstrap, '--election-type', 'sideways', '--all-topic-partitions'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /election-type/)
})
