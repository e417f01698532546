import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAckedProducer } from './support/acked-producer.js'
import { createTopic } from './support/admin.js'
import { BrokerProcess } from './support/broker.js'
import { runTool, type ToolResult } from './support/cli-tool.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { controllerOf, groupCoordinatorOf, partitionState, readAllWithKcat } from './support/cluster-state.js'
import { GroupMember } from './support/group-member.js'
import { waitFor } from './support/wait-for.js'

/**
 * Partition reassignment end to end with bin/kafka-reassign-partitions against real brokers and a
 * real ZooKeeper: Kafka's output and JSON, a cluster grown from one broker to three under load
 * with a throttle, a controller killed mid-way, a cancellation, and bad input.
 */

interface Assignment { topic: string, partition: number, replicas: number[] }

/**
 * Preloaded records of 100 bytes: 100,000 in the default suite to keep its time modest;
 * `npm run test:growth` runs the 1,000,000 (GROWTH_RECORDS).
 */
const PRELOAD_RECORDS = positiveInteger(process.env.GROWTH_RECORDS ?? '100000', 'GROWTH_RECORDS')

function positiveInteger (text: string, name: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`)
  return n
}

async function tool (args: string[], timeoutMs = 30_000): Promise<ToolResult> {
  return await runTool('kafka-reassign-partitions', args, { timeoutMs })
}

async function ok (args: string[]): Promise<string> {
  const r = await tool(args)
  assert.equal(r.code, 0, `kafka-reassign-partitions ${args.join(' ')} exits 0; stdout: ${r.stdout} stderr: ${r.stderr}`)
  return r.stdout
}

/** The JSON printed after `heading` in --generate / --execute output. */
function jsonAfter (stdout: string, heading: string): Assignment[] {
  const lines = stdout.split('\n')
  const i = lines.indexOf(heading)
  assert.ok(i >= 0, `"${heading}" in:\n${stdout}`)
  const json = lines.slice(i + 1).find(l => l.startsWith('{'))
  assert.ok(json !== undefined, `JSON after "${heading}"`)
  const parsed = JSON.parse(json) as { version: number, partitions: Array<Assignment & { log_dirs: string[] }> }
  assert.equal(parsed.version, 1)
  for (const p of parsed.partitions) assert.deepEqual(p.log_dirs, p.replicas.map(() => 'any'), 'Kafka\'s log_dirs: "any" per replica')
  return parsed.partitions.map(p => ({ topic: p.topic, partition: p.partition, replicas: p.replicas }))
}

function reassignmentFile (dir: string, name: string, partitions: Assignment[]): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify({ version: 1, partitions }))
  return file
}

async function topicZnode (cluster: Cluster, topic: string): Promise<{ partitions: Record<string, number[]>, adding_replicas: Record<string, number[]>, removing_replicas: Record<string, number[]> }> {
  const node = await cluster.zk.getData(`/brokers/topics/${topic}`)
  assert.ok(node !== null, `/brokers/topics/${topic}`)
  return JSON.parse(node.data.toString())
}

async function entityConfig (cluster: Cluster, path: string): Promise<Record<string, string>> {
  const node = await cluster.zk.getData(`/config/${path}`)
  return node === null ? {} : (JSON.parse(node.data.toString()) as { config: Record<string, string> }).config
}

/** Runs --verify until every partition of the file is reported completed; answers the last output. */
async function verifyUntilComplete (bootstrap: string, file: string, partitions: number, timeoutMs: number): Promise<string> {
  let stdout = ''
  await waitFor(async () => {
    stdout = await ok(['--bootstrap-server', bootstrap, '--verify', '--reassignment-json-file', file])
    return (stdout.match(/ is completed\.$/gm) ?? []).length === partitions
  }, `--verify to report ${partitions} completed reassignments`, { timeoutMs, intervalMs: 500, onTimeout: () => stdout })
  return stdout
}

test('growing a cluster: 6 partitions at RF 1 on one broker move to RF 3 over three brokers, throttled, under an acks=all producer and a consumer group; then every partition leaves broker 1 and it stops cleanly', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 3, 'offsets.topic.replication.factor': 3 } })
  t.after(cluster.cleanup)
  const dir = mkdtempSync(join(tmpdir(), 'reassign-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const b = ['--bootstrap-server', cluster.bootstrap]
  await createTopic(cluster.bootstrap, 'growth', { partitions: 6, replicationFactor: 1 })
  const preload = await runTool('kafka-producer-perf-test', ['--topic', 'growth', '--num-records', String(PRELOAD_RECORDS), '--record-size', '100', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${cluster.bootstrap}`, 'acks=1'], { timeoutMs: 120_000 })
  assert.equal(preload.code, 0, preload.stderr)
  // Asked while broker 1 is alone, FindCoordinator creates __consumer_offsets there (its replication
  // factor capped at 1), so the group's coordinator is sure to move when broker 1 is drained below.
  const coordinatorNow = async (): Promise<number> => await groupCoordinatorOf(cluster, 'growth-readers').catch(() => -1)
  await waitFor(async () => await coordinatorNow() === 1, 'broker 1 to coordinate the group')

  for (const id of [2, 3]) {
    const broker = await BrokerProcess.create({ zkConnect: cluster.zkConnect, brokerId: id, config: { 'offsets.topic.num.partitions': 3 } })
    cluster.brokers.push(broker) // stopped and removed by cluster.cleanup
    await broker.start()
  }
  const bootstrapAll = cluster.brokers.map(x => x.bootstrap)
  const producer = await startAckedProducer(bootstrapAll, 'growth', 6, 'growth-producer', { idempotent: true })
  t.after(async () => await producer.stop())
  const consumer = GroupMember.start('kafkajs', { bootstrap: bootstrapAll.join(','), group: 'growth-readers', topic: 'growth' })
  t.after(async () => await consumer.kill())
  await waitFor(() => producer.acked.length >= 50 && consumer.processed.length > 0, 'the producer and the consumer group to be under way', { timeoutMs: 30_000, onTimeout: () => consumer.describe() })

  // --generate keeps each topic's replication factor (Kafka's calculateAssignment): it spreads the
  // leaders; the RF-3 plan adds the other two brokers behind each proposed leader.
  const topicsFile = join(dir, 'topics.json')
  writeFileSync(topicsFile, JSON.stringify({ version: 1, topics: [{ topic: 'growth' }] }))
  const generated = await ok([...b, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '1,2,3'])
  assert.match(generated, /^Current partition replica assignment\n\{.*\}\n\nProposed partition reassignment configuration\n\{.*\}\n$/)
  assert.deepEqual(jsonAfter(generated, 'Current partition replica assignment').map(p => p.replicas), Array(6).fill([1]))
  const proposed = jsonAfter(generated, 'Proposed partition reassignment configuration')
  assert.deepEqual(proposed.map(p => p.partition), [0, 1, 2, 3, 4, 5])
  assert.deepEqual([1, 2, 3].map(id => proposed.filter(p => p.replicas[0] === id).length), [2, 2, 2], 'leaders spread evenly')
  const rf3 = proposed.map(p => ({ ...p, replicas: [p.replicas[0]!, ...[1, 2, 3].filter(id => id !== p.replicas[0])] }))
  const growFile = reassignmentFile(dir, 'grow.json', rf3)

  const throttle = 10_000_000
  const started = Date.now()
  const executed = await ok([...b, '--execute', '--reassignment-json-file', growFile, '--throttle', String(throttle)])
  assert.equal(executed, [
    'Current partition replica assignment',
    '',
    '{"version":1,"partitions":[' + [0, 1, 2, 3, 4, 5].map(p => `{"topic":"growth","partition":${p},"replicas":[1],"log_dirs":["any"]}`).join(',') + ']}',
    '',
    'Save this to use as the --reassignment-json-file option during rollback',
    'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.',
    `The inter-broker throttle limit was set to ${throttle} B/s`,
    'Successfully started partition reassignments for growth-0,growth-1,growth-2,growth-3,growth-4,growth-5',
    '',
  ].join('\n'))
  // Kafka's throttle configs: the sources throttled as leaders, the new replicas as followers.
  const throttles = await entityConfig(cluster, 'topics/growth')
  assert.equal(throttles['leader.replication.throttled.replicas'], '0:1,1:1,2:1,3:1,4:1,5:1')
  assert.equal(throttles['follower.replication.throttled.replicas'], '0:2,0:3,1:2,1:3,2:2,2:3,3:2,3:3,4:2,4:3,5:2,5:3')
  for (const id of [1, 2, 3]) assert.equal((await entityConfig(cluster, `brokers/${id}`))['leader.replication.throttled.rate'], String(throttle))

  const verified = await verifyUntilComplete(cluster.bootstrap, growFile, 6, 120_000)
  const catchUpMs = Date.now() - started
  assert.equal(verified, [
    'Status of partition reassignment:',
    ...[0, 1, 2, 3, 4, 5].map(p => `Reassignment of partition growth-${p} is completed.`),
    '',
    'Clearing broker-level throttles on brokers 1,2,3',
    'Clearing topic-level throttles on topic growth',
    '',
  ].join('\n'))
  assert.deepEqual(await entityConfig(cluster, 'topics/growth'), {}, '--verify removed the topic throttles')
  assert.equal((await entityConfig(cluster, 'brokers/1'))['leader.replication.throttled.rate'], undefined, '--verify removed the broker throttles')
  const znode = await topicZnode(cluster, 'growth')
  assert.deepEqual(Object.values(znode.partitions), rf3.map(p => p.replicas))
  assert.deepEqual([znode.adding_replicas, znode.removing_replicas], [{}, {}])
  for (let p = 0; p < 6; p++) assert.deepEqual([...(await partitionState(cluster, 'growth', p)).isr].sort(), [1, 2, 3])
  // Two new replicas copied the preload (~110 bytes a record on disk) each through broker 1's leader quota.
  t.diagnostic(`catch-up of ${PRELOAD_RECORDS} records x 2 new replicas took ${catchUpMs} ms under a ${throttle} B/s throttle`)

  // Every partition off broker 1: growth drops it, __consumer_offsets (RF 1 there) moves to 2 or 3.
  const offsetsTopicFile = join(dir, 'offsets-topic.json')
  writeFileSync(offsetsTopicFile, JSON.stringify({ version: 1, topics: [{ topic: 'growth' }, { topic: '__consumer_offsets' }] }))
  const current = jsonAfter(await ok([...b, '--generate', '--topics-to-move-json-file', offsetsTopicFile, '--broker-list', '1,2,3']), 'Current partition replica assignment')
  const offBroker1 = current.map(p => ({ ...p, replicas: p.replicas.includes(1) && p.replicas.length === 1 ? [2 + p.partition % 2] : p.replicas.filter(r => r !== 1) }))
  const drainFile = reassignmentFile(dir, 'drain.json', offBroker1)
  await ok([...b, '--execute', '--reassignment-json-file', drainFile])
  await verifyUntilComplete(cluster.bootstrap, drainFile, offBroker1.length, 60_000)
  await waitFor(() => [0, 1, 2, 3, 4, 5].every(p => !existsSync(join(cluster.broker(1).dir, 'data', `growth-${p}`))), 'broker 1 to delete its replicas\' logs')
  await waitFor(async () => [2, 3].includes(await coordinatorNow()), 'the group\'s coordinator to move to broker 2 or 3')

  await producer.stop()
  const acked = new Set(producer.acked)
  assert.ok(acked.size >= 100, `the producer kept going: ${acked.size} acknowledged, ${producer.failures} failed`)
  assert.equal(await cluster.broker(1).stop(), 0, 'broker 1 stops cleanly')

  const records = readAllWithKcat(cluster.brokers.slice(1).map(x => x.bootstrap).join(','), 'growth')
  const counts = new Map<string, number>()
  for (const r of records) if (r.value.startsWith('v')) counts.set(r.value, (counts.get(r.value) ?? 0) + 1)
  const missing = [...acked].filter(v => counts.get(v) === undefined)
  const twice = [...acked].filter(v => (counts.get(v) ?? 0) > 1)
  assert.deepEqual([missing.length, twice.length], [0, 0], `every acknowledged record is there once (missing ${missing.slice(0, 5).join(',')}, twice ${twice.slice(0, 5).join(',')})`)
  assert.ok(records.length >= PRELOAD_RECORDS + acked.size)

  await waitFor(() => consumer.processed.length >= records.length, 'the consumer group to read every record', { timeoutMs: 60_000, onTimeout: () => consumer.describe() })
  // Moved leaders and the moved coordinator make KafkaJS rejoin, possibly while a batch is being
  // committed: that commit is refused, and the member carries on (kafkajs-group-member.ts).
  t.diagnostic(`${consumer.assignments} assignments, ${consumer.commitFailures.length} commit(s) refused: ${consumer.commitFailures.join('; ')}`)
  for (let p = 0; p < 6; p++) {
    const offsets = [...new Set(consumer.processed.filter(r => r.partition === p).map(r => r.offset))].sort((x, y) => x - y)
    assert.ok(offsets.every((o, i) => o === i), `the consumer saw growth-${p} without a gap`)
  }
})

test('a reassignment survives the controller\'s death, --list and --cancel print Kafka\'s text, cancelling reverts, --generate spreads over racks, and bad input changes nothing', async t => {
  const cluster = await startCluster({ brokers: 3, brokerConfig: id => ({ 'broker.rack': id === 3 ? 'rack-b' : 'rack-a' }) })
  t.after(cluster.cleanup)
  const dir = mkdtempSync(join(tmpdir(), 'reassign-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const b = ['--bootstrap-server', cluster.bootstrap]
  const controller = await controllerOf(cluster)
  const [a, c] = [1, 2, 3].filter(id => id !== controller) as [number, number]

  // About 3 MB in each partition, copied at 100 KB/s after a first 1 MB fetch: some 20 s, in which
  // the controller dies and its successor takes over (the session timeout, 6 s).
  await createTopic(cluster.bootstrap, 'slow', { assignments: [[a], [c]] })
  const preload = await runTool('kafka-producer-perf-test', ['--topic', 'slow', '--num-records', '60000', '--record-size', '100', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${cluster.bootstrap}`, 'acks=1'], { timeoutMs: 60_000 })
  assert.equal(preload.code, 0, preload.stderr)
  const slowFile = reassignmentFile(dir, 'slow.json', [{ topic: 'slow', partition: 0, replicas: [a, c] }, { topic: 'slow', partition: 1, replicas: [c, a] }])
  await ok([...b, '--execute', '--reassignment-json-file', slowFile, '--throttle', '100000'])
  assert.equal(await ok([...b, '--list']), `Current partition reassignments:\nslow-0: replicas: ${a},${c}. adding: ${c}.\nslow-1: replicas: ${c},${a}. adding: ${a}.\n`)
  const described = await runTool('kafka-topics', [...b, '--describe', '--topic', 'slow'])
  assert.match(described.stdout, /^Topic: slow\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: .*$/m, 'the replication factor before the move, as Kafka\'s TopicCommand counts it')
  assert.match(described.stdout, new RegExp(`^\\tTopic: slow\\tPartition: 0\\tLeader: ${a}\\tReplicas: ${a},${c}\\tIsr: ${a}\\tAdding Replicas: ${c}\\tRemoving Replicas: $`, 'm'))
  const second = await tool([...b, '--execute', '--reassignment-json-file', slowFile])
  assert.equal(second.code, 1)
  assert.match(second.stdout, /^Cannot execute because there is an existing partition assignment\. {2}Use --additional to override this/)

  await cluster.broker(controller).kill()
  const survivors = [a, c].map(id => cluster.broker(id).bootstrap).join(',')
  await waitFor(async () => (await controllerOf(cluster)) !== controller, 'another broker to become controller')
  assert.deepEqual((await topicZnode(cluster, 'slow')).adding_replicas, { 0: [c], 1: [a] }, 'still in progress after the failover')
  // --additional with a new --throttle changes the rate of the reassignment in progress (Kafka's way).
  const faster = await ok(['--bootstrap-server', survivors, '--execute', '--additional', '--reassignment-json-file', slowFile, '--throttle', '100000000'])
  assert.match(faster, /^The inter-broker throttle limit was set to 100000000 B\/s$/m)
  await verifyUntilComplete(survivors, slowFile, 2, 60_000)
  assert.deepEqual((await topicZnode(cluster, 'slow')).partitions, { 0: [a, c], 1: [c, a] })
  assert.deepEqual([...(await partitionState(cluster, 'slow', 0)).isr].sort(), [a, c].sort())
  assert.equal(readAllWithKcat(survivors, 'slow').length, 60_000, 'every record readable from the new replica set')
  await cluster.broker(controller).start()

  // Cancel: a move to a replica that cannot catch up is reverted and its log deleted. At 1 byte/s
  // the new replica gets one fetch (1 MB, replica.fetch.max.bytes) of the 3 MB, then nothing.
  await createTopic(cluster.bootstrap, 'cancelme', { assignments: [[a]] })
  await runTool('kafka-producer-perf-test', ['--topic', 'cancelme', '--num-records', '30000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${cluster.bootstrap}`, 'acks=1'])
  const cancelFile = reassignmentFile(dir, 'cancel.json', [{ topic: 'cancelme', partition: 0, replicas: [controller] }])
  await ok([...b, '--execute', '--reassignment-json-file', cancelFile, '--throttle', '1'])
  await waitFor(() => existsSync(join(cluster.broker(controller).dir, 'data', 'cancelme-0')), 'the new replica to be created')
  assert.equal(await ok([...b, '--cancel', '--reassignment-json-file', cancelFile]), [
    'Successfully cancelled partition reassignment for: cancelme-0',
    'None of the specified partition moves are active.Clearing broker-level throttles on brokers 1,2,3',
    'Clearing topic-level throttles on topic cancelme',
    '',
  ].join('\n'))
  assert.deepEqual((await topicZnode(cluster, 'cancelme')).partitions, { 0: [a] })
  await waitFor(() => !existsSync(join(cluster.broker(controller).dir, 'data', 'cancelme-0')), 'the cancelled replica\'s log to be deleted')
  assert.equal(await ok([...b, '--list']), 'No partition reassignments found.\n')
  assert.equal(await ok([...b, '--cancel', '--reassignment-json-file', cancelFile, '--preserve-throttles']), 'None of the specified partition reassignments are active.\nNone of the specified partition moves are active.')

  // Rack-aware --generate: every RF-2 partition gets a replica on rack-b (broker 3) and one on rack-a.
  await createTopic(cluster.bootstrap, 'racked', { partitions: 6, replicationFactor: 2 })
  const topicsFile = join(dir, 'topics.json')
  writeFileSync(topicsFile, JSON.stringify({ version: 1, topics: [{ topic: 'racked' }] }))
  const proposed = jsonAfter(await ok([...b, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '1,2,3']), 'Proposed partition reassignment configuration')
  for (const p of proposed) assert.deepEqual([p.replicas.includes(3), p.replicas.some(r => r !== 3)], [true, true], `racked-${p.partition} on both racks: ${p.replicas.join(',')}`)
  await ok([...b, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '1,2', '--disable-rack-aware'])

  // Bad flags and files: a message naming the problem, exit 1, the topic untouched.
  const before = await topicZnode(cluster, 'slow')
  const bad = (name: string, text: string): string => { const f = join(dir, name); writeFileSync(f, text); return f }
  const cases: Array<[string[], RegExp, 'stdout' | 'stderr']> = [
    [[...b], /Command must include exactly one action: --generate, --execute, --verify, --cancel, --list/, 'stderr'],
    [[...b, '--execute', '--list'], /exactly one action/, 'stderr'],
    [['--execute', '--reassignment-json-file', slowFile], /Please specify either --bootstrap-server/, 'stderr'],
    [[...b, '--execute'], /Missing required argument "\[reassignment-json-file\]"/, 'stderr'],
    [[...b, '--verify', '--reassignment-json-file', slowFile, '--throttle', '5'], /Option "\[throttle\]" can't be used with action "\[verify\]"/, 'stderr'],
    [[...b, '--execute', '--reassignment-json-file', slowFile, '--throttle', 'fast'], /Option throttle: 'fast' is not an integer/, 'stderr'],
    [[...b, '--execute', '--reassignment-json-file', join(dir, 'nope.json')], /Option reassignment-json-file: cannot read .*nope\.json: ENOENT/, 'stderr'],
    [[...b, '--execute', '--reassignment-json-file', bad('broken.json', '{"partitions":[')], /The input string is not a valid JSON/, 'stderr'],
    [[...b, '--execute', '--reassignment-json-file', bad('dup.json', '{"partitions":[{"topic":"slow","partition":0,"replicas":[1,1]}]}')], /Partition replica lists may not contain duplicate entries: slow-0 contains multiple entries for 1/, 'stderr'],
    [[...b, '--execute', '--reassignment-json-file', bad('unknown-broker.json', '{"partitions":[{"topic":"slow","partition":0,"replicas":[9]}]}')], /^Error: Unknown broker id 9$/m, 'stdout'],
    [[...b, '--execute', '--reassignment-json-file', bad('unknown-partition.json', '{"partitions":[{"topic":"slow","partition":7,"replicas":[1]}]}')], /^Error: Unable to find partition: slow-7$/m, 'stdout'],
    [[...b, '--execute', '--reassignment-json-file', bad('unknown-topic.json', '{"partitions":[{"topic":"nope","partition":0,"replicas":[1]}]}')], /^Error: Topic nope not found\.$/m, 'stdout'],
    [[...b, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '1,1'], /Broker list contains duplicate entries: \[1\]/, 'stderr'],
  ]
  for (const [args, message, stream] of cases) {
    const r = await tool(args)
    assert.equal(r.code, 1, `exit 1 for ${args.join(' ')}`)
    assert.match(r[stream], message, args.join(' '))
  }
  assert.deepEqual(await topicZnode(cluster, 'slow'), before)
  assert.deepEqual(await entityConfig(cluster, 'topics/slow'), {}, 'no throttle was set by a refused --execute')
})
