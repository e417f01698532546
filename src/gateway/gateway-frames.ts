/**
 * The WebSocket API's requests (docs/gateway.md), checked field by field before anything acts on
 * them. A problem names the field; the socket answers it with an `error` frame and stays open.
 * Sizes are bounded by the frame limit and the caps here, never by a number the client sent.
 */
import safeRegex from 'safe-regex2'
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { parseWatchRequest, type WatchRequest } from '../dashboard/dashboard-watches.js'
import { parseStartPosition, type PartitionOffsets, type StartPosition } from './cursor.js'
import { bytesOf, VALUE_FORMATS, type ValueFormat } from './typed-value.js'

export type Acks = 'all' | 'leader' | 'none'
export type RequestId = string | number

export interface ProduceRecord {
  topic: string
  partition?: number
  key: Buffer | null
  value: Buffer | null
  headers: Array<{ key: string, value: Buffer | null }>
  timestamp?: number
}

export type GatewayRequest =
  | { op: 'produce', id?: RequestId, acks: Acks, record: ProduceRecord }
  | { op: 'produceBatch', id?: RequestId, acks: Acks, records: ProduceRecord[] }
  | { op: 'subscribe', spec: SubscriptionSpec }
  | { op: 'credit', sub: string, n: number }
  | { op: 'commit', sub: string, offsets?: PartitionOffsets }
  | { op: 'seek', sub: string, to: StartPosition }
  | { op: 'unsubscribe', sub: string }
  | WatchRequest

/** A `subscribe` request. */
export interface SubscriptionSpec {
  sub: string
  topics: string[]
  pattern?: RegExp
  group?: string
  from: StartPosition
  format: ValueFormat
  /** Records the client grants up front; undefined: no flow control beyond the socket's. */
  credit?: number
}

export interface Limits { maxBatchRecords: number }

const MAX_ID_CHARS = 256
const MAX_TOPICS = 1000
const MAX_HEADERS = 1000
const MAX_PATTERN_CHARS = 256
/** Kafka's limit on a topic name (Topic.MAX_NAME_LENGTH). */
const MAX_TOPIC_CHARS = 249

/** Thrown for a request that cannot be carried out as sent; `id`/`sub` say which one it was, when known. */
export class BadRequest extends Error {
  constructor (message: string, readonly code: number = ErrorCode.INVALID_REQUEST, readonly ids: { id?: RequestId, sub?: string, watch?: string } = {}) {
    super(message)
  }
}

export interface ErrorFields { code: number, name: string, retriable: boolean, message: string }

/** Kafka's code and name for what went wrong, and whether a retry may succeed. */
export function errorFields (code: number, message: string): ErrorFields {
  return { code, name: errorName(code), retriable: isRetriable(code), message }
}

/** `{"op":"error", ...}`, naming the request (`id`) or subscription (`sub`) it answers when known. */
export function errorFrame (code: number, message: string, ids: { id?: RequestId, sub?: string, watch?: string } = {}): object {
  return { op: 'error', ...ids, ...errorFields(code, message) }
}

export function parseRequest (text: string, limits: Limits): GatewayRequest {
  let msg: unknown
  try {
    msg = JSON.parse(text)
  } catch (err) {
    throw new BadRequest(`the frame is not JSON: ${(err as Error).message}`)
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) throw new BadRequest('a frame must be a JSON object with an "op"')
  const m = msg as Record<string, unknown>
  const id = optionalId(m.id)
  const sub = typeof m.sub === 'string' ? m.sub : undefined
  const watch = typeof m.watch === 'string' ? m.watch.slice(0, MAX_ID_CHARS) : undefined
  const fail = (message: string): never => { throw new BadRequest(message, ErrorCode.INVALID_REQUEST, { ...(id !== undefined ? { id } : {}), ...(sub !== undefined ? { sub } : {}), ...(watch !== undefined ? { watch } : {}) }) }
  const check = <T>(v: T | { problem: string }): T => (v !== null && typeof v === 'object' && 'problem' in v) ? fail((v as { problem: string }).problem) : v as T
  switch (m.op) {
    case 'produce':
      return { op: 'produce', id, acks: check(acksOf(m.acks)), record: check(recordOf('', m)) }
    case 'produceBatch': {
      if (!Array.isArray(m.records) || m.records.length === 0) return fail('"records" must be a non-empty array')
      if (m.records.length > limits.maxBatchRecords) return fail(`"records" has ${m.records.length} entries; at most ${limits.maxBatchRecords} (gateway.max.batch.records)`)
      return { op: 'produceBatch', id, acks: check(acksOf(m.acks)), records: m.records.map((r, i) => check(recordOf(`records[${i}].`, r))) }
    }
    case 'subscribe':
      return { op: 'subscribe', spec: check(subscriptionOf(m)) }
    case 'credit': {
      const s = check(subOf(m))
      if (typeof m.n !== 'number' || !Number.isSafeInteger(m.n) || m.n <= 0) return fail('"n" must be a positive integer')
      return { op: 'credit', sub: s, n: m.n }
    }
    case 'commit': {
      const s = check(subOf(m))
      if (m.cursor === undefined) return { op: 'commit', sub: s }
      const position = check(parseStartPosition('cursor', { cursor: m.cursor }))
      return { op: 'commit', sub: s, offsets: position.kind === 'offsets' ? position.offsets : undefined }
    }
    case 'seek':
      return { op: 'seek', sub: check(subOf(m)), to: check(parseStartPosition('"to"', m.to)) }
    case 'unsubscribe':
      return { op: 'unsubscribe', sub: check(subOf(m)) }
    case 'watch':
    case 'unwatch':
      return check(parseWatchRequest(m))
    default:
      return fail(m.op === undefined ? 'the frame has no "op"' : `unknown op ${JSON.stringify(String(m.op).slice(0, 64))}: one of produce, produceBatch, subscribe, credit, commit, seek, unsubscribe, watch, unwatch`)
  }
}

function optionalId (v: unknown): RequestId | undefined {
  if (typeof v === 'string') return v.slice(0, MAX_ID_CHARS)
  if (typeof v === 'number' && Number.isFinite(v)) return v
  return undefined
}

function subOf (m: Record<string, unknown>): string | { problem: string } {
  if (typeof m.sub !== 'string' || m.sub === '' || m.sub.length > MAX_ID_CHARS) return { problem: `"sub" must be a subscription id (1 to ${MAX_ID_CHARS} characters)` }
  return m.sub
}

function acksOf (v: unknown): Acks | { problem: string } {
  if (v === undefined) return 'all'
  if (v === 'all' || v === 'leader' || v === 'none') return v
  return { problem: '"acks" must be "all", "leader" or "none"' }
}

function topicOf (field: string, v: unknown): string | { problem: string } {
  if (typeof v !== 'string' || v === '' || v.length > MAX_TOPIC_CHARS) return { problem: `${field} must be a topic name (1 to ${MAX_TOPIC_CHARS} characters)` }
  return v
}

function recordOf (prefix: string, v: unknown): ProduceRecord | { problem: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { problem: `${prefix || 'the record'} must be an object` }
  const r = v as Record<string, unknown>
  const topic = topicOf(`"${prefix}topic"`, r.topic)
  if (typeof topic !== 'string') return topic
  if (r.partition !== undefined && (typeof r.partition !== 'number' || !Number.isInteger(r.partition) || r.partition < 0 || r.partition > 2 ** 31 - 1)) {
    return { problem: `"${prefix}partition" must be a partition number` }
  }
  if (r.timestamp !== undefined && (typeof r.timestamp !== 'number' || !Number.isSafeInteger(r.timestamp) || r.timestamp < 0)) {
    return { problem: `"${prefix}timestamp" must be milliseconds since the epoch` }
  }
  if (!('value' in r)) return { problem: `"${prefix}value" is missing (null for a tombstone)` }
  const key = bytesOf(`"${prefix}key"`, r.key ?? null)
  if (key !== null && !Buffer.isBuffer(key)) return key
  const value = bytesOf(`"${prefix}value"`, r.value)
  if (value !== null && !Buffer.isBuffer(value)) return value
  const headers: ProduceRecord['headers'] = []
  if (r.headers !== undefined) {
    if (!Array.isArray(r.headers) || r.headers.length > MAX_HEADERS) return { problem: `"${prefix}headers" must be an array of at most ${MAX_HEADERS} {"name", "value"}` }
    for (const [i, h] of r.headers.entries()) {
      const field = `"${prefix}headers[${i}]`
      if (h === null || typeof h !== 'object' || typeof (h as { name?: unknown }).name !== 'string') return { problem: `${field}.name" must be a string` }
      const hv = bytesOf(`${field}.value"`, (h as { value?: unknown }).value ?? null)
      if (hv !== null && !Buffer.isBuffer(hv)) return hv
      headers.push({ key: (h as { name: string }).name, value: hv })
    }
  }
  return { topic, partition: r.partition as number | undefined, key, value, headers, timestamp: r.timestamp as number | undefined }
}

function subscriptionOf (m: Record<string, unknown>): SubscriptionSpec | { problem: string } {
  const sub = subOf(m)
  if (typeof sub !== 'string') return sub
  let topics: string[] = []
  let pattern: RegExp | undefined
  if (m.topics !== undefined && m.pattern !== undefined) return { problem: 'give "topics" or "pattern", not both' }
  if (m.pattern !== undefined) {
    if (typeof m.pattern !== 'string' || m.pattern.length > MAX_PATTERN_CHARS) return { problem: `"pattern" must be a regular expression of at most ${MAX_PATTERN_CHARS} characters` }
    try {
      pattern = new RegExp(`^(?:${m.pattern})$`)
    } catch (err) {
      return { problem: `"pattern" is not a regular expression: ${(err as Error).message}` }
    }
    // one event loop serves every socket: a pattern with catastrophic backtracking would stall them all
    if (!safeRegex(pattern)) return { problem: '"pattern" has nested repetition that could take exponential time; simplify it' }
  } else {
    if (!Array.isArray(m.topics) || m.topics.length === 0 || m.topics.length > MAX_TOPICS) return { problem: `"topics" must be a non-empty array of at most ${MAX_TOPICS} topic names (or give "pattern")` }
    for (const [i, t] of m.topics.entries()) {
      const topic = topicOf(`"topics[${i}]"`, t)
      if (typeof topic !== 'string') return topic
    }
    topics = [...new Set(m.topics as string[])]
  }
  if (m.group !== undefined && (typeof m.group !== 'string' || m.group === '' || m.group.length > MAX_ID_CHARS)) return { problem: `"group" must be a group id (1 to ${MAX_ID_CHARS} characters)` }
  const from = m.from === undefined ? { kind: 'latest' as const } : parseStartPosition('"from"', m.from)
  if ('problem' in from) return from
  if (m.format !== undefined && !VALUE_FORMATS.includes(m.format as ValueFormat)) return { problem: '"format" must be "string", "json" or "base64"' }
  if (m.credit !== undefined && (typeof m.credit !== 'number' || !Number.isSafeInteger(m.credit) || m.credit < 0)) return { problem: '"credit" must be an integer >= 0' }
  return {
    sub,
    topics,
    ...(pattern !== undefined ? { pattern } : {}),
    ...(m.group !== undefined ? { group: m.group as string } : {}),
    from,
    format: (m.format as ValueFormat | undefined) ?? 'string',
    ...(m.credit !== undefined ? { credit: m.credit as number } : {}),
  }
}


