/**
 * The client side of bench/gateway.ts, in a process of its own so that the clients' work (parsing
 * records frames, our client's record decoding) never shares the measuring process's event loop.
 * One job per process, given as JSON in argv[2]; it reports JSON lines on stdout:
 *   {"event": "ready", "atMs"}                      every socket or consumer is connected and positioned
 *   {"event": "progress", "records", "ms"}          every second: records since ready
 *   {"event": "result", "records", "ms", "cpuMs", "latency"?, "errors"?}   and the process exits
 * ws-idle and ws-stalled jobs report ready and then hold their sockets until the parent kills them.
 *
 * Latency (consume jobs started at given offsets, i.e. live records) is the time a record is seen
 * here minus its CreateTime, which our producer stamps when the bench calls produce(): end to end,
 * in ms, as a histogram with 1 ms buckets.
 */
import WebSocket from 'ws'
import { Consumer, type TopicPartition } from '../../src/client/consumer.js'
import { Producer } from '../../src/client/producer.js'

/** Where a consume job starts: the beginning, or exact offsets (by partition) for a live phase. */
export type Start = 'earliest' | Record<string, number>

export type LoadJob =
  | { kind: 'ws-subscribe', url: string, topic: string, count: number, start: Start, expect: number, deadlineMs: number }
  | { kind: 'direct-consume', bootstrap: string, topic: string, count: number, start: Start, expect: number, deadlineMs: number, props: Record<string, number> }
  | { kind: 'ws-produce', url: string, topic: string, records: number, batch: number, inflight: number, valueBytes: number }
  | { kind: 'direct-produce', bootstrap: string, topic: string, records: number, valueBytes: number, perSecond?: number }
  | { kind: 'ws-idle', url: string, count: number }
  | { kind: 'ws-stalled', url: string, topic: string, count: number }

export interface LatencySummary { count: number, p50: number, p99: number, max: number }

export interface LoadResult {
  records: number
  ms: number
  /**
   * Consume jobs: the records and time up to the first 90% of `records`. The last partitions to
   * finish can wait up to fetch.max.wait.ms behind a long poll for the finished ones (one Fetch
   * in flight per broker, as Java's consumer has), which makes whole-run rates of short runs noisy.
   */
  steady?: { records: number, ms: number }
  /** This process's CPU (user + system) over the measured window. */
  cpuMs: number
  latency?: LatencySummary
  errors?: number
}

/** The bench's record value: `valueBytes` of printable ASCII. */
function benchValue (valueBytes: number): string {
  return 'kafka-gateway-bench '.repeat(Math.ceil(valueBytes / 20)).slice(0, valueBytes)
}

const PROGRESS_MS = 1000
/** How often a consume job notes its count, for the steady rate. */
const SAMPLE_MS = 20
/** A paced producer's tick: each tick produces what the rate allows by then. */
const PACE_MS = 5
/** Sockets or consumers opened at once: 1,000 upgrades in one burst would only measure the accept queue. */
const CONNECT_CONCURRENCY = 50

async function main (): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as LoadJob
  switch (job.kind) {
    case 'ws-subscribe': return await wsSubscribe(job)
    case 'direct-consume': return await directConsume(job)
    case 'ws-produce': return await wsProduce(job)
    case 'direct-produce': return await directProduce(job)
    case 'ws-idle': return await wsHold(job.url, job.count, null)
    case 'ws-stalled': return await wsHold(job.url, job.count, job.topic)
  }
}

/**
 * Counts records per subscriber from `ready` on; done when every subscriber has `expect` of them
 * or at `deadlineMs`. Records seen before ready (while later subscribers still connect) are not counted.
 */
class Meter {
  private readonly perSubscriber: number[]
  private total = 0
  private readyAtMs = 0
  private cpuAtReady = process.cpuUsage()
  private finished = 0
  private doneAtMs = 0
  private readonly histogram: Uint32Array | null
  /** [ms since ready, records] every SAMPLE_MS, for the steady rate. */
  private readonly samples: Array<[number, number]> = []
  private resolveDone?: () => void
  readonly done = new Promise<void>(resolve => { this.resolveDone = resolve })

  constructor (count: number, private readonly expect: number, live: boolean) {
    this.perSubscriber = new Array<number>(count).fill(0)
    this.histogram = live ? new Uint32Array(60_001) : null
  }

  ready (deadlineMs: number): void {
    this.readyAtMs = Date.now()
    this.cpuAtReady = process.cpuUsage()
    this.total = 0
    report({ event: 'ready', atMs: this.readyAtMs })
    const progress = setInterval(() => report({ event: 'progress', records: this.total, ms: Date.now() - this.readyAtMs }), PROGRESS_MS)
    const sampling = setInterval(() => this.samples.push([Date.now() - this.readyAtMs, this.total]), SAMPLE_MS)
    const deadline = setTimeout(() => this.finish(), deadlineMs)
    void this.done.then(() => { clearInterval(progress); clearInterval(sampling); clearTimeout(deadline) })
  }

  /** Subscriber `i` just received `n` records; `timestampOf(j)` is the CreateTime of the j-th. */
  seen (i: number, n: number, timestampOf?: (j: number) => number): void {
    const before = this.perSubscriber[i]!
    this.perSubscriber[i] = before + n
    if (this.readyAtMs === 0) return
    this.total += n
    if (this.histogram !== null && timestampOf !== undefined) {
      const now = Date.now()
      for (let j = 0; j < n; j++) this.histogram[Math.min(60_000, Math.max(0, now - timestampOf(j)))]!++
    }
    if (before < this.expect && before + n >= this.expect && ++this.finished === this.perSubscriber.length) this.finish()
  }

  get isDone (): boolean { return this.doneAtMs !== 0 }

  result (): LoadResult {
    const cpu = process.cpuUsage(this.cpuAtReady)
    const ms = this.doneAtMs - this.readyAtMs
    const at90 = this.samples.find(([, n]) => n >= 0.9 * this.total) ?? [ms, this.total]
    return { records: this.total, ms, steady: { ms: at90[0], records: at90[1] }, cpuMs: (cpu.user + cpu.system) / 1000, latency: this.histogram === null ? undefined : summarize(this.histogram) }
  }

  private finish (): void {
    if (this.doneAtMs !== 0) return
    this.doneAtMs = Date.now()
    this.resolveDone?.()
  }
}

async function wsSubscribe (job: Extract<LoadJob, { kind: 'ws-subscribe' }>): Promise<void> {
  const meter = new Meter(job.count, job.expect, job.start !== 'earliest')
  const from = job.start === 'earliest' ? 'earliest' : { offsets: { [job.topic]: job.start } }
  const sockets = await inBatches(job.count, async i => {
    const ws = await openSocket(job.url)
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { op: string, records?: Array<{ timestamp: number }>, message?: string }
        if (frame.op === 'records') {
          const records = frame.records!
          meter.seen(i, records.length, j => records[j]!.timestamp)
        } else if (frame.op === 'subscribed') resolve()
        else if (frame.op === 'error') reject(new Error(`subscription ${i}: ${frame.message ?? ''}`))
      })
      ws.send(JSON.stringify({ op: 'subscribe', sub: 's', topics: [job.topic], from }))
    })
    return ws
  })
  meter.ready(job.deadlineMs)
  await meter.done
  const result = meter.result()
  for (const ws of sockets) ws.terminate()
  report({ event: 'result', ...result })
}

async function directConsume (job: Extract<LoadJob, { kind: 'direct-consume' }>): Promise<void> {
  const meter = new Meter(job.count, job.expect, job.start !== 'earliest')
  const consumers = await inBatches(job.count, async () => {
    const consumer = new Consumer({ ...job.props, 'bootstrap.servers': [job.bootstrap], 'client.id': 'bench-direct' })
    const partitions: TopicPartition[] = await consumer.partitionsFor(job.topic)
    consumer.assign(partitions)
    const start = job.start
    if (start === 'earliest') consumer.seekToBeginning(partitions)
    else for (const tp of partitions) consumer.seek(tp, start[String(tp.partition)] ?? 0)
    // positioned now (ListOffsets), so ready means the next poll fetches
    await Promise.all(partitions.map(async tp => await consumer.position(tp)))
    return consumer
  })
  meter.ready(job.deadlineMs)
  await Promise.all(consumers.map(async (consumer, i) => {
    while (!meter.isDone) {
      const records = await consumer.poll(200)
      meter.seen(i, records.length, j => records[j]!.timestamp)
    }
  }))
  const result = meter.result()
  await Promise.all(consumers.map(async c => await c.close()))
  report({ event: 'result', ...result })
}

/**
 * `records` through one socket: produceBatch frames of `batch` records, or single produce frames
 * when batch is 1, acks all, with at most `inflight` records unanswered (below the gateway's
 * gateway.max.inflight.records.per.socket, so the window, not TCP pushback, paces the client).
 * The frame text is built once: this measures the gateway, not the client's JSON.stringify.
 */
async function wsProduce (job: Extract<LoadJob, { kind: 'ws-produce' }>): Promise<void> {
  const ws = await openSocket(job.url)
  const record = JSON.stringify({ topic: job.topic, value: { type: 'string', data: benchValue(job.valueBytes) } })
  const recordsText = `[${new Array<string>(job.batch).fill(record).join(',')}]`
  const frame = job.batch === 1
    ? (id: number) => `{"op":"produce","id":${id},"acks":"all",${record.slice(1)}`
    : (id: number) => `{"op":"produceBatch","id":${id},"acks":"all","records":${recordsText}}`
  const frames = Math.ceil(job.records / job.batch)
  const startedMs = Date.now()
  report({ event: 'ready', atMs: startedMs })
  const cpuAtStart = process.cpuUsage()
  let sent = 0
  let answered = 0
  let acked = 0
  let errors = 0
  const progress = setInterval(() => report({ event: 'progress', records: acked, ms: Date.now() - startedMs }), PROGRESS_MS)
  await new Promise<void>((resolve, reject) => {
    const fill = (): void => {
      while (sent < frames && (sent - answered) * job.batch < job.inflight) ws.send(frame(sent++))
    }
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as { op: string, results?: Array<{ code?: number }>, message?: string }
      if (f.op === 'ack') acked++
      else if (f.op === 'acks') {
        for (const r of f.results!) {
          if (r.code === undefined) acked++
          else errors++
        }
      } else if (f.op === 'error') errors++
      else return
      if (++answered === frames) resolve()
      else fill()
    })
    ws.on('close', code => reject(new Error(`the gateway closed the socket (${code})`)))
    fill()
  })
  clearInterval(progress)
  const cpu = process.cpuUsage(cpuAtStart)
  const result: LoadResult = { records: acked, ms: Date.now() - startedMs, cpuMs: (cpu.user + cpu.system) / 1000, errors }
  ws.terminate()
  report({ event: 'result', ...result })
}

/**
 * The same records through our producer directly (acks all, the client defaults the gateway's
 * producer also uses): as fast as buffer.memory lets it, or paced at `perSecond` (each record
 * stamped with its CreateTime when produced: what the consume jobs' latency counts from).
 */
async function directProduce (job: Extract<LoadJob, { kind: 'direct-produce' }>): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': [job.bootstrap], acks: 'all', 'client.id': 'bench-direct' })
  await producer.client.refreshMetadata([job.topic])
  const record = { topic: job.topic, value: benchValue(job.valueBytes) }
  let acked = 0
  let errors = 0
  const onDelivery = (err: Error | null): void => { if (err === null) acked++; else errors++ }
  const startedMs = Date.now()
  report({ event: 'ready', atMs: startedMs })
  const cpuAtStart = process.cpuUsage()
  const progress = setInterval(() => report({ event: 'progress', records: acked, ms: Date.now() - startedMs }), PROGRESS_MS)
  const perSecond = job.perSecond
  for (let i = 0; i < job.records; i++) {
    if (perSecond !== undefined && i >= (Date.now() - startedMs) * perSecond / 1000) await new Promise(resolve => setTimeout(resolve, PACE_MS))
    if (!producer.hasRoom) await producer.waitForRoom()
    producer.produce(record, onDelivery)
  }
  await producer.flush()
  clearInterval(progress)
  const cpu = process.cpuUsage(cpuAtStart)
  const result: LoadResult = { records: acked, ms: Date.now() - startedMs, cpuMs: (cpu.user + cpu.system) / 1000, errors }
  await producer.close()
  report({ event: 'result', ...result })
}

/**
 * Opens `count` sockets and holds them until killed: idle ones (topic null), or stalled
 * subscribers that subscribe from the earliest offset and then never read (their TCP socket is
 * paused, so the kernel buffers fill and the gateway's own queue for them grows to its high-water mark).
 */
async function wsHold (url: string, count: number, topic: string | null): Promise<void> {
  await inBatches(count, async () => {
    const ws = await openSocket(url)
    if (topic === null) return ws
    await new Promise<void>((resolve, reject) => {
      ws.once('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { op: string, message?: string }
        if (frame.op !== 'subscribed') reject(new Error(`expected subscribed, got ${data.toString('utf8').slice(0, 300)}`))
        ;(ws as unknown as { _socket: import('node:net').Socket })._socket.pause()
        resolve()
      })
      ws.send(JSON.stringify({ op: 'subscribe', sub: 'stalled', topics: [topic], from: 'earliest' }))
    })
    return ws
  })
  report({ event: 'ready', atMs: Date.now() })
  // held until the bench kills this process; the timer keeps it alive, since paused sockets do not
  setInterval(() => {}, 60_000)
}

async function openSocket (url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, ['kafka.v1'], { perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode ?? 0}`)))
  })
  return ws
}

async function inBatches<T> (count: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
    out.push(...await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - i) }, async (_, j) => await open(i + j))))
  }
  return out
}

function summarize (histogram: Uint32Array): LatencySummary {
  let count = 0
  let max = 0
  for (let ms = 0; ms < histogram.length; ms++) {
    count += histogram[ms]!
    if (histogram[ms]! > 0) max = ms
  }
  const at = (p: number): number => {
    let seen = 0
    for (let ms = 0; ms < histogram.length; ms++) {
      seen += histogram[ms]!
      if (seen > p * count) return ms
    }
    return max
  }
  return { count, p50: at(0.5), p99: at(0.99), max }
}

function report (event: object): void {
  process.stdout.write(JSON.stringify(event) + '\n')
}

await main()
