import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from './support/cluster.js'
import { collect, runTool, startTool } from './support/cli-tool.js'
import { waitFor } from './support/wait-for.js'

/** Runs a tool that must succeed; returns its stdout. */
async function ok (tool: string, args: string[], input?: string): Promise<{ stdout: string, stderr: string }> {
  const r = await runTool(tool, args, { input })
  assert.equal(r.code, 0, `${tool} ${args.join(' ')} exited ${r.code}:\n${r.stderr}`)
  return r
}

test('the Kafka quickstart, end to end with our tools against a real ZooKeeper and broker', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const b = ['--bootstrap-server', cluster.bootstrap]

  await t.test('kafka-topics --create, then --describe in Kafka\'s format', async () => {
    const created = await ok('kafka-topics', [...b, '--create', '--topic', 'users', '--partitions', '4', '--replication-factor', '1'])
    assert.equal(created.stdout, 'Created topic users.\n')
    const { stdout } = await ok('kafka-topics', [...b, '--describe', '--topic', 'users'])
    const lines = stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^Topic: users\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 4\tReplicationFactor: 1\tConfigs: /)
    assert.deepEqual(lines.slice(1), [0, 1, 2, 3].map(p => `\tTopic: users\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1`))
  })

  await t.test('console producer with parse.key=true key.separator=, and console consumer with print.timestamp print.key', async () => {
    const before = Date.now()
    await ok('kafka-console-producer', [...b, '--topic', 'users', '--property', 'parse.key=true', '--property', 'key.separator=,'],
      '1,mitch\n2,bob\n3,carol\n4,sammy\n')
    const after = Date.now()
    const r = await ok('kafka-console-consumer', [...b, '--topic', 'users', '--from-beginning', '--max-messages', '4',
      '--property', 'print.timestamp=true', '--property', 'print.key=true', '--property', 'print.partition=true'])
    assert.match(r.stderr, /Processed a total of 4 messages/)
    const seen = r.stdout.trimEnd().split('\n').map(line => {
      const m = /^CreateTime:(\d+)\tPartition:(\d)\t(\d)\t(\w+)$/.exec(line)
      assert.ok(m !== null, `line in Kafka's format: ${JSON.stringify(line)}`)
      assert.ok(Number(m[1]) >= before && Number(m[1]) <= after, 'CreateTime stamped while producing')
      return [m[3], m[4], Number(m[2])]
    }).sort()
    // murmur2 over 4 partitions, as Kafka's Java client places these keys
    assert.deepEqual(seen, [['1', 'mitch', 3], ['2', 'bob', 0], ['3', 'carol', 3], ['4', 'sammy', 1]])
  })

  await t.test('headers and separators: parse.headers in, print.headers / print.offset out', async () => {
    await ok('kafka-topics', [...b, '--create', '--topic', 'events', '--partitions', '1'])
    await ok('kafka-console-producer', [...b, '--topic', 'events', '--property', 'parse.headers=true', '--property', 'parse.key=true',
      '--property', 'key.separator=|', '--compression-codec', 'lz4', '--sync'], 'src:web,trace:7\tk1|v1\nsrc:cli\tk2|v2\n')
    const r = await ok('kafka-console-consumer', [...b, '--topic', 'events', '--partition', '0', '--offset', 'earliest', '--max-messages', '2',
      '--property', 'print.headers=true', '--property', 'print.offset=true', '--property', 'print.key=true', '--property', 'key.separator=;'])
    assert.equal(r.stdout, 'Offset:0;src:web,trace:7;k1;v1\nOffset:1;src:cli;k2;v2\n')
  })

  await t.test('Ctrl-C ends the console consumer cleanly with the processed count', async () => {
    const child = startTool('kafka-console-consumer', [...b, '--topic', 'users', '--from-beginning'])
    const out = collect(child)
    const exited = new Promise<number | null>(resolve => child.once('close', resolve))
    t.after(() => child.kill('SIGKILL'))
    await waitFor(() => out.stdout().split('\n').length > 4, 'four records printed', { timeoutMs: 15_000 })
    child.kill('SIGINT')
    assert.equal(await exited, 0)
    assert.match(out.stderr(), /Processed a total of 4 messages/)
  })

  await t.test('--list, --alter --partitions, filters, regex --delete, --if-exists / --if-not-exists', async () => {
    assert.deepEqual((await ok('kafka-topics', [...b, '--list'])).stdout.split('\n').filter(l => l !== ''), ['events', 'users'])
    const again = await runTool('kafka-topics', [...b, '--create', '--topic', 'users'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /Topic 'users' already exists/)
    await ok('kafka-topics', [...b, '--create', '--topic', 'users', '--if-not-exists'])
    await ok('kafka-topics', [...b, '--alter', '--topic', 'users', '--partitions', '6'])
    assert.match((await ok('kafka-topics', [...b, '--describe', '--topic', 'users'])).stdout, /PartitionCount: 6/)
    assert.equal((await ok('kafka-topics', [...b, '--describe', '--under-replicated-partitions'])).stdout, '')
    assert.equal((await ok('kafka-topics', [...b, '--describe', '--unavailable-partitions'])).stdout, '')
    await ok('kafka-topics', [...b, '--delete', '--topic', 'ev.*'])
    await waitFor(async () => !(await ok('kafka-topics', [...b, '--list'])).stdout.includes('events'), 'events to be deleted')
    const gone = await runTool('kafka-topics', [...b, '--delete', '--topic', 'events'])
    assert.equal(gone.code, 1)
    assert.match(gone.stderr, /Topic 'events' does not exist as expected/)
    await ok('kafka-topics', [...b, '--delete', '--topic', 'events', '--if-exists'])
  })

  await t.test('kafka-configs: --alter --add-config / --delete-config and --describe for a topic', async () => {
    assert.equal((await ok('kafka-configs', [...b, '--entity-type', 'topics', '--entity-name', 'users', '--alter', '--add-config', 'retention.ms=86400000,cleanup.policy=[compact,delete]'])).stdout,
      'Completed updating config for topic users.\n')
    const described = (await ok('kafka-configs', [...b, '--entity-type', 'topics', '--entity-name', 'users', '--describe'])).stdout
    assert.match(described, /^Dynamic configs for topic users are:\n/)
    assert.match(described, /^ {2}retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=86400000/m)
    assert.match(described, /^ {2}cleanup\.policy=compact,delete /m)
    await ok('kafka-configs', [...b, '--topic', 'users', '--alter', '--delete-config', 'retention.ms'])
    assert.doesNotMatch((await ok('kafka-configs', [...b, '--topic', 'users', '--describe'])).stdout, /retention\.ms/)
    assert.match((await ok('kafka-topics', [...b, '--describe', '--topic', 'users'])).stdout, /Configs: cleanup\.policy=compact,delete/)
  })

  await t.test('zookeeper-shell ls / get / stat on the cluster\'s znodes', async () => {
    assert.equal((await ok('zookeeper-shell', [cluster.zkConnect, 'ls', '/brokers/ids'])).stdout, '[1]\n')
    assert.match((await ok('zookeeper-shell', [cluster.zkConnect, 'get', '/brokers/ids/1'])).stdout, /"port":\d+/)
    assert.match((await ok('zookeeper-shell', [cluster.zkConnect, 'stat', '/controller'])).stdout, /^ephemeralOwner = 0x[1-9a-f]/m)
    const interactive = await ok('zookeeper-shell', [cluster.zkConnect], 'ls /brokers/topics\nquit\n')
    assert.match(interactive.stdout, /\[(\w+, )*users(, \w+)*\]/)
    const missing = await runTool('zookeeper-shell', [cluster.zkConnect, 'get', '/nope'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /Node does not exist: \/nope/)
  })

  await t.test('perf tools print Kafka\'s result lines', async () => {
    await ok('kafka-topics', [...b, '--create', '--topic', 'perf', '--partitions', '2'])
    const produced = await ok('kafka-producer-perf-test', ['--topic', 'perf', '--num-records', '2000', '--record-size', '100', '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${cluster.bootstrap}`, 'acks=1', 'compression.type=zstd'])
    assert.match(produced.stdout, /^2000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/m)
    const consumed = await ok('kafka-consumer-perf-test', [...b, '--topic', 'perf', '--messages', '2000'])
    const [header, row] = consumed.stdout.trimEnd().split('\n')
    assert.equal(header, 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec')
    assert.match(row!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, 0\.1907, [\d.]+, 2000, [\d.]+, 0, \d+, [\d.]+, [\d.]+$/)
  })
})
