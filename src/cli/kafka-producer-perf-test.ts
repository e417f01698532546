/**
 * kafka-producer-perf-test: sends --num-records records of --record-size bytes (or lines of a
 * --payload-file) as fast as --throughput allows, and prints Kafka's ProducerPerformance lines: a
 * running line every 5 s, then records/sec, MB/sec, average and maximum latency and the 50th, 95th,
 * 99th and 99.9th percentiles. Latency is from send() to the delivery result in milliseconds, as in Kafka.
 */
import { UsageError, type KafkaError } from '../errors.js'
import { Producer, type RecordMetadata } from '../client/producer.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, readFlagFile, runTool, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-producer-perf-test',
  summary: 'This tool is used to verify the producer performance.',
  flags: [
    { name: 'topic', arg: 'TOPIC', description: 'produce messages to this topic' },
    { name: 'num-records', arg: 'NUM-RECORDS', description: 'number of messages to produce' },
    { name: 'record-size', arg: 'RECORD-SIZE', description: 'message size in bytes. Note that you must provide exactly one of --record-size or --payload-file.' },
    { name: 'payload-file', arg: 'PAYLOAD-FILE', description: 'file to read the message payloads from; payloads are split by --payload-delimiter and picked at random.' },
    { name: 'payload-delimiter', arg: 'PAYLOAD-DELIMITER', description: 'delimiter between payloads in --payload-file (default: \\n)' },
    { name: 'throughput', arg: 'THROUGHPUT', description: 'throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.' },
    { name: 'producer-props', arg: 'PROP-NAME=PROP-VALUE', description: 'kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config.', multiValue: true },
    { name: 'producer.config', arg: 'CONFIG-FILE', description: 'producer config properties file.' },
    { name: 'command-config', arg: 'CONFIG-FILE', description: 'Same as --producer.config.' },
    { name: 'bootstrap-server', arg: 'BOOTSTRAP-SERVERS', description: 'The server(s) to connect to; overrides bootstrap.servers of the producer properties.' },
    { name: 'reporting-interval', arg: 'MS', description: 'Interval at which to print progress info (default: 5000)' },
  ],
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const topic = flags.require('topic')
  const numRecords = flags.int('num-records', NaN)
  if (!Number.isInteger(numRecords) || numRecords < 0) throw new UsageError('Missing required argument "[num-records]"')
  const throughput = flags.number('throughput', NaN)
  if (Number.isNaN(throughput)) throw new UsageError('Missing required argument "[throughput]"')
  if (flags.has('record-size') === flags.has('payload-file')) throw new UsageError('Exactly one of --record-size or --payload-file must be specified')
  if (!flags.has('producer-props') && !flags.has('producer.config') && !flags.has('command-config') && !flags.has('bootstrap-server')) {
    throw new UsageError('Either --producer-props or --producer.config must be specified.')
  }
  const payloads = payloadsOf(flags.int('record-size', 0), flags.get('payload-file'), flags.get('payload-delimiter') ?? '\n')
  const props = clientProperties(flags, { fileFlag: flags.has('producer.config') ? 'producer.config' : 'command-config', keyValueListFlag: 'producer-props' })
  const producer = new Producer(props)
  warnUnknownKeys(producer.unknownKeys)
  const stats = new Stats(numRecords, flags.int('reporting-interval', 5000))
  const throttler = new Throttler(throughput)
  let firstError: Error | undefined
  // no allocation per record: one record object, refilled (produce reads it before returning), and
  // one delivery callback per distinct payload. Latency is taken, as Kafka's tool takes it, in
  // milliseconds from the send: the record's CreateTime, set by produce() to Date.now().
  const callbacks = payloads.map(payload => (err: KafkaError | null, meta: RecordMetadata | null): void => {
    if (err !== null) firstError ??= err
    stats.record(meta === null ? 0 : Date.now() - meta.timestamp, err === null ? payload.length : 0)
  })
  const record = { topic, value: payloads[0]! }
  try {
    for (let i = 0; i < numRecords; i++) {
      if (!producer.hasRoom) await producer.waitForRoom()
      const which = payloads.length === 1 ? 0 : Math.floor(Math.random() * payloads.length)
      record.value = payloads[which]!
      producer.produce(record, callbacks[which])
      if (firstError !== undefined) break
      const wait = throttler.waitMs(i + 1)
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      else if ((i & 1023) === 1023) await new Promise(resolve => setImmediate(resolve))
    }
    await producer.flush()
  } finally {
    await producer.close().catch(() => {})
    stats.stop()
  }
  if (firstError !== undefined) {
    process.stderr.write(`Error: ${firstError.message}\n`)
    return 1
  }
  process.stdout.write(stats.summary() + '\n')
  return 0
}

function payloadsOf (recordSize: number, file: string | undefined, delimiter: string): Buffer[] {
  if (file === undefined) {
    if (recordSize <= 0) throw new UsageError('Option record-size must be a positive number of bytes')
    // Kafka's payload: random uppercase letters, the same bytes for every record
    return [Buffer.from(Array.from({ length: recordSize }, () => 65 + Math.floor(Math.random() * 26)))]
  }
  const text = readFlagFile('payload-file', file)
  const payloads = text.split(delimiter).filter(s => s !== '').map(s => Buffer.from(s))
  if (payloads.length === 0) throw new UsageError(`Option payload-file: ${file} holds no payloads`)
  return payloads
}

/** Kafka's ThroughputThrottler: sleeps whenever the send rate runs ahead of the target. */
class Throttler {
  private readonly startMs = performance.now()
  constructor (private readonly perSecond: number) {}
  waitMs (sent: number): number {
    if (this.perSecond <= 0) return 0
    const due = this.startMs + (sent / this.perSecond) * 1000
    return Math.max(0, due - performance.now())
  }
}

/** Kafka's ProducerPerformance.Stats: windows every reporting interval, latency percentiles from a sample. */
class Stats {
  private readonly start = performance.now()
  private readonly sampling: number
  private readonly latencies: Float64Array
  private sampled = 0
  private count = 0
  private bytes = 0
  private maxLatency = 0
  private totalLatency = 0
  private window = { start: performance.now(), count: 0, bytes: 0, maxLatency: 0, totalLatency: 0 }
  private readonly timer: NodeJS.Timeout

  constructor (numRecords: number, reportingIntervalMs: number) {
    this.sampling = Math.max(1, Math.floor(numRecords / Math.min(Math.max(numRecords, 1), 500_000)))
    this.latencies = new Float64Array(Math.ceil(numRecords / this.sampling) + 1)
    this.timer = setInterval(() => this.printWindow(), reportingIntervalMs)
  }

  record (latencyMs: number, bytes: number): void {
    if (this.count % this.sampling === 0 && this.sampled < this.latencies.length) this.latencies[this.sampled++] = latencyMs
    this.count++
    this.bytes += bytes
    this.totalLatency += latencyMs
    this.maxLatency = Math.max(this.maxLatency, latencyMs)
    const w = this.window
    w.count++
    w.bytes += bytes
    w.totalLatency += latencyMs
    w.maxLatency = Math.max(w.maxLatency, latencyMs)
  }

  stop (): void { clearInterval(this.timer) }

  summary (): string {
    const elapsedS = (performance.now() - this.start) / 1000
    const sorted = this.latencies.subarray(0, this.sampled).sort()
    const pct = (p: number): number => Math.floor(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0)
    return `${this.count} records sent, ${(this.count / elapsedS).toFixed(6)} records/sec (${(this.bytes / elapsedS / 1048576).toFixed(2)} MB/sec), ` +
      `${(this.totalLatency / Math.max(1, this.count)).toFixed(2)} ms avg latency, ${this.maxLatency.toFixed(2)} ms max latency, ` +
      `${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.`
  }

  private printWindow (): void {
    const w = this.window
    const elapsedS = (performance.now() - w.start) / 1000
    process.stdout.write(`${w.count} records sent, ${(w.count / elapsedS).toFixed(1)} records/sec (${(w.bytes / elapsedS / 1048576).toFixed(2)} MB/sec), ` +
      `${(w.totalLatency / Math.max(1, w.count)).toFixed(1)} ms avg latency, ${w.maxLatency.toFixed(1)} ms max latency.\n`)
    this.window = { start: performance.now(), count: 0, bytes: 0, maxLatency: 0, totalLatency: 0 }
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
