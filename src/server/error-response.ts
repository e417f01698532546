import { inRange, type Field, type FieldsDescriptor, type MessageDescriptor } from '../protocol/schema/index.js'

type Value = Record<string, unknown>
type Entry = [string, Field<unknown, unknown, boolean>]

const NO_RECORDS = Buffer.alloc(0)

/**
 * The answer to a request that failed as a whole, for every API from its two schemas (Kafka writes
 * an AbstractRequest.getErrorResponse per request class by hand). The code goes into the top-level
 * errorCode where the response version has one, and into every resource the request named: each
 * response array whose elements carry an errorCode (at any depth) is filled from its request
 * counterpart (the array of the same name, else the request's first array at that level), one
 * element per requested one, with the request's key fields echoed and everything else at its
 * default. Record sets are answered empty, never null (some clients cannot read a null one).
 */
export function errorResponse (request: MessageDescriptor, response: MessageDescriptor, version: number, value: unknown, errorCode: number, errorMessage: string | null): Value {
  return answer(response.fields, request.fields, value as Value, { version, errorCode, errorMessage: errorMessage === null ? null : clipped(errorMessage) }, false)
}

/**
 * The answer with every errorMessage cut to MESSAGE_CHARS characters, for an answer that did not
 * encode: a message quoting a long client string (a topic name, a config key) overflows the
 * int16-length strings of non-flexible versions (Kafka's serializer throws there too).
 */
export function clipErrorMessages (response: MessageDescriptor, version: number, value: unknown): Value {
  return clip(response.fields, value as Value, version)
}

const MESSAGE_CHARS = 1024

function clip (fields: FieldsDescriptor, value: Value, version: number): Value {
  const o: Value = { ...value }
  for (const [name, field] of present(fields, version)) {
    const d = field.descriptor
    const v = value[name]
    if (name === 'errorMessage' && typeof v === 'string') o[name] = clipped(v)
    const nested = d.kind === 'array' ? d.element : d.fields
    if (typeof nested !== 'object' || v === null || v === undefined) continue
    o[name] = Array.isArray(v) ? v.map(item => clip(nested, item as Value, version)) : clip(nested, v as Value, version)
  }
  return o
}

function clipped (message: string): string {
  return message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}... (${message.length} characters)` : message
}

interface Failure { version: number, errorCode: number, errorMessage: string | null }

function answer (out: FieldsDescriptor, from: FieldsDescriptor, value: Value, failure: Failure, echoKeys: boolean): Value {
  const o: Value = {}
  const keys = echoKeys ? keyPairs(out, from, failure.version) : new Map<string, string>()
  for (const [name, field] of present(out, failure.version)) {
    const d = field.descriptor
    if (isErrorCode(name) && d.kind === 'int16') o[name] = failure.errorCode
    else if (name === 'errorMessage' && d.kind === 'string') o[name] = failure.errorMessage ?? (inRange(d.nullableVersions, failure.version) ? null : '')
    else if (d.kind === 'records') o[name] = NO_RECORDS
    else if (d.kind === 'array' && typeof d.element === 'object' && carriesErrorCode(d.element, failure.version)) o[name] = answerArray(name, d.element, from, value, failure)
    else {
      const source = keys.get(name)
      const v = source === undefined ? undefined : value[source]
      if (v !== undefined && (v !== null || inRange(d.nullableVersions, failure.version))) o[name] = v
    }
  }
  return o
}

function answerArray (name: string, element: FieldsDescriptor, from: FieldsDescriptor, value: Value, failure: Failure): Value[] {
  const arrays = present(from, failure.version).filter(([, f]) => f.descriptor.kind === 'array')
  const source = arrays.find(([n]) => n === name) ?? arrays[0]
  const items = source === undefined ? undefined : value[source[0]]
  // null names every resource (Metadata topics, ElectLeaders partitions): nothing to echo
  if (source === undefined || !Array.isArray(items)) return []
  const sourceElement = source[1].descriptor.element
  if (typeof sourceElement === 'object') return items.map(item => answer(element, sourceElement, item as Value, failure, true))
  const key = keyCandidates(element, failure.version).find(([, f]) => f.descriptor.kind === sourceElement)?.[0]
  return items.map(item => ({ ...answer(element, {}, {}, failure, false), ...(key === undefined ? {} : { [key]: item }) }))
}

/**
 * Response field → request field that names the resource: fields of one name and kind, else the
 * first candidate paired with the request's first field of its kind (Fetch: partition → partitionIndex).
 */
function keyPairs (out: FieldsDescriptor, from: FieldsDescriptor, version: number): Map<string, string> {
  const candidates = keyCandidates(out, version)
  const sources = present(from, version).filter(([, f]) => isScalar(f))
  const pairs = new Map<string, string>()
  for (const [name, f] of candidates) {
    if (sources.some(([n, g]) => n === name && g.descriptor.kind === f.descriptor.kind)) pairs.set(name, name)
  }
  const first = candidates[0]
  if (pairs.size === 0 && first !== undefined) {
    const source = sources.find(([, g]) => g.descriptor.kind === first[1].descriptor.kind)
    if (source !== undefined) pairs.set(first[0], source[0])
  }
  return pairs
}

/** Scalars that may name a resource: no declared default (those are "unknown" values such as -1), not the error itself. */
function keyCandidates (fields: FieldsDescriptor, version: number): Entry[] {
  return present(fields, version).filter(([name, f]) => isScalar(f) && f.descriptor.default === undefined && !isErrorCode(name) && name !== 'errorMessage')
}

/** errorCode, or a prefixed one (AddPartitionsToTxn's PartitionErrorCode). */
function isErrorCode (name: string): boolean {
  return name === 'errorCode' || name.endsWith('ErrorCode')
}

function carriesErrorCode (fields: FieldsDescriptor, version: number): boolean {
  return present(fields, version).some(([name, f]) => {
    const d = f.descriptor
    if (isErrorCode(name)) return true
    const nested = d.kind === 'array' ? d.element : d.fields
    return typeof nested === 'object' && carriesErrorCode(nested, version)
  })
}

function isScalar (f: Field<unknown, unknown, boolean>): boolean {
  return f.descriptor.kind !== 'array' && f.descriptor.kind !== 'struct'
}

function present (fields: FieldsDescriptor, version: number): Entry[] {
  return Object.entries(fields).filter(([, f]) => inRange(f.descriptor.versions, version))
}
