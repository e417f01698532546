/**
 * One typed schema per process: every key's type, default and bounds. `validateConfig` checks a
 * raw key→value map against it and reports every problem at once, by key, before anything starts.
 */
export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password'

export interface ConfigKey {
  type: ConfigType
  default?: number | boolean | string | string[] | null
  min?: number
  max?: number
  oneOf?: readonly string[]
  /** Accepted so that a Kafka server.properties loads unchanged; no effect here (see why). */
  compatOnly?: string
  doc?: string
}

export type ConfigSchema = Record<string, ConfigKey>

type ValueOf<K extends ConfigKey> =
  K['type'] extends 'int' | 'long' | 'double' ? number
    : K['type'] extends 'boolean' ? boolean
      : K['type'] extends 'list' ? string[]
        : string

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

class BadValue {
  constructor (readonly problem: string) {}
}

function parseValue (key: string, spec: ConfigKey, value: unknown): unknown {
  const bad = (expected: string): BadValue => new BadValue(`"${key}" must be ${expected}, got ${JSON.stringify(value)}`)
  if (value === null && spec.default === null) return null
  switch (spec.type) {
    case 'int':
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
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return bad(kind + range)
      return n
    }
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === 'false') return value === 'true'
      return bad('true or false')
    case 'list':
      if (Array.isArray(value) && value.every(v => typeof v === 'string')) return value
      if (typeof value === 'string') return value.split(',').map(s => s.trim()).filter(s => s !== '')
      return bad('a comma-separated list')
    case 'string':
    case 'password': {
      if (typeof value !== 'string' && typeof value !== 'number') return bad('a string')
      const s = String(value)
      if (spec.oneOf !== undefined && !spec.oneOf.includes(s)) return bad(`one of ${spec.oneOf.join(', ')}`)
      return s
    }
  }
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
