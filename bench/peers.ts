/**
 * This broker beside Redis Streams and NATS JetStream on the same machine, in the same run,
 * `--rounds` times; min / median / max of each figure:
 *  - produce `--records` of `--value-bytes`: kcat -P (acks=1, librdkafka's batching) against
 *    redis-benchmark XADD (50 clients, pipelines of 1,000; AOF with appendfsync everysec) and
 *    JetStream PublishAsync (nats.go, 4,000 unacknowledged at most, file storage);
 *  - consume them from the start: kcat -C (queued.min.messages raised, so librdkafka never pauses on
 *    a full queue) against XRANGE pages of 10,000 and a JetStream ordered consumer;
 *  - end-to-end latency at each `--rates` for `--latency-seconds`: a steady source (a line every
 *    millisecond) into kcat -P with linger.ms=`--linger-ms`, read by librdkafka's consumer (confluent-kafka-python, bench/support/librdkafka-latency-consumer.py,
 *    which measures in its own process); the same into redis-cli --pipe (XADD)
 *    read with XREAD BLOCK, and into nats.go's PublishAsync read by an ordered consumer (bench/support/jetstream-peer). Latency =
 *    when the bench reads the record − when it was produced (CreateTime stamped by librdkafka, a
 *    Date.now() in the payload for the peers), at 1 ms resolution.
 * redis-server and nats-server (Debian's) are started on free loopback ports in a temp dir and stopped after.
 *
 * With --stalls the broker runs with bench/support/event-loop-stalls.js preloaded, beside an idle
 * Node process that has it too (the probe); at the end the bench prints the broker's event-loop stalls
 * that the probe did not share (its own work), its GC pauses, and the probe's stalls (the machine's).
 *
 *   node dist/bench/peers.js [--rounds 5] [--records 1000000] [--value-bytes 100] [--rates 10000,100000] [--latency-seconds 5]
 *     [--linger-ms 1] [--only zkafka,redis,nats] [--stalls]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import { startCluster } from '../integration-tests/support/cluster.js'
import { createTopic } from '../integration-tests/support/admin.js'
import { waitForTopic } from '../integration-tests/support/wire-connection.js'
import { freePort } from '../integration-tests/support/free-port.js'
import { buildGoClient } from '../integration-tests/support/go-client.js'
import { parseArgs, say } from './support/bench-cli.js'
import { KCAT_CONSUMER_PREFETCH, KCAT_PRODUCER, runTimed, writeRecordsFile } from './support/kcat-load.js'
import { ownStalls, type LoopEvent } from './support/event-loop-stalls.js'

const args = parseArgs(process.argv.slice(2))
const rounds = Number(args.rounds ?? 5)
const records = Number(args.records ?? 1_000_000)
const valueBytes = Number(args['value-bytes'] ?? 100)
const rates = (args.rates ?? '10000,100000').split(',').map(Number)
const latencySeconds = Number(args['latency-seconds'] ?? 5)
const only = args.only?.split(',')
const lingerMs = args['linger-ms'] ?? '1'
const stalls = args.stalls !== undefined
const stallLogger = fileURLToPath(new URL('./support/event-loop-stalls.js', import.meta.url))
const latencyConsumer = fileURLToPath(new URL('../../bench/support/librdkafka-latency-consumer.py', import.meta.url))
const value = 'x'.repeat(valueBytes)

interface Peer {
  name: string
  /** Produces `records` into a fresh stream named `name`; resolves with the wall-clock ms. */
  produce: (name: string) => Promise<number>
  /** Reads the `records` of stream `name` from its start; resolves with the wall-clock ms. */
  consume: (name: string) => Promise<number>
  /** Latencies (ms) of `count` records produced into a fresh stream `name` at `rate` per second. */
  latency: (name: string, rate: number, count: number) => Promise<Latencies>
  stop: () => Promise<void>
}

/** As the consumer measured them; `producedMs` spans the records' produce stamps, so count / producedMs is the rate achieved. */
interface Latencies { latencies: number[], producedMs: number }

type Figures = Map<string, number[]>

async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-peers-'))
  const input = join(work, 'records.txt')
  writeRecordsFile(input, records, valueBytes)
  const starts = { zkafka: async () => await zkafka(input, work), redis: async () => await redisStreams(work), nats: async () => await natsJetStream(work) }
  const peers: Peer[] = []
  for (const [key, start] of Object.entries(starts)) if (only === undefined || only.includes(key)) peers.push(await start())
  const figures: Figures = new Map()
  const note = (key: string, v: number): void => { figures.set(key, [...(figures.get(key) ?? []), v]) }
  try {
    say(`peers: ${rounds} rounds of ${records} records of ${valueBytes} B, latency at ${rates.join(', ')} records/s for ${latencySeconds} s each`)
    for (let round = 1; round <= rounds; round++) {
      for (const peer of peers) {
        const stream = `bench-${round}`
        const produceMs = await peer.produce(stream)
        note(`${peer.name}|produce`, records / produceMs * 1000)
        const consumeMs = await peer.consume(stream)
        note(`${peer.name}|consume`, records / consumeMs * 1000)
        for (const rate of rates) {
          const count = rate * latencySeconds
          const { latencies: inOrder, producedMs } = await peer.latency(`lat-${round}-${rate}`, rate, count)
          if (process.env.DEBUG_LAT) for (let i = 0; i < 10; i++) { const c = inOrder.slice(i * inOrder.length / 10, (i + 1) * inOrder.length / 10).sort((a, b) => a - b); say(`  ${i}: p50 ${percentile(c, 0.5)} p99 ${percentile(c, 0.99)} max ${c.at(-1)}`) }
          const sorted = inOrder.sort((a, b) => a - b)
          note(`${peer.name}|achieved@${rate}`, count / producedMs * 1000)
          note(`${peer.name}|p50@${rate}`, percentile(sorted, 0.5))
          note(`${peer.name}|p99@${rate}`, percentile(sorted, 0.99))
          note(`${peer.name}|max@${rate}`, sorted[sorted.length - 1]!)
        }
        say(`round ${round} ${peer.name}: produce ${Math.round(records / produceMs * 1000)}/s, consume ${Math.round(records / consumeMs * 1000)}/s, ` +
          rates.map(r => `p99@${r} ${figures.get(`${peer.name}|p99@${r}`)!.at(-1)!.toFixed(1)} ms (${Math.round(figures.get(`${peer.name}|achieved@${r}`)!.at(-1)!)}/s achieved)`).join(', '))
      }
    }
    printTable(peers.map(p => p.name), figures)
  } finally {
    for (const peer of peers) await peer.stop()
    rmSync(work, { recursive: true, force: true })
  }
}

async function zkafka (input: string, work: string): Promise<Peer> {
  const brokerLog = join(work, 'broker-stalls.json')
  const probeLog = join(work, 'probe-stalls.json')
  if (stalls) process.env.STALL_LOG = brokerLog // the broker inherits it
  const cluster = await startCluster({ brokers: 1, nodeArgs: stalls ? ['--import', stallLogger] : [] })
  delete process.env.STALL_LOG
  const probe = stalls ? spawn(process.execPath, ['--import', stallLogger, '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 60000)"], { env: { ...process.env, STALL_LOG: probeLog }, stdio: 'ignore' }) : undefined
  /** The latency phases' [start, end] wall-clock times: --stalls reports on these only. */
  const latencyPhases: Array<[number, number]> = []
  const b = cluster.bootstrap
  const topic = async (name: string): Promise<void> => {
    await createTopic(b, name, { partitions: 1 })
    await waitForTopic(b, name, 1)
  }
  return {
    name: 'zkafka (kcat)',
    async produce (name) {
      await topic(name)
      return await runTimed('kcat', ['-P', '-b', b, '-t', name, '-p', '0', ...KCAT_PRODUCER, '-l', input])
    },
    async consume (name) {
      return await runTimed('kcat', ['-C', '-b', b, '-t', name, '-p', '0', '-o', 'beginning', '-c', String(records), '-q', '-f', '%s\n',
        '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=8388608', ...KCAT_CONSUMER_PREFETCH])
    },
    async latency (name, rate, count) {
      await topic(name)
      const consumer = spawn('/usr/bin/python3', [latencyConsumer, b, name, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] })
      const latencies = output(consumer).then(out => JSON.parse(out) as Latencies)
      await waitForOutput(consumer, /ready/, 'the librdkafka consumer to be assigned and fetching')
      const started = Date.now()
      await runTimed('kcat', ['-P', '-b', b, '-t', name, '-p', '0', '-X', 'acks=1', '-X', `linger.ms=${lingerMs}`, '-q'], { records: count, perSecond: rate, valueBytes, everyMs: 1 })
      const result = await latencies
      latencyPhases.push([started, Date.now()])
      return result
    },
    async stop () {
      if (probe !== undefined) {
        probe.kill('SIGTERM')
        await new Promise(resolve => probe.once('exit', resolve))
        await cluster.brokers[0]!.stop() // SIGTERM: the broker writes its log on exit
        reportStalls(brokerLog, probeLog, latencyPhases)
      }
      await cluster.cleanup()
    },
  }
}

/** What --stalls recorded during the latency phases. */
function reportStalls (brokerLog: string, probeLog: string, phases: Array<[number, number]>): void {
  const read = (file: string): LoopEvent[] => existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LoopEvent[]).filter(e => phases.some(([from, to]) => e.at >= from && e.at <= to)) : []
  say(`during the latency phases (${Math.round(phases.reduce((sum, [from, to]) => sum + to - from, 0) / 1000)} s):`)
  const broker = read(brokerLog)
  const probe = read(probeLog)
  const line = (events: LoopEvent[]): string => {
    const ms = events.map(e => e.ms).sort((a, b) => a - b)
    return `${ms.length} (total ${Math.round(ms.reduce((a, b) => a + b, 0))} ms, median ${ms[ms.length >> 1] ?? 0} ms, max ${ms.at(-1) ?? 0} ms)`
  }
  say(`broker event-loop stalls >= 10 ms the idle probe did not share: ${line(ownStalls(broker, probe, 10))}`)
  const pauses = broker.filter(e => e.kind.startsWith('gc') && e.ms >= 5)
  const kinds = [...new Set(pauses.map(e => e.kind))].map(kind => `${kind} ${line(pauses.filter(e => e.kind === kind))}`)
  say(`broker GC pauses >= 5 ms: ${line(pauses)}${kinds.length > 0 ? `; ${kinds.join('; ')}` : ''}`)
  say(`probe stalls >= 10 ms (the machine): ${line(probe.filter(e => e.kind === 'stall' && e.ms >= 10))}`)
}

async function redisStreams (work: string): Promise<Peer> {
  const port = await freePort()
  const dir = mkdtempSync(join(work, 'redis-'))
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] })
  await waitForOutput(server, /Ready to accept connections/, 'redis-server to accept connections')
  const client = createClient({ socket: { host: '127.0.0.1', port } })
  await client.connect()
  return {
    name: 'Redis Streams',
    async produce (name) {
      const start = performance.now()
      const out = await output('redis-benchmark', ['-p', String(port), '-n', String(records), '-P', '1000', '-q', 'XADD', name, '*', 'v', value])
      const ms = performance.now() - start
      if (await client.xLen(name) !== records) throw new Error(`redis-benchmark XADD left ${await client.xLen(name)} entries, not ${records}: ${out}`)
      return ms
    },
    async consume (name) {
      const start = performance.now()
      let seen = 0
      let from = '-'
      for (;;) {
        const page = await client.xRange(name, from, '+', { COUNT: 10_000 })
        if (page === null || page.length === 0) break
        seen += page.length
        from = '(' + page[page.length - 1]!.id
      }
      if (seen !== records) throw new Error(`XRANGE read ${seen} of ${records}`)
      return performance.now() - start
    },
    async latency (name, rate, count) {
      const reader = client.duplicate()
      await reader.connect()
      const latencies: number[] = []
      const stamps: number[] = []
      const reading = (async () => {
        let last = '0' // a fresh stream: from its start, so nothing is missed however late the first XREAD is served
        while (latencies.length < count) {
          const answer = await reader.xRead({ key: name, id: last }, { BLOCK: 1000, COUNT: 10_000 })
          const now = Date.now()
          for (const { messages } of answer ?? []) {
            for (const m of messages) {
              const stamp = Number(m.message.ts)
              if (stamps.length < 2) stamps.push(stamp)
              else stamps[1] = stamp
              latencies.push(now - stamp)
            }
            if (messages.length > 0) last = messages[messages.length - 1]!.id
          }
        }
      })()
      const pipe = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'ignore', 'pipe'] })
      const resp = (fields: string[]): string => `*${fields.length}\r\n` + fields.map(f => `$${Buffer.byteLength(f)}\r\n${f}\r\n`).join('')
      await paced(rate, count, () => resp(['XADD', name, '*', 'ts', String(Date.now()), 'v', value]), text => pipe.stdin!.write(text))
      pipe.stdin!.end()
      await new Promise(resolve => pipe.once('exit', resolve))
      await reading
      await reader.quit()
      return { latencies, producedMs: stamps[1]! - stamps[0]! }
    },
    async stop () {
      await client.quit()
      server.kill('SIGTERM')
      await new Promise(resolve => server.once('exit', resolve))
    },
  }
}

async function natsJetStream (work: string): Promise<Peer> {
  const port = await freePort()
  const dir = mkdtempSync(join(work, 'nats-'))
  const server = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  await waitForOutput(server, /Server is ready/, 'nats-server to be ready')
  const peer = await buildGoClient('jetstream-peer', fileURLToPath(new URL('../../bench/support/jetstream-peer', import.meta.url)))
  const client = (stream: string, mode: string[]): ChildProcess => spawn(peer, ['-url', `nats://127.0.0.1:${port}`, '-stream', stream, ...mode], { stdio: ['ignore', 'pipe', 'pipe'] })
  const publish = ['publish', '-size', String(valueBytes), '-n']
  return {
    name: 'NATS JetStream',
    async produce (name) {
      return Number(await output(client(name, [...publish, String(records)])))
    },
    async consume (name) {
      return Number(await output(client(name, ['consume', '-n', String(records)])))
    },
    async latency (name, rate, count) {
      const consumer = client(name, ['consume', '-latency', '-n', String(count)])
      const latencies = output(consumer).then(out => JSON.parse(out) as Latencies)
      await waitForOutput(consumer, /ready/, 'the JetStream consumer to subscribe')
      await output(client(name, [...publish, String(count), '-rate', String(rate)]))
      return await latencies
    },
    async stop () {
      server.kill('SIGTERM')
      await new Promise(resolve => server.once('exit', resolve))
    },
  }
}

/** Calls `make` for every record due at `rate` per second, each millisecond, writing what is due in one go. */
async function paced (rate: number, count: number, make: () => string, write: (text: string) => void): Promise<void> {
  const start = performance.now()
  let sent = 0
  await new Promise<void>(resolve => {
    const timer = setInterval(() => {
      const due = Math.min(count, Math.floor((performance.now() - start) / 1000 * rate))
      let text = ''
      for (; sent < due; sent++) text += make()
      if (text !== '') write(text)
      if (sent >= count) { clearInterval(timer); resolve() }
    }, 1)
  })
}

async function waitForOutput (child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 20_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output: ${seen.slice(-500)}`)), timeoutMs)
    const look = (d: Buffer): void => {
      seen += d.toString()
      if (pattern.test(seen)) { clearTimeout(timer); resolve() }
    }
    child.stdout?.on('data', look)
    child.stderr?.on('data', look)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`${what}: the process exited with ${String(code)}; output: ${seen.slice(-500)}`)) })
  })
}

/** Runs a command to completion (or waits for a spawned one); resolves with its stdout. */
async function output (command: string | ChildProcess, argv: string[] = []): Promise<string> {
  const child = typeof command === 'string' ? spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] }) : command
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  const code = await new Promise(resolve => child.once('exit', resolve))
  if (code !== 0) throw new Error(`${child.spawnargs.join(' ')} exited with ${String(code)}: ${err}`)
  return out
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}

function printTable (names: string[], figures: Figures): void {
  const measures = ['produce', 'consume', ...rates.flatMap(r => [`p50@${r}`, `p99@${r}`, `max@${r}`])]
  const stat = (values: number[]): string => {
    const s = [...values].sort((a, b) => a - b)
    const f = (v: number): string => v >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 10) / 10)
    return `${f(s[0]!)} / ${f(s[Math.floor(s.length / 2)]!)} / ${f(s[s.length - 1]!)}`
  }
  say('')
  say(`| measure (min / median / max of ${rounds}) | ${names.join(' | ')} |`)
  say(`|---|${names.map(() => '---:').join('|')}|`)
  for (const m of measures) {
    const unit = m === 'produce' || m === 'consume' ? 'records/s' : 'ms'
    say(`| ${m} (${unit}) | ${names.map(n => stat(figures.get(`${n}|${m}`) ?? [NaN])).join(' | ')} |`)
  }
}

await main()
