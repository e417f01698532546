/**
 * One typed schema per process: every key's type, default and bounds. `validateConfig` checks a
 * raw key→value map against it and reports every problem at once, by key, before anything starts.
 */
/** Kafka's Long.MAX_VALUE ("never", "no limit"), clamped to what a number holds exactly. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER

export type ConfigType = 'int' | 'short' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class'

export interface ConfigKey {
  type: ConfigType
  default?: number | boolean | string | string[] | null
  min?: number
  max?: number
  /** The values a string may take, or each item of a list (Kafka's ValidString / ValidList). */
  oneOf?: readonly string[]
  /**
   * A rule the bounds cannot state (Kafka's custom validators, e.g. "-1 or 1..9"): what a parsed
   * value should have been, for the message, or undefined when it is fine.
   */
  valid?: (value: never) => string | undefined
  /** Accepted so that a Kafka server.properties loads unchanged; no effect here (see why). */
  compatOnly?: string
  doc?: string
}

export type ConfigSchema = Record<string, ConfigKey>

type ValueOf<K extends ConfigKey> =
  K['type'] extends 'int' | 'short' | 'long' | 'double' ? number
    : K['type'] extends 'boolean' ? boolean
      : K['type'] extends 'list' ? Array<OneOf<K>>
        : OneOf<K>

/** A string key with `oneOf` (declared `as const`) is typed as the union of its values. */
type OneOf<K extends ConfigKey> = K extends { oneOf: ReadonlyArray<infer O extends string> } ? O : string

type Nullable<K extends ConfigKey> = K extends { default: null } ? null : never

export type ConfigValues<S extends ConfigSchema> = {
  readonly [P in keyof S]: ValueOf<S[P]> | Nullable<S[P]>
}

export interface ConfigProblem { key: string, message: string }

/** Turns raw values (strings from .properties/--override, or YAML scalars) into typed ones. */
export function validateConfig<S extends ConfigSchema> (schema: S, raw: Record<string, unknown>): { values: ConfigValues<S>, problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    const spec = schema[key]
    if (spec === undefined) {
      const hint = closestKey(key, Object.keys(schema))
      problems.push({ key, message: `unknown key "${key}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}` })
      continue
    }
    const parsed = parseValue(key, spec, value)
    if (parsed instanceof BadValue) problems.push({ key, message: parsed.problem })
    else values[key] = parsed
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (key in values) continue
    if (spec.default === undefined) {
      if (!problems.some(p => p.key === key)) problems.push({ key, message: `"${key}" is required` })
    } else values[key] = spec.default
  }
  return { values: Object.freeze(values) as ConfigValues<S>, problems }
}

/**
 * A value as Kafka's ConfigDef.convertToString writes it (DescribeConfigs, CreateTopics): lists
 * comma-joined, Long.MAX_VALUE as Java's, doubles as Java's Double.toString ("1.0", "1.0E7").
 */
export function configValueString (spec: ConfigKey, value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (Array.isArray(value)) return value.join(',')
  if (typeof value !== 'number') return String(value)
  if (spec.type === 'long' && value === LONG_MAX) return '9223372036854775807'
  if (spec.type === 'double') return javaDouble(value)
  return String(value)
}

class BadValue {
  constructor (readonly problem: string) {}
}

function parseValue (key: string, spec: ConfigKey, value: unknown): unknown {
  const bad = (expected: string): BadValue => new BadValue(`"${key}" must be ${expected}, got ${JSON.stringify(value)}`)
  if (value === null && spec.default === null) return null
  switch (spec.type) {
    case 'int':
    case 'short':
    case 'long':
    case 'double': {
      let n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN
      // Kafka's "never" is Long.MAX_VALUE; a number holds 2^53 exactly, which is just as never.
      if (spec.type === 'long' && Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER) n = Math.sign(n) * Number.MAX_SAFE_INTEGER
      const kind = spec.type === 'double' ? 'a number' : 'an integer'
      const range = spec.min !== undefined && spec.max !== undefined
        ? ` between ${spec.min} and ${spec.max}`
        : spec.min !== undefined ? ` >= ${spec.min}` : spec.max !== undefined ? ` <= ${spec.max}` : ''
      if (!Number.isFinite(n) || (spec.type !== 'double' && !Number.isSafeInteger(n))) return bad(kind + range)
      if (spec.type === 'int' && (n < -2147483648 || n > 2147483647)) return bad(kind + ' within 32 bits')
      if (spec.type === 'short' && (n < -32768 || n > 32767)) return bad(kind + ' within 16 bits')
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return bad(kind + range)
      return checked(spec, n, bad)
    }
    case 'boolean':
      // Kafka's ConfigDef takes booleans in any case ("TRUE" too)
      if (typeof value === 'boolean') return value
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true'
      return bad('true or false')
    case 'list': {
      let items: string[]
      if (Array.isArray(value) && value.every(v => typeof v === 'string')) items = value
      else if (typeof value === 'string') items = value.split(',').map(s => s.trim()).filter(s => s !== '')
      else return bad('a comma-separated list')
      const unknown = spec.oneOf === undefined ? undefined : items.find(item => !spec.oneOf!.includes(item))
      if (unknown !== undefined) return bad(`a list of ${spec.oneOf!.join(', ')}`)
      return checked(spec, items, bad)
    }
    case 'string':
    case 'password':
    case 'class': {
      if (typeof value !== 'string' && typeof value !== 'number') return bad('a string')
      const s = String(value)
      if (spec.oneOf !== undefined && !spec.oneOf.includes(s)) return bad(`one of ${spec.oneOf.join(', ')}`)
      return checked(spec, s, bad)
    }
  }
}

/** A parsed value through the key's own rule, if it has one. */
function checked (spec: ConfigKey, value: number | string | string[], bad: (expected: string) => BadValue): unknown {
  const expected = spec.valid?.(value as never)
  return expected === undefined ? value : bad(expected)
}

/** The schema key a typo most likely meant, if one is close enough to suggest. */
function closestKey (key: string, keys: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(key.length / 5)) + 1
  for (const candidate of keys) {
    // the distance is at least the difference in length: a client's megabyte-long key costs nothing
    if (Math.abs(key.length - candidate.length) >= bestDistance) continue
    const d = editDistance(key, candidate)
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  return best
}

function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** Java's Double.toString: 50.0, 0.5, 1.048576E7. */
export function javaDouble (value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN'
  const magnitude = Math.abs(value)
  if (magnitude !== 0 && (magnitude >= 1e7 || magnitude < 1e-3)) {
    const [mantissa, exponent] = value.toExponential().split('e')
    return `${mantissa!.includes('.') ? mantissa! : `${mantissa!}.0`}E${Number(exponent)}`
  }
  return Number.isInteger(value) ? value.toFixed(1) : String(value)
}
