/**
 * Test support: a value for any message at any version, derived from its schema, with every field
 * of that version set to something other than its default (so tagged fields are written too).
 * Fields absent from the version are left out. `variant` 1 uses null and empty where allowed.
 */
import type { FieldDescriptor, FieldsDescriptor, MessageDescriptor, ScalarKind } from '../schema/index.js'
import { inRange } from '../schema/index.js'

export function sampleValue (msg: MessageDescriptor, version: number, variant: 0 | 1 = 0): Record<string, unknown> {
  return sampleStruct(msg.fields, version, variant, 0)
}

function sampleStruct (fields: FieldsDescriptor, version: number, variant: 0 | 1, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  let i = 0
  for (const [name, field] of Object.entries(fields)) {
    const d = field.descriptor
    if (inRange(d.versions, version)) o[name] = sampleField(d, version, variant, depth, name, i++)
  }
  return o
}

function sampleField (d: FieldDescriptor, version: number, variant: 0 | 1, depth: number, name: string, i: number): unknown {
  const nullable = inRange(d.nullableVersions, version)
  // a tagged field equal to its default is not written, so it would not survive a round trip
  if (variant === 1 && nullable && d.default !== undefined && d.default !== null) return sampleNonNull(d, version, variant, depth, name, i)
  if (variant === 1 && nullable) return null
  return sampleNonNull(d, version, variant, depth, name, i)
}

function sampleNonNull (d: FieldDescriptor, version: number, variant: 0 | 1, depth: number, name: string, i: number): unknown {
  if (d.kind === 'struct') return sampleStruct(d.fields!, version, variant, depth + 1)
  if (d.kind === 'array') {
    const tagged = inRange(d.taggedVersions, version)
    const count = variant === 1 && !tagged ? 0 : 2
    return Array.from({ length: count }, (_, n) => typeof d.element === 'string'
      ? sampleScalar(d.element, `${name}${n}`, i + n)
      : sampleStruct(d.element!, version, variant, depth + 1))
  }
  return sampleScalar(d.kind, name, i)
}

function sampleScalar (kind: ScalarKind, name: string, i: number): unknown {
  switch (kind) {
    case 'bool': return true
    case 'int8': return 7 + i
    case 'int16': return 300 + i
    case 'uint16': return 65000 + i
    case 'int32': return 70000 + i
    case 'uint32': return 4000000000 + i
    case 'int64': return 2 ** 40 + i
    case 'bigint64': return 2n ** 62n + BigInt(i)
    case 'float64': return 1.5 + i
    case 'string': return `${name}-é${i}`
    case 'bytes': return Buffer.from([1, 2, 3, i & 0xff])
    case 'records': return Buffer.from('not parsed by the codec')
    case 'uuid': return Buffer.from([...Array(15).fill(i + 1), 0]).toString('base64url')
  }
}
