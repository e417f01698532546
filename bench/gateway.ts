/**
 * The WebSocket gateway (src/gateway, docs/gateway.md) beside our own client talking to the broker
 * directly, on a real ZooKeeper, one broker and a real gateway process, in one run:
 *  1. fan-out: a topic of 6 partitions holding --records records of --value-bytes, read from the
 *     earliest offset by each count of --subscribers WebSocket subscribers (no group, format
 *     string), and by as many of our Consumers (assign every partition, seekToBeginning; the
 *     gateway's consumer settings: fetch.max.bytes and max.partition.fetch.bytes 1 MiB). Records/s
 *     summed over the subscribers, from the moment all are subscribed until each has every record
 *     or --phase-seconds pass; the headline rate is over the first 90% of the records, since the
 *     last partitions to finish can wait up to fetch.max.wait.ms behind the long poll of the
 *     finished ones (both paths share that consumer), which makes whole-run rates of short runs
 *     noisy (both are printed). Then live: as many fresh subscribers (consumers) start at the end
 *     offsets of another topic while our producer, paced, writes --live-rate records/s for
 *     --live-seconds; latency = when the client sees a record - its CreateTime (stamped at
 *     produce()), p50/p99/max in ms.
 *  2. produce, acks all: --produce-records through one socket as produceBatch frames of 500, and
 *     --produce-single-records as single produce frames (at most 8,000 records unanswered), and
 *     --produce-records through our producer directly (same client defaults as the gateway's).
 *  3. gateway RSS (VmRSS, sampled every 100 ms), each on a fresh gateway: idle, then holding
 *     --idle-sockets idle sockets; idle, then with --stalled subscribers that subscribe from the
 *     earliest offset of the fan-out topic (--records x --value-bytes: 50 MB by default) and never
 *     read (their TCP socket is paused). Growth = peak over idle; and what the gateway holds for
 *     them: V8 heap used + external memory after a full GC (asked for over --inspect), over idle.
 *
 * The clients run in a child process per phase (bench/support/gateway-load.ts), never in this one.
 * The machine has two cores and a fan-out phase keeps three processes busy (broker, gateway,
 * client); one client process holds every subscriber, so the clients take at most one core's
 * share and their JSON.parse never runs on the gateway's or the measuring event loop. Each phase
 * prints the CPU the gateway, the broker and the client used (from /proc and process.cpuUsage), so
 * what limits a rate can be read off the run. With --cpu-prof the gateway runs under
 * `node --cpu-prof` and its top functions by self time are printed at the end (profiled runs are slower).
 *
 *   node dist/bench/gateway.js [--records 500000] [--value-bytes 100] [--subscribers 1,10,100]
 *     [--phase-seconds 15] [--live-rate 2000] [--live-seconds 10] [--produce-records 1000000]
 *     [--produce-single-records 200000] [--idle-sockets 1000] [--stalled 100] [--cpu-prof]
 *     [--gateway-config key=value,key=value]   (gateway keys for every gateway the run starts)
 *     [--phases fanout,produce,rss]            (which of 1, 2, 3 to run)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { Consumer } from '../src/client/consumer.js'
import { createTopic } from '../integration-tests/support/admin.js'
import { projectRoot } from '../integration-tests/support/broker.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { GatewayProcess } from '../integration-tests/support/gateway.js'
import { RssSampler } from '../integration-tests/support/rss-sampler.js'
import type { LoadJob, LoadResult, Start } from './support/gateway-load.js'
import { summarizeProfile } from './support/cpu-profile.js'
import { parseArgs, say } from './support/bench-cli.js'
import { cpuMsOf } from './support/process-cpu.js'

const args = parseArgs(process.argv.slice(2))
const records = Number(args.records ?? 500_000)
const valueBytes = Number(args['value-bytes'] ?? 100)
const subscriberCounts = (args.subscribers ?? '1,10,100').split(',').map(Number)
const phaseSeconds = Number(args['phase-seconds'] ?? 15)
const liveRate = Number(args['live-rate'] ?? 2000)
const liveSeconds = Number(args['live-seconds'] ?? 10)
const produceRecords = Number(args['produce-records'] ?? 1_000_000)
const produceSingleRecords = Number(args['produce-single-records'] ?? 200_000)
const idleSockets = Number(args['idle-sockets'] ?? 1000)
const stalled = Number(args.stalled ?? 100)
const cpuProf = args['cpu-prof'] !== undefined
const phases = new Set((args.phases ?? 'fanout,produce,rss').split(','))
/** Gateway keys for every gateway this run starts, e.g. to compare high-water marks: k=v,k=v. */
const gatewayOverrides = Object.fromEntries((args['gateway-config'] ?? '').split(',').filter(kv => kv !== '').map(kv => {
  const [k, v] = kv.split('=')
  return [k ?? '', /^\d+$/.test(v ?? '') ? Number(v) : v ?? '']
}))
const PARTITIONS = 6
const FANOUT = 'fanout'
/** Live phases write here, so the fan-out topic keeps exactly --records. */
const LIVE = 'live'
/** The gateway's consumer defaults (src/gateway/gateway-config.ts) and --gateway-config's consumer keys, so the direct consumers fetch the same way. */
const GATEWAY_CONSUMER: Record<string, number> = {
  'fetch.max.bytes': 1_048_576,
  'max.partition.fetch.bytes': 524_288,
  ...Object.fromEntries(Object.entries(gatewayOverrides).filter(([k]) => k.startsWith('consumer.')).map(([k, v]) => [k.slice('consumer.'.length), Number(v)])),
}
const LOAD = join(projectRoot, 'dist/bench/support/gateway-load.js')

interface Measured { result: LoadResult, gatewayCpuMs: number, brokerCpuMs: number }
const table: string[] = []

async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-gateway-'))
  const profileDir = join(work, 'profile')
  if (cpuProf) mkdirSync(profileDir)
  const cluster = await startCluster({ brokers: 1 })
  const gateways: GatewayProcess[] = []
  const startGateway = async (nodeArgs: string[] = []): Promise<GatewayProcess> => {
    const g = await GatewayProcess.start(cluster.bootstrap, gatewayOverrides, { nodeArgs })
    gateways.push(g)
    return g
  }
  try {
    const brokerPid = cluster.broker(1).pid!
    say(`gateway bench: ${records} records of ${valueBytes} B in ${PARTITIONS} partitions; subscribers ${subscriberCounts.join(', ')}${cpuProf ? '; gateway under --cpu-prof' : ''}${Object.keys(gatewayOverrides).length > 0 ? `; gateway config ${JSON.stringify(gatewayOverrides)}` : ''}`)
    for (const topic of [FANOUT, LIVE, 'produce-direct', 'produce-ws-batch', 'produce-ws-single']) await createTopic(cluster.bootstrap, topic, { partitions: PARTITIONS })
    const prefill = await run({ kind: 'direct-produce', bootstrap: cluster.bootstrap, topic: FANOUT, records, valueBytes }, 'prefill (our producer)', [])
    say(`prefill: ${rate(prefill.result)}`)

    const gateway = await startGateway(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])
    const pids = [gateway.pid!, brokerPid]
    say(`gateway ${gateway.url} (pid ${gateway.pid ?? '?'}), broker pid ${brokerPid}`)

    if (phases.has('fanout')) await fanOut(cluster.bootstrap, gateway, pids)
    if (phases.has('produce')) await produce(cluster.bootstrap, gateway, pids)
    if (cpuProf) {
      await gateway.stop()
      const file = readdirSync(profileDir).find(f => f.endsWith('.cpuprofile'))
      if (file === undefined) throw new Error(`no .cpuprofile in ${profileDir}`)
      say(`\ngateway CPU profile (${join(profileDir, file)}): top functions by self time`)
      for (const line of summarizeProfile(join(profileDir, file), 25, 'the gateway')) say(`  ${line}`)
    } else {
      await gateway.cleanup()
    }

    if (phases.has('rss')) {
      say('\n3. gateway RSS')
      table.push(await rssWith(await startGateway(['--inspect=127.0.0.1:0']), { kind: 'ws-idle', url: '', count: idleSockets }, `${idleSockets} idle sockets`))
      table.push(await rssWith(await startGateway(['--inspect=127.0.0.1:0']), { kind: 'ws-stalled', url: '', topic: FANOUT, count: stalled }, `${stalled} stalled subscribers of ${(records * valueBytes / 1e6).toFixed(0)} MB`))
    }

    say('\nsummary')
    for (const line of table) say(`  ${line}`)
  } finally {
    for (const g of gateways) await g.cleanup()
    await cluster.cleanup()
    if (!cpuProf) rmSync(work, { recursive: true, force: true })
  }
}

/** 1: each subscriber count reads the whole topic, gateway and direct, then the live phases. */
async function fanOut (bootstrap: string, gateway: GatewayProcess, pids: number[]): Promise<void> {
  say('\n1. fan-out from the earliest offset, then live at a fixed rate')
  const deadlineMs = phaseSeconds * 1000
  for (const count of subscriberCounts) {
    const direct = await run({ kind: 'direct-consume', bootstrap, topic: FANOUT, count, start: 'earliest', expect: records, deadlineMs, props: GATEWAY_CONSUMER }, `${count} direct consumer(s)`, pids)
    const ws = await run({ kind: 'ws-subscribe', url: gateway.wsUrl, topic: FANOUT, count, start: 'earliest', expect: records, deadlineMs }, `${count} WebSocket subscriber(s)`, pids)
    const liveDirect = await live(bootstrap, { kind: 'direct-consume', bootstrap, topic: LIVE, count, expect: 0, start: 'earliest', deadlineMs: 0, props: GATEWAY_CONSUMER }, pids)
    const liveWs = await live(bootstrap, { kind: 'ws-subscribe', url: gateway.wsUrl, topic: LIVE, count, expect: 0, start: 'earliest', deadlineMs: 0 }, pids)
    const ratio = steadyPerSecond(ws.result) / steadyPerSecond(direct.result)
    const summary = `${String(count).padStart(3)} subscriber(s): gateway ${steadyRate(ws.result)}, ${(ratio * 100).toFixed(0)}% of direct ${steadyRate(direct.result)}; ` +
      `live ${liveRate}/s: gateway ${latency(liveWs.result)}, direct ${latency(liveDirect.result)}`
    say(summary)
    table.push(summary)
  }
}

/** 2: the same records through the gateway (batches, single frames) and through our producer. */
async function produce (bootstrap: string, gateway: GatewayProcess, pids: number[]): Promise<void> {
  say('\n2. produce, acks all')
  const direct = await run({ kind: 'direct-produce', bootstrap, topic: 'produce-direct', records: produceRecords, valueBytes }, 'our producer, directly', pids)
  const batch = await run({ kind: 'ws-produce', url: gateway.wsUrl, topic: 'produce-ws-batch', records: produceRecords, batch: 500, inflight: 8000, valueBytes }, 'WebSocket produceBatch x 500', pids)
  const single = await run({ kind: 'ws-produce', url: gateway.wsUrl, topic: 'produce-ws-single', records: produceSingleRecords, batch: 1, inflight: 8000, valueBytes }, 'WebSocket single produce frames', pids)
  for (const [what, m] of [['our producer, directly', direct], ['WebSocket produceBatch x 500', batch], ['WebSocket single produce frames', single]] as const) {
    const line = `produce ${what}: ${rate(m.result)}${m === direct ? '' : ` (${(perSecond(m.result) / perSecond(direct.result) * 100).toFixed(0)}% of direct)`}${(m.result.errors ?? 0) > 0 ? `, ${m.result.errors} errors` : ''}`
    say(line)
    table.push(line)
  }
}

/** One live phase: clients start at the end offsets, then our producer writes at --live-rate. */
async function live (bootstrap: string, job: Extract<LoadJob, { kind: 'ws-subscribe' | 'direct-consume' }>, pids: number[]): Promise<Measured> {
  const liveRecords = Math.round(liveRate * liveSeconds)
  const consuming = LoadProcess.start({ ...job, start: await endOffsets(bootstrap, LIVE), expect: liveRecords, deadlineMs: liveSeconds * 1000 + 30_000 }, `${job.count} ${job.kind === 'ws-subscribe' ? 'WebSocket subscriber(s)' : 'direct consumer(s)'}, live`)
  await consuming.ready
  const cpuBefore = pids.map(cpuMsOf)
  const producing = LoadProcess.start({ kind: 'direct-produce', bootstrap, topic: LIVE, records: liveRecords, valueBytes, perSecond: liveRate }, 'paced producer', false)
  const [result] = await Promise.all([consuming.result, producing.result])
  const cpuAfter = pids.map(cpuMsOf)
  return { result, gatewayCpuMs: cpuAfter[0]! - cpuBefore[0]!, brokerCpuMs: cpuAfter[1]! - cpuBefore[1]! }
}

/** Runs `job` in a client process; CPU of `pids` (gateway, broker) is counted from its ready to its result. */
async function run (job: LoadJob, what: string, pids: number[]): Promise<Measured> {
  const load = LoadProcess.start(job, what)
  await load.ready
  const before = pids.map(cpuMsOf)
  const result = await load.result
  const after = pids.map(cpuMsOf)
  const m: Measured = { result, gatewayCpuMs: (after[0] ?? 0) - (before[0] ?? 0), brokerCpuMs: (after[1] ?? 0) - (before[1] ?? 0) }
  if (pids.length > 0) {
    const cpu = (ms: number): string => `${(ms / result.ms * 100).toFixed(0)}% (${(ms * 1000 / Math.max(1, result.records)).toFixed(2)} µs/record)`
    say(`  ${what}: ${result.steady !== undefined ? steadyRate(result) : rate(result)}; CPU: gateway ${cpu(m.gatewayCpuMs)}, broker ${cpu(m.brokerCpuMs)}, client ${cpu(result.cpuMs)}`)
  }
  return m
}

/**
 * Gateway RSS while a client process holds `job`'s sockets, over the idle RSS of the fresh
 * gateway: the peak (which includes delivering what the kernel's socket buffers take before a
 * stalled socket pushes back, and what any busy Node process grows into once: V8's young
 * generation, compiled code, the allocator's arenas, none of which V8 or malloc hand back), and
 * what the gateway holds for the sockets: V8 heap in use plus external memory after a full GC
 * (asked for over the inspector protocol), against the same after a GC at idle.
 */
async function rssWith (gateway: GatewayProcess, job: Extract<LoadJob, { kind: 'ws-idle' | 'ws-stalled' }>, what: string): Promise<string> {
  try {
    const idleMiB = await idleRss(gateway)
    const idleLive = await liveAfterGc(gateway)
    const sampler = RssSampler.start(gateway.pid!)
    const load = LoadProcess.start({ ...job, url: gateway.wsUrl }, what)
    try {
      await load.ready
      const delivered = await settled(gateway, sampler)
      const peakMiB = sampler.maxMiB
      const held = await liveAfterGc(gateway) - idleLive
      const line = `RSS with ${what}: idle ${idleMiB.toFixed(1)} MiB -> peak ${peakMiB.toFixed(1)} MiB (+${(peakMiB - idleMiB).toFixed(1)} MiB), ` +
        `${sampler.lastMiB.toFixed(1)} MiB after a full GC; held (V8 heap used + external, after a full GC, over idle) +${held.toFixed(1)} MiB, ` +
        `${(held / job.count * 1024).toFixed(1)} KiB per socket` + (job.kind === 'ws-stalled' ? `; ${delivered.toLocaleString('en-US')} records sent before every socket paused` : '')
      say(line)
      return line
    } finally {
      sampler.stop()
      load.kill()
    }
  } finally {
    await gateway.cleanup()
  }
}

/** V8 heap in use plus external memory (Buffers), in MiB, after a full GC (HeapProfiler.collectGarbage over the gateway's --inspect port). */
async function liveAfterGc (gateway: GatewayProcess): Promise<number> {
  const url = gateway.lines.map(l => /Debugger listening on (ws:\/\/\S+)/.exec(l)?.[1]).find(u => u !== undefined)
  if (url === undefined) throw new Error('the gateway runs without --inspect')
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  for (let id = 1; id <= 2; id++) {
    await new Promise<void>(resolve => {
      ws.on('message', (data: Buffer) => { if ((JSON.parse(data.toString()) as { id?: number }).id === id) resolve() })
      ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }))
    })
  }
  ws.close()
  return (await gateway.metric('nodejs_heap_size_used_bytes') + await gateway.metric('nodejs_external_memory_bytes')) / 2 ** 20
}

/** The gateway's RSS after 2 s without sockets (the largest sample of those 2 s). */
async function idleRss (gateway: GatewayProcess): Promise<number> {
  const sampler = RssSampler.start(gateway.pid!)
  await new Promise(resolve => setTimeout(resolve, 2000))
  const mib = sampler.maxMiB
  sampler.stop()
  return mib
}

/** Waits until nothing more is delivered for 2 s (every stalled socket paused; at once for idle ones); the records delivered. */
async function settled (gateway: GatewayProcess, sampler: RssSampler): Promise<number> {
  let delivered = -1
  let still = 0
  for (let s = 0; s < 120 && still < 4; s++) {
    await new Promise(resolve => setTimeout(resolve, 500))
    const now = await gateway.metric('kafka_gateway_records_delivered_total')
    const mib = async (name: string): Promise<string> => (await gateway.metric(name) / 2 ** 20).toFixed(1)
    say(`    ${(s + 1) / 2} s: RSS ${sampler.lastMiB.toFixed(1)} MiB (V8 heap ${await mib('nodejs_heap_size_total_bytes')} MiB, ${await mib('nodejs_heap_size_used_bytes')} used; external ${await mib('nodejs_external_memory_bytes')} MiB), ${now.toLocaleString('en-US')} records delivered`)
    still = now === delivered ? still + 1 : 0
    delivered = now
  }
  return delivered
}

/** A client process (bench/support/gateway-load.ts) running one job; its progress is printed as it comes. */
class LoadProcess {
  readonly ready: Promise<number>
  readonly result: Promise<LoadResult>
  private readonly child: ChildProcess

  private constructor (job: LoadJob, what: string, printProgress: boolean) {
    const child = spawn(process.execPath, [LOAD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
    let lastRecords = 0
    let lastMs = 0
    let onReady!: (atMs: number) => void
    let onResult!: (r: LoadResult) => void
    let onExit!: (err: Error) => void
    this.ready = new Promise((resolve, reject) => { onReady = resolve; onExit = reject })
    const failReady = onExit
    this.result = new Promise((resolve, reject) => { onResult = resolve; onExit = err => { failReady(err); reject(err) } })
    this.ready.catch(() => {})
    this.result.catch(() => {})
    child.once('close', code => onExit(new Error(`${what}: the client process exited with ${code ?? child.signalCode} before its result:\n${stderr.slice(-2000)}`)))
    let rest = ''
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        const e = JSON.parse(line) as { event: string, atMs?: number, records?: number, ms?: number } & LoadResult
        if (e.event === 'ready') onReady(e.atMs!)
        else if (e.event === 'result') onResult(e)
        else if (e.event === 'progress' && printProgress) {
          const recent = (e.records! - lastRecords) / Math.max(1, e.ms! - lastMs) * 1000
          say(`    ${what}: ${(e.ms! / 1000).toFixed(0)} s, ${e.records!.toLocaleString('en-US')} records, ${Math.round(recent).toLocaleString('en-US')} records/s now`)
          lastRecords = e.records!
          lastMs = e.ms!
        }
      }
    })
  }

  static start (job: LoadJob, what: string, printProgress = true): LoadProcess {
    return new LoadProcess(job, what, printProgress)
  }

  kill (): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}

/** The next offset of every partition of `topic` (a live phase starts there). */
async function endOffsets (bootstrap: string, topic: string): Promise<Start> {
  const consumer = new Consumer({ 'bootstrap.servers': [bootstrap], 'client.id': 'bench-offsets' })
  try {
    const partitions = await consumer.partitionsFor(topic)
    consumer.assign(partitions)
    consumer.seekToEnd(partitions)
    const out: Record<string, number> = {}
    for (const tp of partitions) out[String(tp.partition)] = await consumer.position(tp)
    return out
  } finally {
    await consumer.close()
  }
}

function perSecond (r: LoadResult): number { return r.records / Math.max(1, r.ms) * 1000 }

function rate (r: LoadResult): string {
  return `${Math.round(perSecond(r)).toLocaleString('en-US')} records/s (${r.records.toLocaleString('en-US')} in ${(r.ms / 1000).toFixed(1)} s)`
}

/** Records/s over the first 90% of a consume job's records (see LoadResult.steady), whole run in brackets. */
function steadyPerSecond (r: LoadResult): number {
  return r.steady === undefined || r.steady.ms === 0 ? perSecond(r) : r.steady.records / r.steady.ms * 1000
}

function steadyRate (r: LoadResult): string {
  return `${Math.round(steadyPerSecond(r)).toLocaleString('en-US')} records/s (whole run ${Math.round(perSecond(r)).toLocaleString('en-US')}: ${r.records.toLocaleString('en-US')} in ${(r.ms / 1000).toFixed(1)} s)`
}

function latency (r: LoadResult): string {
  const l = r.latency
  return l === undefined ? 'no latency' : `p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.count.toLocaleString('en-US')} records)`
}

await main()
