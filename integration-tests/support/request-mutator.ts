import { decode, encode } from '../../src/protocol/codec.js'
import { readRequestHeader, writeRequestHeader } from '../../src/protocol/header.js'
import { messagesFor, type ApiMessages } from '../../src/protocol/messages/index.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import { buildRecordBatch } from '../../src/protocol/records/record.js'
import { inRange, type FieldDescriptor, type FieldsDescriptor, type MessageDescriptor } from '../../src/protocol/schema/index.js'
import { sampleValue } from '../../src/protocol/support/sample-value.js'

/**
 * What valid requests name, so that they reach past "unknown topic" into the broker's real paths:
 * the first topic (group) of a list is topics[0] (groups[0]), the second topics[1] (groups[1]).
 */
export interface FuzzTarget { topics: [string, string], topicId: string, groups: [string, string] }

/**
 * What the broker owes a frame: an answer or a close, soon ('prompt'); nothing yet, because the
 * request asks it to wait (a long timeout, a group rebalance: 'may-wait'); or no answer at all
 * (Produce with acks=0: 'none').
 */
export type Owed = 'prompt' | 'may-wait' | 'none'

export interface MutatedFrame {
  /** Size prefix, header and body. */
  bytes: Buffer
  /** The mutation, for failure messages (replayable with the seed). */
  description: string
  correlationId: number | undefined
  owed: Owed
  /** The API and version the broker will decode the frame as, when it can. */
  decodedAs?: { api: ApiMessages, version: number }
}

/** Requests asking to wait longer than this may go unanswered until their own deadline. */
const PROMPT_WAIT_MS = 2000
/** ControlledShutdown waits for the controller's queue, JoinGroup and SyncGroup for the other members. */
const WAITS_FOR_OTHERS = new Set([7, 11, 14])

/**
 * Mutated valid requests for the frame fuzzer: a valid request for an API and version, written
 * with the project's codec, then changed either as a value (an extreme number, an empty, huge or
 * repeated array, a long or odd string) and re-encoded, or as bytes (bits flipped, bytes
 * inserted, deleted or repeated, a length or count overwritten with an extreme number). The size
 * prefix always matches the mutated frame: lying sizes are the oversized-frame cases' job.
 */
export class RequestMutator {
  private correlationId = 1_000_000
  /** The valid request per api:version, encoded once: byte mutations start from a copy. */
  private readonly validBodies = new Map<string, Buffer>()

  constructor (private readonly random: () => number, private readonly maxFrameBytes: number) {}

  mutate (api: ApiMessages, version: number, target: FuzzTarget): MutatedFrame {
    const msg = api.request
    const correlationId = ++this.correlationId
    let body: Buffer
    let description: string
    if (this.random() < 0.5) {
      const value = validRequest(msg, version, target)
      const changed = this.mutateValue(msg, version, value)
      description = changed.description
      body = this.encodeBody(msg, version, value, correlationId)
      // a repeated array larger than a frame is the oversized-frame cases' job: halve it until it fits
      while (body.length > this.maxFrameBytes && changed.halve()) body = this.encodeBody(msg, version, value, correlationId)
    } else {
      const key = `${msg.apiKey}:${version}`
      let valid = this.validBodies.get(key)
      if (valid === undefined) this.validBodies.set(key, valid = this.encodeBody(msg, version, validRequest(msg, version, target), 0))
      body = Buffer.from(valid)
      body.writeInt32BE(correlationId, 4) // apiKey, apiVersion, then the correlation id in every header version
      const changes = 1 + Math.floor(this.random() * 3)
      const done: string[] = []
      for (let i = 0; i < changes; i++) {
        const r = this.mutateBytes(body)
        body = r.bytes
        done.push(r.description)
      }
      description = done.join(', ')
    }
    if (body.length > this.maxFrameBytes) body = body.subarray(0, this.maxFrameBytes)
    const bytes = Buffer.alloc(4 + body.length)
    bytes.writeInt32BE(body.length, 0)
    body.copy(bytes, 4)
    const decodedAs = decodeAsBroker(body)
    return {
      bytes,
      description: `${msg.name} v${version}: ${description}`,
      correlationId: body.length >= 8 ? body.readInt32BE(4) : undefined,
      owed: decodedAs === undefined ? 'prompt' : owed(decodedAs.api.apiKey, decodedAs.request),
      ...(decodedAs === undefined ? {} : { decodedAs: { api: decodedAs.api, version: decodedAs.version } }),
    }
  }

  /** Header and body; the header alone when the value cannot be written. */
  private encodeBody (msg: MessageDescriptor, version: number, value: Record<string, unknown>, correlationId: number): Buffer {
    const w = writeRequestHeader(new Writer(), { apiKey: msg.apiKey, apiVersion: version, correlationId, clientId: 'fuzz' })
    const headerBytes = w.length
    try {
      encode(msg, version, value as never, w)
      return w.toBuffer()
    } catch {
      // the change cannot be written (a string over 32767 bytes in a non-flexible version): send the header with an empty body
      return w.toBuffer().subarray(0, headerBytes)
    }
  }

  /** Changes one field of the value in place; `halve` shortens a grown array (false when it cannot). */
  private mutateValue (msg: MessageDescriptor, version: number, value: Record<string, unknown>): { description: string, halve: () => boolean } {
    const slots = fieldSlots(msg.fields, version, value, msg.name)
    if (slots.length === 0) return { description: 'no field to change', halve: () => false }
    const slot = slots[Math.floor(this.random() * slots.length)]!
    const d = slot.descriptor
    const nullable = inRange(d.nullableVersions, version)
    const pick = <T>(options: T[]): T => options[Math.floor(this.random() * options.length)]!
    let next: unknown
    switch (d.kind) {
      case 'int8': next = pick([-128, -1, 0, 1, 127]); break
      case 'int16': next = pick([-32768, -1, 0, 1, 32767]); break
      case 'uint16': next = pick([0, 1, 65535]); break
      case 'int32': next = pick([-2147483648, -2, -1, 0, 1, 2147483647, 10_000_000, 12_000_000]); break
      case 'uint32': next = pick([0, 1, 4294967295]); break
      case 'int64': next = pick([Number.MIN_SAFE_INTEGER, -2, -1, 0, 1, 2 ** 31, Number.MAX_SAFE_INTEGER]); break
      case 'bigint64': next = pick([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]); break
      case 'float64': next = pick([0, -1, Number.MAX_VALUE, Number.NaN]); break
      case 'bool': next = this.random() < 0.5; break
      case 'uuid': next = pick(['AAAAAAAAAAAAAAAAAAAAAA', '_____________________w']); break
      case 'string': next = pick([nullable ? null : '', '', '.', '..', 'a'.repeat(249), 'x'.repeat(Math.floor(this.random() * 40_000)), '\u0000é/../', 'retention.ms']); break
      case 'bytes': case 'records': next = pick([nullable ? null : Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(Math.floor(this.random() * 4096), 0xff)]); break
      case 'array': {
        const current = slot.get()
        const items = Array.isArray(current) ? current : []
        // a request of 10,000 times the array is costly for both sides: kept rare so that a run stays fast
        const times = this.random() < 0.02 ? 10_000 : pick([0, 2, 10, 100])
        next = nullable && this.random() < 0.2 ? null : items.length === 0 ? [] : Array.from({ length: items.length * times }, (_, i) => items[i % items.length])
        break
      }
      case 'struct': next = nullable ? null : slot.get(); break
    }
    slot.set(next)
    const shown = Array.isArray(next) ? `${next.length} elements` : Buffer.isBuffer(next) ? `${next.length} bytes` : typeof next === 'string' ? `a string of ${next.length}` : String(next)
    const halve = (): boolean => {
      const a = slot.get()
      if (!Array.isArray(a) || a.length < 2) return false
      a.length = Math.floor(a.length / 2)
      return true
    }
    return { description: `${slot.path} = ${shown}`, halve }
  }

  private mutateBytes (body: Buffer): { bytes: Buffer, description: string } {
    const at = Math.floor(this.random() * Math.max(1, body.length))
    const kind = Math.floor(this.random() * 7)
    switch (kind) {
      case 0: {
        const out = Buffer.from(body)
        const bit = Math.floor(this.random() * 8)
        if (at < out.length) out[at] = out[at]! ^ (1 << bit)
        return { bytes: out, description: `bit ${bit} of byte ${at} flipped` }
      }
      case 1: {
        const n = 1 + Math.floor(this.random() * 16)
        return { bytes: Buffer.concat([body.subarray(0, at), randomBytes(this.random, n), body.subarray(at)]), description: `${n} random bytes inserted at ${at}` }
      }
      case 2: {
        const n = 1 + Math.floor(this.random() * 16)
        return { bytes: Buffer.concat([body.subarray(0, at), body.subarray(at + n)]), description: `${n} bytes deleted at ${at}` }
      }
      case 3: {
        const n = 1 + Math.floor(this.random() * 32)
        const chunk = body.subarray(at, at + n)
        const times = 1 + Math.floor(this.random() * 64)
        return { bytes: Buffer.concat([body.subarray(0, at + chunk.length), ...Array<Buffer>(times).fill(chunk), body.subarray(at + chunk.length)]), description: `${chunk.length} bytes at ${at} repeated ${times} times` }
      }
      case 4: {
        // an int16/int32 length or count, or a varint, overwritten with an extreme value
        const out = Buffer.from(body)
        const width = [1, 2, 4, 5][Math.floor(this.random() * 4)]!
        if (at + width > out.length) return { bytes: out, description: `no room for ${width} bytes at ${at}` }
        const extremes: Record<number, number[][]> = {
          1: [[0x00], [0x7f], [0x80], [0xff]],
          2: [[0x7f, 0xff], [0x80, 0x00], [0xff, 0xff], [0x00, 0x00]],
          4: [[0x7f, 0xff, 0xff, 0xff], [0x80, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xfe], [0, 0x98, 0x96, 0x80]],
          5: [[0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x08], [0xff, 0xff, 0xff, 0xff, 0x7f]],
        }
        const options = extremes[width]!
        const value = options[Math.floor(this.random() * options.length)]!
        Buffer.from(value).copy(out, at)
        return { bytes: out, description: `${width} bytes at ${at} set to ${Buffer.from(value).toString('hex')}` }
      }
      case 5: {
        const keep = Math.floor(this.random() * body.length)
        return { bytes: body.subarray(0, keep), description: `cut to ${keep} bytes` }
      }
      default: {
        const n = 1 + Math.floor(this.random() * 64)
        return { bytes: Buffer.concat([body, randomBytes(this.random, n)]), description: `${n} random bytes appended` }
      }
    }
  }
}

/**
 * A valid request for `msg` at `version`: the schema's sample value (every field set), with the
 * fields that name things pointed at the target and the ones that make the broker wait kept short.
 */
function validRequest (msg: MessageDescriptor, version: number, target: FuzzTarget): Record<string, unknown> {
  const value = sampleValue(msg, version)
  for (const slot of fieldSlots(msg.fields, version, value, msg.name)) {
    const fixed = realistic(slot, version, target)
    if (fixed !== undefined) slot.set(fixed)
  }
  return value
}

/** The request as the broker decodes it (header by its own rules), or undefined where the broker cannot. */
function decodeAsBroker (body: Buffer): { api: ApiMessages, version: number, request: Record<string, unknown> } | undefined {
  try {
    const reader = new Reader(body)
    const header = readRequestHeader(reader)
    const api = messagesFor(header.apiKey)
    if (api === undefined) return undefined
    return { api, version: header.apiVersion, request: decode(api.request, header.apiVersion, reader) as Record<string, unknown> }
  } catch {
    return undefined
  }
}

function owed (apiKey: number, request: Record<string, unknown>): Owed {
  if (apiKey === 0 && request.acks === 0) return 'none'
  if (WAITS_FOR_OTHERS.has(apiKey)) return 'may-wait'
  const waits = Object.entries(request).some(([name, v]) => /(timeout|wait)ms$/i.test(name) && typeof v === 'number' && v > PROMPT_WAIT_MS)
  return waits ? 'may-wait' : 'prompt'
}

const TOPIC_FIELDS = new Set(['name', 'topic', 'topicName', 'resourceName'])
const GROUP_FIELDS = new Set(['groupId', 'key', 'groupsNames', 'groups', 'coordinatorKeys'])
const PARTITION_FIELDS = new Set(['partition', 'partitionIndex', 'index', 'partitionId', 'partitionIndexes', 'partitions'])
const NUMBERS: Record<string, number> = {
  numPartitions: 1, replicationFactor: 1, count: 2, acks: 1, timeoutMs: 1000, maxWaitMs: 100, rebalanceTimeoutMs: 1000,
  sessionTimeoutMs: 6000, minBytes: 0, maxBytes: 65536, partitionMaxBytes: 65536, fetchOffset: 0, offset: 0, committedOffset: 0,
  timestamp: -1, replicaId: -1, brokerId: 99, currentLeaderEpoch: -1, leaderEpoch: -1, committedLeaderEpoch: -1, lastFetchedEpoch: -1,
  logStartOffset: -1, isolationLevel: 0, resourceType: 2, configOperation: 0, electionType: 0, keyType: 0, endpointType: 1,
  generationId: -1, generationIdOrMemberEpoch: -1, sessionId: 0, sessionEpoch: -1, maxNumOffsets: 1, producerId: -1,
  producerEpoch: -1, memberEpoch: -1, retentionTimeMs: -1, commitTimestamp: -1, replicaEpoch: -1,
}

function realistic ({ name, parent, index, descriptor: d }: FieldSlot, version: number, target: FuzzTarget): unknown {
  const element = d.kind === 'array' ? d.element : d.kind
  const nullable = inRange(d.nullableVersions, version)
  if (parent === 'configs') {
    if (name === 'name') return ['retention.ms', 'segment.ms'][index % 2]
    if (name === 'value') return '3600000'
  }
  if (name === 'configurationKeys' && element === 'string') return ['retention.ms']
  if (name === 'assignments' && typeof element === 'object') return nullable ? null : []
  if (element === 'string') {
    if (TOPIC_FIELDS.has(name) || name === 'topicNames') return d.kind === 'array' ? [...target.topics] : target.topics[index % 2]
    if (GROUP_FIELDS.has(name)) return d.kind === 'array' ? [...target.groups] : target.groups[index % 2]
    if (name === 'memberId') return ''
    if (name === 'protocolType') return 'consumer'
    if (name === 'clientSoftwareName' || name === 'clientSoftwareVersion') return 'fuzz'
    if ((name === 'transactionalId' || name === 'groupInstanceId') && nullable) return null
  }
  if (element === 'int32' && PARTITION_FIELDS.has(name)) return d.kind === 'array' ? [0] : 0
  if (d.kind === 'uuid' && name === 'topicId') return target.topicId
  if (d.kind === 'records') return buildRecordBatch({ records: [{ key: 'k', value: 'fuzz' }] })
  if (d.kind === 'bigint64' && name === 'brokerEpoch') return -1n
  const n = NUMBERS[name]
  if (n !== undefined && d.kind !== 'array' && d.kind !== 'struct' && d.kind !== 'bigint64') return n
  return undefined
}

interface FieldSlot {
  name: string
  /** The enclosing array's or struct's field name ('' at the top), and the element's index in it. */
  parent: string
  index: number
  path: string
  descriptor: FieldDescriptor
  get: () => unknown
  set: (v: unknown) => void
}

/** Every field present at `version` in the value, depth first, with a setter for each. */
function fieldSlots (fields: FieldsDescriptor, version: number, value: Record<string, unknown>, path: string, parent = '', index = 0): FieldSlot[] {
  const slots: FieldSlot[] = []
  for (const [name, field] of Object.entries(fields)) {
    const d = field.descriptor
    if (!inRange(d.versions, version)) continue
    slots.push({ name, parent, index, path: `${path}.${name}`, descriptor: d, get: () => value[name], set: v => { value[name] = v } })
    const v = value[name]
    const nested = d.kind === 'array' ? d.element : d.fields
    if (typeof nested !== 'object' || v === null || v === undefined) continue
    const items = Array.isArray(v) ? v : [v]
    items.forEach((item, i) => slots.push(...fieldSlots(nested, version, item as Record<string, unknown>, `${path}.${name}[${i}]`, name, i)))
  }
  return slots
}

function randomBytes (random: () => number, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256)
  return b
}
