/**
 * kafka-get-offsets: each partition's offset at a time (Kafka 3.x's GetOffsetShell): -1 or latest
 * (the high watermark), -2 or earliest (the log start offset), or the first offset whose
 * timestamp is at or after <ms>; one `topic:partition:offset` line per partition, sorted as Kafka
 * sorts them (by "topic-partition" text), none for a partition with no record that late.
 */
import { UsageError } from '../errors.js'
import { Admin } from '../client/admin.js'
import { Consumer } from '../client/consumer.js'
import { key } from '../client/fetcher.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-get-offsets',
  summary: 'An interactive shell for getting topic-partition offsets.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: HOST1:PORT1,...,HOST3:PORT3', description: 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.' },
    { name: 'topic', arg: 'String: topic', description: 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried.' },
    { name: 'partitions', arg: 'String: partition ids', description: 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried.' },
    { name: 'time', arg: 'String: <timestamp> / -1 or latest / -2 or earliest', description: 'timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.] (default: latest)' },
    { name: 'command-config', arg: 'String: config file', description: 'Property file containing configs to be passed to Admin Client.' },
    { name: 'exclude-internal-topics', description: 'By default, internal topics are included. If specified, internal topics are excluded.' },
  ],
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const properties = clientProperties(flags, { fileFlag: 'command-config' })
  const timestamp = parseTime(flags.get('time') ?? 'latest')
  const topicPattern = parseTopicPattern(flags)
  const partitionIds = parsePartitions(flags.get('partitions'))
  const admin = new Admin(properties)
  const consumer = new Consumer({ ...properties, 'client.id': 'GetOffsetShell' })
  warnUnknownKeys(admin.unknownKeys)
  try {
    const topics = await admin.describeTopics(null)
    const wanted = topics
      .filter(t => !(t.isInternal && flags.has('exclude-internal-topics')) && topicPattern.test(t.name))
      .flatMap(t => t.partitions.filter(p => p !== undefined && (partitionIds === null || partitionIds.has(p.partition))).map(p => ({ topic: t.name, partition: p.partition })))
    if (wanted.length === 0) throw new Error('Could not match any topic-partitions with the specified filters')
    const offsets = await consumer.offsetsForTimes(wanted, timestamp)
    const found = wanted
      .map(tp => ({ ...tp, name: `${tp.topic}-${tp.partition}`, offset: offsets.get(key(tp.topic, tp.partition)) ?? -1 }))
      .filter(f => f.offset !== -1) // ListOffsetsResponse.UNKNOWN_OFFSET: no record that late
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    for (const f of found) process.stdout.write(`${f.topic}:${f.partition}:${f.offset}\n`)
    return 0
  } finally {
    await Promise.all([admin.close(), consumer.close()])
  }
}

/** GetOffsetShell.parseOffsetSpec, for the specs this broker answers. */
export function parseTime (text: string): number {
  if (text === 'latest') return -1
  if (text === 'earliest') return -2
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n) || n < -2) {
    throw new UsageError(`Option time: Malformed time argument ${text}. Please use -1 or latest / -2 or earliest, or a specified long format timestamp`)
  }
  return n
}

/** --partitions: a comma separated list of ids, or null for every partition. */
export function parsePartitions (text: string | undefined): Set<number> | null {
  if (text === undefined || text === '') return null
  const ids = text.split(',').map(s => /^\d+$/.test(s.trim()) ? Number(s.trim()) : NaN)
  if (ids.some(id => !Number.isSafeInteger(id) || id > 0x7fffffff)) throw new UsageError(`Option partitions: --partitions expects a comma separated list of numeric partition ids, but received: ${text}`)
  return new Set(ids)
}

/** --topic is a regular expression that must match the whole name, as Java's Pattern.matches. */
function parseTopicPattern (flags: ParsedFlags): RegExp {
  const topic = flags.get('topic') ?? '.*'
  try {
    return new RegExp(`^(?:${topic})$`)
  } catch (err) {
    throw new UsageError(`Option topic: '${topic}' is not a valid regular expression: ${(err as Error).message}`)
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
