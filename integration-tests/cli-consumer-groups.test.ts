import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs'
import { createServer, type AddressInfo } from 'node:net'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { collect, runTool, startTool } from './support/cli-tool.js'
import { waitFor, waitForEvent } from './support/wait-for.js'

const config = { 'offsets.topic.num.partitions': 3, 'offsets.topic.replication.factor': 1 }
const fastCommits = ['--consumer-property', 'auto.commit.interval.ms=200', '--consumer-property', 'session.timeout.ms=6000', '--consumer-property', 'heartbeat.interval.ms=500']

/** Rows of a Kafka-style table on stdout (whitespace-separated), header first; blank lines dropped. */
function table (stdout: string): string[][] {
  return stdout.split('\n').filter(l => l.trim() !== '').map(l => l.trim().split(/\s+/))
}

test('kafka-consumer-groups against a real cluster: describe lag, members, state, reset-offsets, list, delete', async t => {
  const cluster = await startCluster({ brokers: 1, config })
  t.after(cluster.cleanup)
  const b = ['--bootstrap-server', cluster.bootstrap]
  await createTopic(cluster.bootstrap, 'orders', { partitions: 3 })
  const kafka = new Kafka({ clientId: 'cli-consumer-groups-test', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  const tool = async (args: string[], expectCode = 0): Promise<{ stdout: string, stderr: string }> => {
    const r = await runTool('kafka-consumer-groups', [...b, ...args])
    assert.equal(r.code, expectCode, `kafka-consumer-groups ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`)
    return r
  }
  const consume = async (group: string, count: number): Promise<void> => {
    const r = await runTool('kafka-console-consumer', [...b, '--topic', 'orders', '--group', group, '--from-beginning', '--max-messages', String(count), '--consumer-property', 'max.poll.records=1', ...fastCommits])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, new RegExp(`Processed a total of ${count} messages`))
  }

  await produce(producer, 10)
  await consume('g1', 30)

  await t.test('--describe: an inactive group behind the log end shows its LAG per partition', async () => {
    await produce(producer, 5)
    const r = await tool(['--describe', '--group', 'g1'])
    assert.match(r.stderr, /Consumer group 'g1' has no active members\./)
    const rows = table(r.stdout)
    assert.deepEqual(rows[0], ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'])
    assert.deepEqual(rows.slice(1), [0, 1, 2].map(p => ['g1', 'orders', String(p), '10', '15', '5', '-', '-', '-']))
  })

  await t.test('--list, --list --state, and an active member in --members --verbose and --state', async () => {
    const consumer = startTool('kafka-console-consumer', [...b, '--topic', 'orders', '--group', 'g1', ...fastCommits, '--consumer-property', 'client.id=cli-test-client'])
    const out = collect(consumer)
    const exited = waitForEvent(consumer, 'close', 'the console consumer to exit after SIGINT', { timeoutMs: 15_000 })
    t.after(() => { if (consumer.exitCode === null) consumer.kill('SIGKILL') })
    let described = ''
    await waitFor(async () => {
      described = (await tool(['--describe', '--group', 'g1', '--state'])).stdout
      return /\bStable\s+1\s*$/m.test(described)
    }, `group g1 Stable with one member (${described}; consumer stderr: ${out.stderr()})`, { timeoutMs: 15_000 })
    const state = table(described)
    assert.deepEqual(state[0], ['GROUP', 'COORDINATOR', '(ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'])
    assert.deepEqual(state[1], ['g1', cluster.bootstrap, '(1)', 'range', 'Stable', '1'])

    const members = table((await tool(['--describe', '--group', 'g1', '--members', '--verbose'])).stdout)
    assert.deepEqual(members[0], ['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', 'ASSIGNMENT'])
    assert.equal(members.length, 2)
    const [group, memberId, instance, host, clientId, count, assignment] = members[1]!
    assert.deepEqual([group, instance, clientId, count, assignment], ['g1', '-', 'cli-test-client', '3', 'orders(0,1,2)'])
    assert.match(memberId!, /^cli-test-client-/)
    assert.match(host!, /127\.0\.0\.1/)

    await waitFor(async () => table((await tool(['--describe', '--group', 'g1'])).stdout).slice(1).every(r => r[5] === '0' && r[6] === memberId),
      'the active member to catch up: LAG 0 on every partition, its CONSUMER-ID on every row')
    const refused = await tool(['--reset-offsets', '--group', 'g1', '--topic', 'orders', '--to-earliest', '--execute'], 1)
    assert.match(refused.stderr, /Error: Assignments can only be reset if the group 'g1' is inactive, but the current state is Stable\./)

    assert.deepEqual((await tool(['--list'])).stdout.trim().split('\n'), ['g1'])
    assert.deepEqual(table((await tool(['--list', '--state'])).stdout), [['GROUP', 'STATE'], ['g1', 'Stable']])
    const busy = await tool(['--delete', '--group', 'g1'], 1)
    assert.match(busy.stderr, /\* Group 'g1' could not be deleted due to: The group is not empty/)

    consumer.kill('SIGINT')
    await exited
    assert.match(out.stderr(), /Processed a total of 15 messages/)
  })

  await t.test('--reset-offsets: a dry run prints the plan and changes nothing; --to-earliest --execute makes the group read everything again', async () => {
    const plan = async (spec: string[]): Promise<string[][]> => table((await tool(['--reset-offsets', '--group', 'g1', '--topic', 'orders', ...spec, '--dry-run'])).stdout)
    assert.deepEqual(await plan(['--to-offset', '3']), [['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...[0, 1, 2].map(p => ['g1', 'orders', String(p), '3'])])
    assert.deepEqual((await plan(['--shift-by', '-2'])).slice(1).map(r => r[3]), ['13', '13', '13'])
    assert.deepEqual((await plan(['--shift-by', '100'])).slice(1).map(r => r[3]), ['15', '15', '15'], 'clamped to the log end')
    assert.deepEqual((await plan(['--to-datetime', '2000-01-01T00:00:00.000'])).slice(1).map(r => r[3]), ['0', '0', '0'])
    assert.deepEqual((await plan(['--to-datetime', '2999-01-01T00:00:00.000'])).slice(1).map(r => r[3]), ['15', '15', '15'])
    const onePartition = table((await tool(['--reset-offsets', '--group', 'g1', '--topic', 'orders:1', '--to-earliest'])).stdout)
    assert.deepEqual(onePartition.slice(1), [['g1', 'orders', '1', '0']])
    assert.deepEqual(table((await tool(['--describe', '--group', 'g1'])).stdout).slice(1).map(r => r[3]), ['15', '15', '15'], 'dry runs left the offsets alone')

    const executed = table((await tool(['--reset-offsets', '--group', 'g1', '--all-topics', '--to-earliest', '--execute'])).stdout)
    assert.deepEqual(executed.slice(1), [0, 1, 2].map(p => ['g1', 'orders', String(p), '0']))
    assert.deepEqual(table((await tool(['--describe', '--group', 'g1'])).stdout).slice(1).map(r => [r[3], r[5]]), [['0', '15'], ['0', '15'], ['0', '15']])
    await consume('g1', 45)
  })

  await t.test('--delete: an inactive group is deleted; describing it then says it does not exist', async () => {
    const r = await tool(['--delete', '--group', 'g1'])
    assert.equal(r.stdout, "Deletion of requested consumer groups ('g1') was successful.\n")
    const gone = await tool(['--describe', '--group', 'g1'])
    assert.match(gone.stderr, /Consumer group 'g1' does not exist\./)
    const again = await tool(['--delete', '--group', 'g1'], 1)
    assert.match(again.stderr, /could not be deleted due to: The group id does not exist/)
  })
})

test('kafka-consumer-groups: --help, bad and missing flags are named (exit 1), an unreachable server is reported within --timeout', async () => {
  const help = await runTool('kafka-consumer-groups', ['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Option\s+Description\n------\s+-----------$/m)
  assert.match(help.stdout, /--reset-offsets/)
  const cases: Array<[string[], RegExp]> = [
    [['--bootstrap-server', 'h:1', '--list', '--bogus'], /bogus is not a recognized option/],
    [['--bootstrap-server', 'h:1'], /exactly one action: --list, --describe, --delete, --reset-offsets/],
    [['--bootstrap-server', 'h:1', '--describe'], /Option \[describe\] takes one of these options: \[all-groups\], \[group\]/],
    [['--list'], /Missing required argument "\[bootstrap-server\]"/],
    [['--bootstrap-server', 'h:1', '--reset-offsets', '--group', 'g', '--topic', 't'], /Option \[reset-offsets\] takes one of these options: \[to-earliest\]/],
    [['--bootstrap-server', 'h:1', '--describe', '--group', 'g', '--timeout', 'soon'], /timeout: 'soon' is not an integer/],
  ]
  for (const [args, message] of cases) {
    const r = await runTool('kafka-consumer-groups', args)
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, message, args.join(' '))
  }
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  const r = await runTool('kafka-consumer-groups', ['--bootstrap-server', `127.0.0.1:${port}`, '--describe', '--group', 'g', '--timeout', '2000'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`could not reach any broker .*127\\.0\\.0\\.1:${port}.*ECONNREFUSED`))
  assert.ok(r.ms < 6000, `reported in ${r.ms} ms`)
})

/** `perPartition` more records on each of the three partitions. */
async function produce (producer: Producer, perPartition: number): Promise<void> {
  await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 3 * perPartition }, (_, i) => ({ partition: i % 3, value: `order-${i}` })) })
}
