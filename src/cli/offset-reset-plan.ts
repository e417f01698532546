/**
 * kafka-consumer-groups --reset-offsets: which partitions (--topic t[:p,...] or --all-topics) and
 * the new offset of each, by Kafka's ResetOffsetsSpec rules: --to-offset and --shift-by are
 * clamped into [log start, log end]; --to-datetime takes the first offset at or after the time
 * (the log end if none is that late); --to-current keeps the committed offset.
 */
import { UsageError } from '../errors.js'
import type { TopicPartition } from '../client/consumer.js'
import { EARLIEST, LATEST, type GroupAdmin } from '../client/group-admin.js'
import type { OffsetAndMetadata } from '../client/group-consumer.js'
import type { ParsedFlags } from './flags.js'

export const RESET_SPECS = ['to-earliest', 'to-latest', 'to-offset', 'shift-by', 'to-datetime', 'to-current'] as const
export type ResetSpec = typeof RESET_SPECS[number]

/**
 * What to reset: the spec; its number (`offset` for to-offset and shift-by, `timestampMs` for
 * to-datetime); and the topics (`topic` or `topic:0,1,2`), or 'all' (the group's committed ones).
 */
export interface ResetRequest { spec: ResetSpec, offset?: number, timestampMs?: number, topics: string[] | 'all' }

/** The request kafka-consumer-groups' flags make, with its usage errors. */
export function resetRequestFromFlags (flags: ParsedFlags): ResetRequest {
  const specs = RESET_SPECS.filter(s => flags.has(s))
  if (specs.length !== 1) throw new UsageError(`Option [reset-offsets] takes exactly one of these options: ${RESET_SPECS.map(s => `[${s}]`).join(', ')}`)
  if (flags.has('topic') === flags.has('all-topics')) throw new UsageError('Option [reset-offsets] takes one of these options: [all-topics], [topic]')
  const spec = specs[0]!
  return {
    spec,
    topics: flags.has('all-topics') ? 'all' : flags.all('topic'),
    ...(spec === 'to-offset' || spec === 'shift-by' ? { offset: flags.int(spec, 0) } : {}),
    ...(spec === 'to-datetime' ? { timestampMs: parseDateTime(flags.require('to-datetime')) } : {}),
  }
}

export async function planOffsetReset (admin: GroupAdmin, groupId: string, request: ResetRequest): Promise<OffsetAndMetadata[]> {
  const spec = request.spec
  const committed = await admin.committedOffsets(groupId)
  const partitions = request.topics === 'all'
    ? [...committed.values()].map(o => ({ topic: o.topic, partition: o.partition }))
    : (await Promise.all(request.topics.map(async t => await topicPartitions(admin, t)))).flat()
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  const latest = await admin.offsetsAt(partitions, LATEST)
  const k = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`
  // a broker may answer -1 for the earliest offset of an empty partition: its start is then its end
  const earliest = new Map([...await admin.offsetsAt(partitions, EARLIEST)].map(([pk, o]) => [pk, o >= 0 ? o : latest.get(pk) ?? 0]))
  const clamp = (tp: TopicPartition, offset: number): number => Math.min(Math.max(offset, earliest.get(k(tp)) ?? 0), latest.get(k(tp)) ?? offset)
  const current = (tp: TopicPartition): number => {
    const c = committed.get(k(tp))
    if (c === undefined) throw new UsageError(`Option [${spec}]: the group ${groupId} has no committed offset for ${tp.topic}-${tp.partition}`)
    return c.offset
  }
  let offsetOf: (tp: TopicPartition) => number
  switch (spec) {
    case 'to-earliest': offsetOf = tp => earliest.get(k(tp)) ?? 0; break
    case 'to-latest': offsetOf = tp => latest.get(k(tp)) ?? 0; break
    case 'to-current': offsetOf = current; break
    case 'to-offset': {
      const n = request.offset ?? 0
      offsetOf = tp => clamp(tp, n)
      break
    }
    case 'shift-by': {
      const n = request.offset ?? 0
      offsetOf = tp => clamp(tp, current(tp) + n)
      break
    }
    case 'to-datetime': {
      const at = await admin.offsetsAt(partitions, request.timestampMs ?? 0)
      offsetOf = tp => { const o = at.get(k(tp)) ?? -1; return o < 0 ? latest.get(k(tp)) ?? 0 : o }
      break
    }
  }
  return partitions.map(tp => ({ ...tp, offset: offsetOf(tp) }))
}

/** `topic` or `topic:0,1,2` (Kafka's --topic syntax for --reset-offsets). */
async function topicPartitions (admin: GroupAdmin, spec: string): Promise<TopicPartition[]> {
  const colon = spec.lastIndexOf(':')
  if (colon < 0) return await admin.partitionsFor(spec)
  const topic = spec.slice(0, colon)
  return spec.slice(colon + 1).split(',').map(p => {
    if (!/^\d+$/.test(p.trim())) throw new UsageError(`Option [topic]: '${spec}' must be topic or topic:partition,partition...`)
    return { topic, partition: Number(p.trim()) }
  })
}

/**
 * Kafka's --to-datetime: 'YYYY-MM-DDTHH:mm:SS.sss', optionally with a zone (Z, +01:00, +0100);
 * without one it is local time, as Kafka's Utils.getDateTime reads it.
 */
export function parseDateTime (text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim())
  if (m === null) throw new UsageError(`Option [to-datetime]: '${text}' is not of the format 'YYYY-MM-DDTHH:mm:SS.sss' (optionally followed by a time zone such as Z or +01:00)`)
  const [, y, mo, d, h, mi, s, ms = '0', zone] = m
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0'))] as const
  if (zone === undefined) return new Date(...fields).getTime()
  const sign = zone === 'Z' ? 0 : zone.startsWith('-') ? -1 : 1
  const digits = zone.replace(/[^0-9]/g, '')
  const offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000
  return Date.UTC(...fields) - offsetMs
}
