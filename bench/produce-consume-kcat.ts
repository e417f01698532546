/**
 * End-to-end throughput of one broker (RF=1, one partition, real ZooKeeper) with kcat as the load:
 *  1. raw disk baselines, in the broker's data dir: a sequential 1 MiB-chunk write of --disk-mb plus
 *     fsync (through the page cache, as the broker writes), and the same with O_DIRECT (dd
 *     oflag=direct: the device itself, which moves far less from run to run on this VM);
 *  2. produce: kcat -P of --records records of --value-bytes (acks=1, librdkafka's batching), wall clock;
 *  3. consume from the beginning: kcat -C to /dev/null (with librdkafka's default prefetch queue, then
 *     with queued.min.messages raised), then a lean Node Fetch loop (this project's
 *     codec, batch headers only, no record decoding) that counts records and bytes;
 *  4. tailing: kcat -P of the same records again while the lean consumer follows the log end; the
 *     broker's CPU per record beside the first produce is what serving the tailing fetches costs;
 *  5. latency: this process feeds kcat's stdin --latency-records more at a steady --latency-rate
 *     while the lean consumer tails the log; each record's latency is the time it was fetched minus
 *     its CreateTime, which librdkafka stamps when kcat reads the line (kcat reports no delivery
 *     times). That is end-to-end latency (linger.ms + Produce + the tailing Fetch), an upper bound
 *     on produce latency, at 1 ms resolution. A burst (a whole file at once) would instead measure
 *     how long records wait in librdkafka's queue behind each other.
 * With --cpu-prof the broker runs under `node --cpu-prof` and the top self-time functions of its
 * profile are printed after it shuts down (figures from a profiled run are lower).
 *
 *   node dist/bench/produce-consume-kcat.js [--records 1000000] [--value-bytes 100] [--latency-records 200000]
 *     [--latency-rate 100000] [--disk-mb 100] [--cpu-prof]
 */
import { spawnSync } from 'node:child_process'
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decode } from '../src/protocol/codec.js'
import { encodeRequestFrame, readResponseHeader } from '../src/protocol/header.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { Reader } from '../src/protocol/primitives/reader.js'
import { decodeRecordBatches } from '../src/protocol/records/record.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { createTopic } from '../integration-tests/support/admin.js'
import { waitForTopic } from '../integration-tests/support/wire-connection.js'
import { summarizeProfile } from './support/cpu-profile.js'
import { cpuMsOf } from './support/process-cpu.js'
import { parseArgs, say } from './support/bench-cli.js'
import { KCAT_CONSUMER_PREFETCH, KCAT_PRODUCER, runTimed, writeRecordsFile } from './support/kcat-load.js'

const args = parseArgs(process.argv.slice(2))
const records = Number(args.records ?? 1_000_000)
const valueBytes = Number(args['value-bytes'] ?? 100)
const latencyRecords = Number(args['latency-records'] ?? 200_000)
const latencyRate = Number(args['latency-rate'] ?? 100_000)
const diskMb = Number(args['disk-mb'] ?? 100)
const cpuProf = args['cpu-prof'] !== undefined
const TOPIC = 'bench'

async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-kcat-'))
  const profileDir = join(work, 'profile')
  if (cpuProf) mkdirSync(profileDir)
  const cluster = await startCluster({ brokers: 1, nodeArgs: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] })
  try {
    const broker = cluster.broker(1)
    say(`produce-consume-kcat: ${records} records of ${valueBytes} bytes, broker ${broker.bootstrap}${cpuProf ? ' (under --cpu-prof)' : ''}`)
    await createTopic(cluster.bootstrap, TOPIC, { partitions: 1 })
    await waitForTopic(cluster.bootstrap, TOPIC, 1)

    const disk = rawDiskWrite(join(broker.dir, 'data'), diskMb)
    say(`raw disk: ${diskMb} MB sequential write + fsync in ${disk.ms.toFixed(0)} ms = ${(diskMb / disk.ms * 1000).toFixed(0)} MB/s (write ${disk.writeMs.toFixed(0)} ms, fsync ${(disk.ms - disk.writeMs).toFixed(0)} ms)`)
    const directMs = directDiskWrite(join(broker.dir, 'data'), diskMb)
    say(`raw disk, O_DIRECT: ${diskMb} MB sequential write in ${directMs.toFixed(0)} ms = ${(diskMb / directMs * 1000).toFixed(0)} MB/s`)

    // The broker's CPU time per phase (from /proc) moves less than wall clock when other work shares the cores.
    let cpuAt = cpuMsOf(broker.pid!)
    const brokerCpu = (count: number): string => {
      const ms = cpuMsOf(broker.pid!) - cpuAt
      cpuAt += ms
      return `broker CPU ${ms} ms, ${(ms * 1000 / count).toFixed(2)} µs/record`
    }
    const input = join(work, 'records.txt')
    writeRecordsFile(input, records, valueBytes)
    const kcatProduce = ['-P', '-b', cluster.bootstrap, '-t', TOPIC, '-p', '0', ...KCAT_PRODUCER, '-l', input]
    cpuAt = cpuMsOf(broker.pid!)
    const produceMs = await runTimed('kcat', kcatProduce)
    report('produce (kcat -P, acks=1)', records, records * valueBytes, produceMs, brokerCpu(records))
    const share = (baselineMs: number): string => `${(100 * (records * valueBytes / 1e6 / produceMs) / (diskMb / baselineMs)).toFixed(0)}%`
    say(`produce against the raw disk: ${share(disk.ms)} of write + fsync, ${share(directMs)} of O_DIRECT`)

    const kcatConsume = ['-C', '-b', cluster.bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-c', String(records), '-q', '-f', '%s\n', '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=8388608']
    const kcatConsumeMs = await runTimed('kcat', kcatConsume)
    report('consume (kcat -C to /dev/null)', records, records * valueBytes, kcatConsumeMs, brokerCpu(records))
    const kcatQueuedMs = await runTimed('kcat', [...kcatConsume, ...KCAT_CONSUMER_PREFETCH])
    report('consume (kcat -C, queued.min.messages=10000000)', records, records * valueBytes, kcatQueuedMs, brokerCpu(records))

    const lean = await leanConsume(broker.bootstrap, 0, records)
    report('consume (lean Node Fetch v4 loop)', lean.records, lean.bytes, lean.ms, `${(lean.bytes / lean.records).toFixed(1)} bytes/record on the wire, ${lean.fetches} fetches, ${brokerCpu(records)}`)

    // A consumer tailing the log while kcat produces the same records again: what each fetched
    // byte costs the broker when it was just appended (the produce phase above is the baseline).
    const tailing = leanConsume(broker.bootstrap, records, records)
    const tailProduceMs = await runTimed('kcat', kcatProduce)
    const tailer = await tailing
    report('produce again (kcat -P) with the lean consumer tailing', records, records * valueBytes, tailProduceMs,
      `consumer got the last record ${(tailer.ms - tailProduceMs).toFixed(0)} ms after kcat exited, ${tailer.fetches} fetches, ${brokerCpu(records)}`)

    const tail = leanConsume(broker.bootstrap, 2 * records, latencyRecords, true)
    const latencyProduceMs = await runTimed('kcat', ['-P', '-b', cluster.bootstrap, '-t', TOPIC, '-p', '0', ...KCAT_PRODUCER], { records: latencyRecords, perSecond: latencyRate, valueBytes })
    const tailed = await tail
    const latencies = tailed.latenciesMs.sort((a, b) => a - b)
    say(`latency: ${latencyRecords} more records fed to kcat at ${(latencyRecords / latencyProduceMs * 1000).toFixed(0)} records/s while tailing: ` +
      `CreateTime -> fetched p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ${latencies[latencies.length - 1]} ms`)

    if (cpuProf) {
      await broker.stop()
      const file = readdirSync(profileDir).find(f => f.endsWith('.cpuprofile'))
      if (file === undefined) throw new Error(`no .cpuprofile in ${profileDir}`)
      say(`broker CPU profile (${join(profileDir, file)}): top functions by self time`)
      for (const line of summarizeProfile(join(profileDir, file), 20, 'the broker')) say(`  ${line}`)
    }
  } finally {
    await cluster.cleanup()
    // a profiled run keeps its profile, not the records files beside it (500 MB with --value-bytes 10000)
    for (const name of readdirSync(work)) if (!cpuProf || name !== 'profile') rmSync(join(work, name), { recursive: true, force: true })
    if (!cpuProf) rmSync(work, { recursive: true, force: true })
  }
}

function rawDiskWrite (dir: string, mb: number): { ms: number, writeMs: number } {
  const file = join(dir, 'raw-disk-baseline.bin')
  const chunk = Buffer.alloc(1 << 20, 0x61)
  const start = performance.now()
  const fd = openSync(file, 'w')
  for (let i = 0; i < mb; i++) writeSync(fd, chunk)
  const writeMs = performance.now() - start
  fsyncSync(fd)
  closeSync(fd)
  const ms = performance.now() - start
  rmSync(file)
  return { ms, writeMs }
}

/** dd with oflag=direct: a page-aligned buffer, which Node's Buffers are not guaranteed to be. */
function directDiskWrite (dir: string, mb: number): number {
  const file = join(dir, 'raw-disk-direct.bin')
  const start = performance.now()
  const dd = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`, 'oflag=direct', 'status=none'], { encoding: 'utf8' })
  const ms = performance.now() - start
  rmSync(file, { force: true })
  if (dd.status !== 0) throw new Error(`dd oflag=direct failed (${dd.status ?? dd.signal}): ${dd.stderr}`)
  return ms
}

/**
 * Fetch v4 (record batches as bytes, no flexible encoding) from `fromOffset` until `count` records,
 * one request in flight. Records are counted from batch headers (lastOffsetDelta), never decoded,
 * except with `withLatency`, which decodes each record's CreateTime.
 */
async function leanConsume (address: string, fromOffset: number, count: number, withLatency = false): Promise<{ records: number, bytes: number, ms: number, fetches: number, latenciesMs: number[] }> {
  const [host, port] = address.split(':') as [string, string]
  const socket = connect({ host, port: Number(port), noDelay: true })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  const frames = frameReader(socket)
  const start = performance.now()
  let offset = fromOffset
  let bytes = 0
  let fetches = 0
  const latenciesMs: number[] = []
  try {
    while (offset < fromOffset + count) {
      const correlationId = ++fetches
      socket.write(encodeRequestFrame(FetchRequest, { apiVersion: 4, correlationId, clientId: 'bench' }, {
        replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 64 << 20, isolationLevel: 0,
        topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 16 << 20 }] }],
      }))
      const reader = new Reader(await frames.next())
      const now = Date.now()
      if (readResponseHeader(reader, 0).correlationId !== correlationId) throw new Error('correlation id mismatch')
      const answer = decode(FetchResponse, 4, reader).responses[0]!.partitions[0]!
      if (answer.errorCode !== 0) throw new Error(`fetch error ${answer.errorCode} at ${offset}`)
      const recordsBytes = answer.records ?? Buffer.alloc(0)
      bytes += recordsBytes.length
      // batch header: baseOffset int64 @0, batchLength int32 @8, lastOffsetDelta int32 @23
      for (let pos = 0; pos + 61 <= recordsBytes.length;) {
        const size = 12 + recordsBytes.readInt32BE(pos + 8)
        if (pos + size > recordsBytes.length) break // a partial batch at the end of the answer
        const next = Number(recordsBytes.readBigInt64BE(pos)) + recordsBytes.readInt32BE(pos + 23) + 1
        if (withLatency) {
          for (const r of decodeRecordBatches(recordsBytes.subarray(pos, pos + size))[0]!.records) if (r.offset >= offset) latenciesMs.push(now - r.timestamp)
        }
        offset = Math.max(offset, next)
        pos += size
      }
    }
    return { records: offset - fromOffset, bytes, ms: performance.now() - start, fetches, latenciesMs }
  } finally {
    socket.destroy()
  }
}

function frameReader (socket: Socket): { next: () => Promise<Buffer> } {
  const chunks: Buffer[] = []
  let buffered = 0
  let waiting: (() => void) | undefined
  let failed: Error | undefined
  socket.on('data', (d: Buffer) => { chunks.push(d); buffered += d.length; waiting?.() })
  socket.on('close', () => { failed ??= new Error('broker closed the connection'); waiting?.() })
  socket.on('error', err => { failed = err; waiting?.() })
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    chunks.length = 0
    if (all.length > n) chunks.push(all.subarray(n))
    buffered -= n
    return all.subarray(0, n)
  }
  return {
    async next () {
      for (;;) {
        if (buffered >= 4) {
          const head = chunks[0]!.length >= 4 ? chunks[0]! : Buffer.concat(chunks)
          const size = head.readInt32BE(0)
          if (buffered >= 4 + size) return take(4 + size).subarray(4)
        }
        if (failed !== undefined) throw failed
        await new Promise<void>(resolve => { waiting = resolve })
        waiting = undefined
      }
    },
  }
}

function report (what: string, count: number, bytes: number, ms: number, extra = ''): void {
  const perSecond = count / ms * 1000
  say(`${what}: ${count} records in ${ms.toFixed(0)} ms = ${Math.round(perSecond).toLocaleString('en-US')} records/s, ${(bytes / ms * 1000 / 1e6).toFixed(1)} MB/s${extra === '' ? '' : ` (${extra})`}`)
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
}

await main()
