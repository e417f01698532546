/**
 * The one codec: reads and writes every message at every version from its schema (STYLE: schemas
 * as data, one codec). Each (message, version) is compiled on first use into a flat list of
 * read/write closures and cached, so the schema is interpreted once per version, not per request.
 */
import { ProtocolError } from './protocol-error.js'
import { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'
import { inRange } from './schema/version-range.js'
import type { FieldDescriptor, FieldsDescriptor, ScalarKind } from './schema/fields.js'
import type { Decoded, Infer, MessageDescriptor } from './schema/message.js'
import { ZERO_UUID } from './primitives/uuid.js'

/** Reads one `M` at `version` from the reader's position; absent fields take their defaults. */
export function decode<M extends MessageDescriptor> (msg: M, version: number, reader: Reader): Decoded<M> {
  const compiled = compile(msg, version)
  try {
    return compiled.read(reader) as Decoded<M>
  } catch (err) {
    throw new ProtocolError(`cannot decode ${msg.name} v${version}: ${(err as Error).message}`, { cause: err })
  }
}

/** Writes `value` as `M` at `version`; missing fields are written as their defaults. */
export function encode<M extends MessageDescriptor> (msg: M, version: number, value: Infer<M>, writer: Writer): Writer {
  compile(msg, version).write(writer, value)
  return writer
}

/** Encodes into a fresh buffer (tests, ZooKeeper/record payloads; the server uses `encode`). */
export function encodeToBuffer<M extends MessageDescriptor> (msg: M, version: number, value: Infer<M>): Buffer {
  return encode(msg, version, value, new Writer()).toBuffer()
}

/**
 * For "data" structs that carry their own int16 version prefix (ConsumerProtocol, __consumer_offsets
 * records). Newer versions than we know are read with the newest layout and trailing bytes ignored,
 * as Kafka's readers do (new versions only append fields, as ConsumerProtocol relies on).
 */
export function decodeVersioned<M extends MessageDescriptor> (msg: M, reader: Reader): { version: number, value: Decoded<M> } {
  const version = reader.int16()
  if (version < msg.validVersions.min) throw new ProtocolError(`${msg.name} version ${version} is too old`)
  const value = decode(msg, Math.min(version, msg.validVersions.max), reader)
  return { version, value }
}

export function encodeVersioned<M extends MessageDescriptor> (msg: M, version: number, value: Infer<M>): Buffer {
  const writer = new Writer(128).int16(version)
  return encode(msg, version, value, writer).toBuffer()
}

type ReadFn = (r: Reader) => unknown
type WriteFn = (w: Writer, v: unknown) => void

interface CompiledType {
  read: ReadFn
  write: WriteFn
  /** A fresh default value (arrays and structs must not be shared between decoded messages). */
  makeDefault: () => unknown
  /** Tagged fields are written only when they differ from their default (KIP-482). */
  isDefault: (v: unknown) => boolean
}

const cache = new WeakMap<MessageDescriptor, Array<CompiledType | undefined>>()

function compile (msg: MessageDescriptor, version: number): CompiledType {
  let versions = cache.get(msg)
  if (versions === undefined) cache.set(msg, versions = [])
  let compiled = versions[version]
  if (compiled === undefined) {
    if (!Number.isInteger(version) || !inRange(msg.validVersions, version)) {
      throw new ProtocolError(`${msg.name} has no version ${version} (valid: ${msg.validVersions.text})`)
    }
    compiled = compileStruct(msg.fields, version, inRange(msg.flexibleVersions, version))
    versions[version] = compiled
  }
  return compiled
}

interface Slot { name: string, type: CompiledType, tag: number }

function compileStruct (fields: FieldsDescriptor, version: number, flexible: boolean): CompiledType {
  const all: Slot[] = []
  const regular: Slot[] = []
  const tagged: Slot[] = []
  // every key is set in schema order (absent and tagged ones to their defaults first), so decoded
  // values of one version share one shape
  const readSteps: Array<{ name: string, read: ReadFn }> = []
  for (const [name, field] of Object.entries(fields)) {
    const d = field.descriptor
    const type = compileField(d, version, flexible)
    const slot = { name, type, tag: d.tag }
    all.push(slot)
    const present = inRange(d.versions, version)
    const isTagged = present && flexible && inRange(d.taggedVersions, version)
    if (isTagged) tagged.push(slot)
    else if (present) regular.push(slot)
    readSteps.push({ name, read: present && !isTagged ? type.read : () => type.makeDefault() })
  }
  tagged.sort((a, b) => a.tag - b.tag)
  const byTag = new Map(tagged.map(s => [s.tag, s]))
  const present = [...regular, ...tagged]

  return {
    read: r => {
      const o: Record<string, unknown> = {}
      for (let i = 0; i < readSteps.length; i++) {
        const step = readSteps[i]!
        o[step.name] = step.read(r)
      }
      if (flexible) readTaggedFields(r, o, byTag)
      return o
    },
    write: (w, v) => {
      const o = v as Record<string, unknown>
      for (let i = 0; i < regular.length; i++) {
        const s = regular[i]!
        const fv = o[s.name]
        s.type.write(w, fv === undefined ? s.type.makeDefault() : fv)
      }
      if (flexible) writeTaggedFields(w, o, tagged)
    },
    makeDefault: () => {
      const o: Record<string, unknown> = {}
      for (const s of all) o[s.name] = s.type.makeDefault()
      return o
    },
    isDefault: v => v === undefined || present.every(s => s.type.isDefault((v as Record<string, unknown>)[s.name])),
  }
}

function readTaggedFields (r: Reader, o: Record<string, unknown>, byTag: Map<number, Slot>): void {
  const count = r.checkCount(r.uvarint())
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint()
    const size = r.uvarint()
    const start = r.pos
    r.skip(size)
    const slot = byTag.get(tag)
    // unknown tags are skipped: newer peers may add them (KIP-482)
    if (slot !== undefined) o[slot.name] = slot.type.read(new Reader(r.buf, start, start + size))
  }
}

function writeTaggedFields (w: Writer, o: Record<string, unknown>, tagged: Slot[]): void {
  if (tagged.length === 0) {
    w.uvarint(0)
    return
  }
  const toWrite = tagged.filter(s => !s.type.isDefault(o[s.name]))
  w.uvarint(toWrite.length)
  for (const s of toWrite) {
    const body = new Writer(64)
    s.type.write(body, o[s.name])
    const bytes = body.toBuffer()
    w.uvarint(s.tag).uvarint(bytes.length).raw(bytes)
  }
}

function compileField (d: FieldDescriptor, version: number, flexible: boolean): CompiledType {
  const nullable = inRange(d.nullableVersions, version)
  if (d.kind === 'array') return compileArray(d, version, flexible, nullable)
  if (d.kind === 'struct') return compileNestedStruct(d, version, flexible, nullable)
  return compileScalar(d.kind, flexible, nullable, d.default)
}

function compileArray (d: FieldDescriptor, version: number, flexible: boolean, nullable: boolean): CompiledType {
  const element = typeof d.element === 'string'
    ? compileScalar(d.element, flexible, false, undefined)
    : compileStruct(d.element!, version, flexible)
  const defaultIsNull = d.default === null
  const readElement = element.read
  const writeElement = element.write
  return {
    read: r => {
      const count = flexible ? r.uvarint() - 1 : r.int32()
      if (count < 0) {
        if (nullable && count === -1) return null
        throw new ProtocolError(`array length ${count} where null is not allowed`)
      }
      r.checkCount(count)
      const out = new Array(count)
      for (let i = 0; i < count; i++) out[i] = readElement(r)
      return out
    },
    write: (w, v) => {
      if (v === null) {
        if (!nullable) throw new ProtocolError('null array where null is not allowed')
        if (flexible) w.uvarint(0)
        else w.int32(-1)
        return
      }
      const a = v as unknown[]
      if (flexible) w.uvarint(a.length + 1)
      else w.int32(a.length)
      for (let i = 0; i < a.length; i++) writeElement(w, a[i])
    },
    makeDefault: () => defaultIsNull ? null : [],
    isDefault: v => v === undefined || (defaultIsNull ? v === null : v !== null && (v as unknown[]).length === 0),
  }
}

/** Nullable structs carry an int8 presence marker (-1 null, 1 present), as Kafka's generator writes them. */
function compileNestedStruct (d: FieldDescriptor, version: number, flexible: boolean, nullable: boolean): CompiledType {
  const inner = compileStruct(d.fields!, version, flexible)
  if (!nullable) return inner
  const defaultIsNull = d.default === null
  return {
    read: r => r.int8() < 0 ? null : inner.read(r),
    write: (w, v) => {
      if (v === null) w.int8(-1)
      else inner.write(w.int8(1), v)
    },
    makeDefault: () => defaultIsNull ? null : inner.makeDefault(),
    isDefault: v => v === undefined || (defaultIsNull ? v === null : v !== null && inner.isDefault(v)),
  }
}

const EMPTY = Buffer.alloc(0)

function compileScalar (kind: ScalarKind, flexible: boolean, nullable: boolean, declaredDefault: unknown): CompiledType {
  const [read, write] = scalarCodec(kind, flexible, nullable)
  const def = declaredDefault !== undefined ? declaredDefault : nullable ? null : zeroValue(kind)
  return {
    read,
    write: nullable ? write : (w, v) => {
      if (v === null) throw new ProtocolError(`null ${kind} where null is not allowed`)
      write(w, v)
    },
    makeDefault: () => def,
    isDefault: v => v === undefined || v === def || (Buffer.isBuffer(v) && Buffer.isBuffer(def) && v.equals(def)),
  }
}

function zeroValue (kind: ScalarKind): unknown {
  switch (kind) {
    case 'bool': return false
    case 'string': return ''
    case 'bytes': case 'records': return EMPTY
    case 'uuid': return ZERO_UUID
    case 'bigint64': return 0n
    default: return 0
  }
}

function scalarCodec (kind: ScalarKind, flexible: boolean, nullable: boolean): [ReadFn, WriteFn] {
  switch (kind) {
    case 'bool': return [r => r.bool(), (w, v) => w.bool(v as boolean)]
    case 'int8': return [r => r.int8(), (w, v) => w.int8(v as number)]
    case 'int16': return [r => r.int16(), (w, v) => w.int16(v as number)]
    case 'uint16': return [r => r.uint16(), (w, v) => w.uint16(v as number)]
    case 'int32': return [r => r.int32(), (w, v) => w.int32(v as number)]
    case 'uint32': return [r => r.uint32(), (w, v) => w.uint32(v as number)]
    case 'int64': return [r => r.int64(), (w, v) => w.int64(v as number)]
    case 'bigint64': return [r => r.bigint64(), (w, v) => w.bigint64(v as bigint)]
    case 'float64': return [r => r.float64(), (w, v) => w.float64(v as number)]
    case 'uuid': return [r => r.uuid(), (w, v) => w.uuid(v as string)]
    case 'string':
      if (flexible) {
        return nullable
          ? [r => r.compactNullableString(), (w, v) => w.compactNullableString(v as string | null)]
          : [r => r.compactString(), (w, v) => w.compactString(v as string)]
      }
      return nullable
        ? [r => r.nullableString(), (w, v) => w.nullableString(v as string | null)]
        : [r => r.string(), (w, v) => w.string(v as string)]
    case 'bytes': case 'records':
      if (flexible) {
        return nullable
          ? [r => r.compactNullableBytes(), (w, v) => w.compactNullableBytes(v as Buffer | null)]
          : [r => r.compactBytes(), (w, v) => w.compactBytes(v as Buffer)]
      }
      return nullable
        ? [r => r.nullableBytes(), (w, v) => w.nullableBytes(v as Buffer | null)]
        : [r => r.bytes(), (w, v) => w.bytes(v as Buffer)]
  }
}
