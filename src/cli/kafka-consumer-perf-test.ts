/**
 * kafka-consumer-perf-test: reads --messages records from a topic (all its partitions, from the
 * beginning unless --from-latest) and prints Kafka's ConsumerPerformance line: start and end time,
 * MB and MB/sec, messages and messages/sec, rebalance time, fetch time and the fetch rates. With
 * --show-detailed-stats it prints a line per --reporting-interval instead. Consumer groups are not
 * built yet, so the partitions are assigned directly and rebalance.time.ms is 0.
 */
import { UsageError } from '../errors.js'
import { Consumer } from '../client/consumer.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-consumer-perf-test',
  summary: 'This tool is used to verify the consumer performance.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to.' },
    { name: 'broker-list', arg: 'String: broker-list', description: 'DEPRECATED, use --bootstrap-server instead.' },
    { name: 'topic', arg: 'String: topic', description: 'REQUIRED: The topic to consume from.' },
    { name: 'messages', arg: 'Long: count', description: 'REQUIRED: The number of messages to send or consume' },
    { name: 'group', arg: 'String: gid', description: 'The group id to consume on (not supported yet).' },
    { name: 'fetch-size', arg: 'Integer: size', description: 'The amount of data to fetch in a single request. (default: 1048576)' },
    { name: 'from-latest', description: 'If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.' },
    { name: 'timeout', arg: 'Long: milliseconds', description: 'The maximum allowed time in milliseconds between returned records. (default: 10000)' },
    { name: 'show-detailed-stats', description: 'If set, stats are reported for each reporting interval as configured by reporting-interval' },
    { name: 'reporting-interval', arg: 'Integer: interval_ms', description: 'Interval in milliseconds at which to print progress info. (default: 5000)' },
    { name: 'date-format', arg: 'String: date format', description: 'The date format to use for formatting the time field: yyyy-MM-dd HH:mm:ss:SSS is the only one supported.' },
    { name: 'hide-header', description: 'If set, skips printing the header for the stats' },
    { name: 'consumer.config', arg: 'String: config file', description: 'Consumer config properties file.' },
    { name: 'command-config', arg: 'String: config file', description: 'Same as --consumer.config.' },
    { name: 'print-metrics', description: 'Print out the metrics (accepted; nothing extra is printed).' },
  ],
}

const MB = 1024 * 1024

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const topic = flags.require('topic')
  const messages = flags.int('messages', NaN)
  if (!Number.isInteger(messages) || messages < 0) throw new UsageError('Missing required argument "[messages]"')
  if (flags.has('group')) throw new UsageError('Option group: consumer groups are not supported yet; run without --group')
  if (flags.has('date-format') && flags.get('date-format') !== 'yyyy-MM-dd HH:mm:ss:SSS') throw new UsageError('Option date-format: only yyyy-MM-dd HH:mm:ss:SSS is supported')
  const timeoutMs = flags.int('timeout', 10_000)
  const intervalMs = flags.int('reporting-interval', 5000)
  const detailed = flags.has('show-detailed-stats')
  const consumer = new Consumer(clientProperties(flags, {
    fileFlag: flags.has('consumer.config') ? 'consumer.config' : 'command-config',
    defaults: { 'max.partition.fetch.bytes': flags.get('fetch-size') ?? 1048576, 'max.poll.records': 5000 },
  }))
  warnUnknownKeys(consumer.unknownKeys)
  if (!flags.has('hide-header')) {
    process.stdout.write(detailed
      ? 'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n'
      : 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n')
  }
  let count = 0
  let bytes = 0
  const start = Date.now()
  let last = { at: start, count: 0, bytes: 0 }
  try {
    const partitions = await consumer.partitionsFor(topic)
    consumer.assign(partitions)
    if (flags.has('from-latest')) consumer.seekToEnd()
    else consumer.seekToBeginning()
    let lastRecordAt = Date.now()
    while (count < messages) {
      const records = await consumer.poll(Math.max(0, Math.min(1000, lastRecordAt + timeoutMs - Date.now())))
      const now = Date.now()
      if (records.length === 0) {
        if (now - lastRecordAt >= timeoutMs) {
          process.stderr.write(`WARN Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`)
          break
        }
        continue
      }
      lastRecordAt = now
      for (const r of records) {
        if (count >= messages) break
        count++
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0)
      }
      if (detailed && now - last.at >= intervalMs) {
        process.stdout.write(row(timeText(now), '0', bytes / MB, (bytes - last.bytes) / MB, count, count - last.count, now - last.at) + '\n')
        last = { at: now, count, bytes }
      }
    }
  } finally {
    await consumer.close()
  }
  const end = Date.now()
  if (!detailed) process.stdout.write(row(timeText(start), timeText(end), bytes / MB, bytes / MB, count, count, end - start) + '\n')
  return 0
}

/** One ConsumerPerformance line; fetch time equals elapsed time because there is no rebalance. */
function row (first: string, second: string, totalMb: number, windowMb: number, total: number, windowCount: number, elapsedMs: number): string {
  const s = Math.max(elapsedMs, 1) / 1000
  return `${first}, ${second}, ${totalMb.toFixed(4)}, ${(windowMb / s).toFixed(4)}, ${total}, ${(windowCount / s).toFixed(4)}, 0, ${elapsedMs}, ${(windowMb / s).toFixed(4)}, ${(windowCount / s).toFixed(4)}`
}

/** Kafka's default date format, yyyy-MM-dd HH:mm:ss:SSS, in local time. */
function timeText (ms: number): string {
  const d = new Date(ms)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`
}

if (isMain(import.meta.url)) runTool(tool, main)
