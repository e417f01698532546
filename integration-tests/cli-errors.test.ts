import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runTool } from './support/cli-tool.js'

/** A port nothing listens on: bound, noted, closed. */
async function deadPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  return port
}

const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'))
const fast = join(dir, 'fast.properties')
// short client deadlines, so "unreachable" is reported in about a second and a half
writeFileSync(fast, 'default.api.timeout.ms=1500\nrequest.timeout.ms=1000\n')
const fastProducer = join(dir, 'fast-producer.properties')
writeFileSync(fastProducer, 'default.api.timeout.ms=1500\nrequest.timeout.ms=1000\nmax.block.ms=1500\n')
test.after(() => rmSync(dir, { recursive: true, force: true }))

const tools = ['kafka-topics', 'kafka-configs', 'kafka-console-producer', 'kafka-console-consumer', 'kafka-producer-perf-test', 'kafka-consumer-perf-test', 'kafka-delete-records', 'kafka-get-offsets', 'kafka-reassign-partitions', 'kafka-transactions']

for (const tool of tools) {
  test(`${tool}: --help prints Kafka's option table on stdout and exits 0`, async () => {
    const r = await runTool(tool, ['--help'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Option\s+Description\n------\s+-----------$/m)
    assert.match(r.stdout, /--bootstrap-server|--producer-props/)
  })

  test(`${tool}: an unknown flag is named on stderr, exit 1`, async () => {
    const r = await runTool(tool, ['--bogus-flag', 'x'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /bogus-flag is not a recognized option/)
    assert.equal(r.stdout, '')
  })
}

const missing: Array<[string, string[], RegExp]> = [
  ['kafka-topics', ['--bootstrap-server', 'h:1', '--create'], /Missing required argument "\[topic\]"/],
  ['kafka-topics', ['--bootstrap-server', 'h:1', '--create', '--list'], /exactly one action/],
  ['kafka-topics', ['--list'], /Missing required argument "\[bootstrap-server\]"/],
  ['kafka-topics', ['--bootstrap-server', 'h:1', '--create', '--topic', 't', '--partitions', 'four'], /partitions: 'four' is not an integer/],
  ['kafka-configs', ['--bootstrap-server', 'h:1', '--describe'], /entity-type/],
  ['kafka-configs', ['--bootstrap-server', 'h:1', '--entity-type', 'topics', '--entity-name', 't', '--alter'], /--add-config/],
  ['kafka-console-producer', ['--bootstrap-server', 'h:1'], /Missing required argument "\[topic\]"/],
  ['kafka-console-producer', ['--bootstrap-server', 'h:1', '--topic', 't', '--property', 'parse.key'], /property: 'parse.key' is not of the form key=value/],
  ['kafka-console-consumer', ['--bootstrap-server', 'h:1'], /Exactly one of --include\/--topic is required/],
  ['kafka-console-consumer', ['--bootstrap-server', 'h:1', '--topic', 't', '--group', 'g', '--partition', '0'], /group and partition cannot be specified together/],
  ['kafka-console-consumer', ['--bootstrap-server', 'h:1', '--topic', 't', '--offset', '5'], /partition is required when offset is specified/],
  ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '10', '--throughput', '-1', '--producer-props', 'bootstrap.servers=h:1'], /record-size or --payload-file/],
  ['kafka-consumer-perf-test', ['--bootstrap-server', 'h:1', '--topic', 't'], /Missing required argument "\[messages\]"/],
  ['zookeeper-shell', ['localhost:2181', '-bogus', 'ls', '/'], /-bogus is not a recognized option/],
  ['kafka-transactions', ['--bootstrap-server', 'h:1'], /a command is required/],
  ['kafka-transactions', ['--bootstrap-server', 'h:1', 'commit'], /invalid choice: 'commit'/],
  ['kafka-transactions', ['--bootstrap-server', 'h:1', 'describe'], /Missing required argument "\[transactional-id\]"/],
  ['kafka-transactions', ['--bootstrap-server', 'h:1', 'describe-producers', '--topic', 't', '--partition', 'one'], /partition: 'one' is not an integer/],
  ['kafka-transactions', ['--bootstrap-server', 'h:1', 'abort', '--topic', 't', '--partition', '0'], /must be identified either with --start-offset/],
  ['kafka-transactions', ['--bootstrap-server', 'h:1', 'find-hanging', '--partition', '0', '--broker-id', '1'], /--partition argument requires --topic/],
]
for (const [tool, args, message] of missing) {
  test(`${tool} ${args.slice(2).join(' ')}: a bad or missing flag is named, exit 1`, async () => {
    const r = await runTool(tool, args)
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stderr, message)
  })
}

test('zookeeper-shell: --help prints its usage, exit 0', async () => {
  const r = await runTool('zookeeper-shell', ['--help'])
  assert.equal(r.code, 0)
  assert.match(r.stdout, /USAGE: zookeeper-shell zookeeper_host:port/)
})

test('every tool reports an unreachable server within its timeout, naming it, exit 1', async () => {
  const port = await deadPort()
  const b = `127.0.0.1:${port}`
  const runs: Array<[string, string[], string?]> = [
    ['kafka-topics', ['--bootstrap-server', b, '--list', '--command-config', fast]],
    ['kafka-topics', ['--bootstrap-server', b, '--create', '--topic', 't', '--command-config', fast]],
    ['kafka-configs', ['--bootstrap-server', b, '--topic', 't', '--describe', '--command-config', fast]],
    ['kafka-console-producer', ['--bootstrap-server', b, '--topic', 't', '--producer.config', fastProducer], 'a line\n'],
    ['kafka-console-consumer', ['--bootstrap-server', b, '--topic', 't', '--consumer.config', fast]],
    ['kafka-console-consumer', ['--bootstrap-server', b, '--topic', 't', '--group', 'g', '--consumer.config', fast]],
    ['kafka-producer-perf-test', ['--topic', 't', '--num-records', '100', '--record-size', '10', '--throughput', '-1', '--producer-props', `bootstrap.servers=${b}`, '--producer.config', fastProducer]],
    ['kafka-consumer-perf-test', ['--bootstrap-server', b, '--topic', 't', '--messages', '10', '--consumer.config', fast]],
    ['zookeeper-shell', [b, '-timeout', '1500', 'ls', '/']],
    ['kafka-transactions', ['--bootstrap-server', b, '--command-config', fast, 'list']],
  ]
  // in parallel: each must end on its own deadline, not hang
  await Promise.all(runs.map(async ([tool, args, input]) => {
    const r = await runTool(tool, args, { input, timeoutMs: 15_000 })
    assert.equal(r.code, 1, `${tool}: ${r.stderr}`)
    assert.ok(r.stderr.includes(b), `${tool} should name ${b}: ${r.stderr}`)
    assert.match(r.stderr, /ECONNREFUSED|could not connect/, tool)
    assert.ok(r.ms < 10_000, `${tool} took ${r.ms} ms`)
  }))
})
