/**
 * kafka-console-consumer: prints records to stdout with Kafka's DefaultMessageFormatter
 * (print.timestamp / print.partition / print.offset / print.headers / print.key / print.value and
 * the separators), and on Ctrl-C, --max-messages or --timeout-ms ends with
 * "Processed a total of N messages" on stderr, as Kafka does. With --group (or group.id) it
 * subscribes as a member of that group and auto-commits, as Kafka's does; without one it assigns
 * itself every partition of the chosen topics, or the one --partition.
 */
import { UsageError } from '../errors.js'
import { Consumer, type ConsumerRecord } from '../client/consumer.js'
import { GroupConsumer } from '../client/group-consumer.js'
import { Admin } from '../client/admin.js'
import type { ClientProperties } from '../client/client-config.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, keyValue, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-console-consumer',
  summary: 'This tool helps to read data from Kafka topics and outputs it to standard output.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'REQUIRED: The server(s) to connect to.' },
    { name: 'topic', arg: 'String: topic', description: 'The topic to consume on.' },
    { name: 'include', arg: 'String: Java regex (String)', description: 'Regular expression specifying list of topics to include for consumption.' },
    { name: 'whitelist', arg: 'String: Java regex (String)', description: 'DEPRECATED, use --include instead.' },
    { name: 'partition', arg: 'Integer: partition', description: 'The partition to consume from. Consumption starts from the end of the partition unless \'--offset\' is specified.' },
    { name: 'offset', arg: 'String: consume offset', description: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)" },
    { name: 'from-beginning', description: 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.' },
    { name: 'max-messages', arg: 'Integer: num_messages', description: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.' },
    { name: 'timeout-ms', arg: 'Integer: timeout_ms', description: 'If specified, exit if no message is available for consumption for the specified interval.' },
    { name: 'group', arg: 'String: consumer group id', description: 'The consumer group id of the consumer.' },
    { name: 'property', arg: 'String: prop', description: 'The properties to initialize the message formatter: print.timestamp, print.key, print.offset, print.partition, print.headers, print.value, key.separator, line.separator, headers.separator, null.literal.', repeatable: true },
    { name: 'consumer-property', arg: 'String: consumer_prop', description: 'A mechanism to pass user-defined properties in the form key=value to the consumer.', repeatable: true },
    { name: 'consumer.config', arg: 'String: config file', description: 'Consumer config properties file. Note that [consumer-property] takes precedence over this config.' },
    { name: 'command-config', arg: 'String: config file', description: 'Same as --consumer.config.' },
    { name: 'isolation-level', arg: 'String', description: 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)' },
    { name: 'skip-message-on-error', description: 'If there is an error when processing a message, skip it instead of halt.' },
  ],
}

interface Format {
  timestamp: boolean
  partition: boolean
  offset: boolean
  headers: boolean
  key: boolean
  value: boolean
  keySeparator: string
  lineSeparator: string
  headersSeparator: string
  headersKeySeparator: string
  nullLiteral: string
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const topic = flags.get('topic')
  const include = flags.get('include') ?? flags.get('whitelist')
  if ((topic === undefined) === (include === undefined)) throw new UsageError('Exactly one of --include/--topic is required.')
  if (flags.has('partition') && topic === undefined) throw new UsageError('The topic is required when partition is specified.')
  if (flags.has('offset') && !flags.has('partition')) throw new UsageError('The partition is required when offset is specified.')
  if (flags.has('from-beginning') && flags.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.')
  const format = formatOf(flags)
  const maxMessages = flags.int('max-messages', -1)
  const timeoutMs = flags.int('timeout-ms', -1)
  const props = clientProperties(flags, {
    fileFlag: flags.has('consumer.config') ? 'consumer.config' : 'command-config',
    keyValueFlag: 'consumer-property',
    defaults: flags.has('isolation-level') ? { 'isolation.level': flags.require('isolation-level') } : {},
  })
  const groupId = flags.get('group') ?? (typeof props['group.id'] === 'string' && props['group.id'] !== '' ? props['group.id'] : undefined)
  if (groupId !== undefined && flags.has('partition')) throw new UsageError('Options group and partition cannot be specified together.')
  const consumer = groupId === undefined
    ? new Consumer(props)
    : new GroupConsumer({ ...props, 'group.id': groupId, ...(flags.has('from-beginning') ? { 'auto.offset.reset': 'earliest' } : {}) })
  warnUnknownKeys(consumer.unknownKeys)
  let processed = 0
  let stopping = false
  const stop = (): void => { stopping = true; consumer.wakeup() }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    if (consumer instanceof GroupConsumer) consumer.subscribe(topic !== undefined ? [topic] : includePattern(include!))
    else await assign(consumer, flags, props, topic, include)
    let lastRecordAt = Date.now()
    while (!stopping && (maxMessages < 0 || processed < maxMessages)) {
      const waitMs = timeoutMs < 0 ? 1000 : Math.max(0, lastRecordAt + timeoutMs - Date.now())
      const records = await consumer.poll(waitMs)
      if (records.length === 0) {
        if (timeoutMs >= 0 && Date.now() - lastRecordAt >= timeoutMs) {
          process.stderr.write('ERROR Error processing message, terminating consumer process: TimeoutException\n')
          break
        }
        continue
      }
      lastRecordAt = Date.now()
      for (const r of records) {
        if (maxMessages >= 0 && processed >= maxMessages) break
        if (!process.stdout.write(formatRecord(r, format))) await new Promise(resolve => process.stdout.once('drain', resolve))
        processed++
      }
    }
  } finally {
    process.stderr.write(`Processed a total of ${processed} messages\n`)
    await consumer.close()
  }
  return 0
}

async function assign (consumer: Consumer, flags: ParsedFlags, props: ClientProperties, topic: string | undefined, include: string | undefined): Promise<void> {
  if (topic !== undefined && flags.has('partition')) {
    const tp = { topic, partition: flags.int('partition', 0) }
    consumer.assign([tp])
    const offset = flags.get('offset') ?? (flags.has('from-beginning') ? 'earliest' : 'latest')
    if (offset === 'earliest') consumer.seekToBeginning([tp])
    else if (offset === 'latest') consumer.seekToEnd([tp])
    else if (/^\d+$/.test(offset)) consumer.seek(tp, Number(offset))
    else throw new UsageError(`Option offset: '${offset}' must be 'earliest', 'latest' or a non-negative number`)
    return
  }
  let topics = topic === undefined ? [] : [topic]
  if (include !== undefined) {
    const regex = includePattern(include)
    const admin = new Admin(props)
    try {
      topics = (await admin.describeTopics(null)).filter(t => !t.isInternal && regex.test(t.name)).map(t => t.name)
    } finally {
      await admin.close()
    }
  }
  const partitions = (await Promise.all(topics.map(async t => await consumer.partitionsFor(t)))).flat()
  consumer.assign(partitions)
  if (flags.has('from-beginning')) consumer.seekToBeginning(partitions)
  else consumer.seekToEnd(partitions)
}

/** --include as a whole-name pattern, as Java's Pattern.matches reads it. */
function includePattern (include: string): RegExp {
  try {
    return new RegExp(`^(?:${include})$`)
  } catch (err) {
    throw new UsageError(`Option include: '${include}' is not a valid regular expression: ${(err as Error).message}`)
  }
}

function formatOf (flags: ParsedFlags): Format {
  const p = new Map(flags.all('property').map(kv => keyValue('property', kv)))
  const bool = (k: string, fallback: boolean): boolean => {
    const v = p.get(k)
    return v === undefined ? fallback : v.trim().toLowerCase() === 'true'
  }
  return {
    timestamp: bool('print.timestamp', false),
    partition: bool('print.partition', false),
    offset: bool('print.offset', false),
    headers: bool('print.headers', false),
    key: bool('print.key', false),
    value: bool('print.value', true),
    keySeparator: unescape(p.get('key.separator') ?? '\t'),
    lineSeparator: unescape(p.get('line.separator') ?? '\n'),
    headersSeparator: unescape(p.get('headers.separator') ?? ','),
    headersKeySeparator: unescape(p.get('headers.key.separator') ?? ':'),
    nullLiteral: p.get('null.literal') ?? 'null',
  }
}

/** Kafka's DefaultMessageFormatter.writeTo: columns in its order, column separator between, line separator at the end. */
export function formatRecord (r: ConsumerRecord, f: Format): string {
  const columns: string[] = []
  const text = (b: Buffer | null): string => (b === null ? f.nullLiteral : b.toString('utf8'))
  if (f.timestamp) columns.push(r.timestampType === 'NoTimestampType' ? 'NO_TIMESTAMP' : `${r.timestampType}:${r.timestamp}`)
  if (f.partition) columns.push(`Partition:${r.partition}`)
  if (f.offset) columns.push(`Offset:${r.offset}`)
  if (f.headers) columns.push(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map(h => `${h.key}${f.headersKeySeparator}${text(h.value)}`).join(f.headersSeparator))
  if (f.key) columns.push(text(r.key))
  if (f.value) columns.push(text(r.value))
  return columns.join(f.keySeparator) + f.lineSeparator
}

/** Separators given on a command line arrive as typed: "\t" and "\n" mean tab and newline. */
function unescape (s: string): string {
  return s.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\\r/g, '\r')
}

if (isMain(import.meta.url)) runTool(tool, main)
