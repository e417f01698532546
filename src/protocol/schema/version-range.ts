/**
 * Kafka's version-range strings as used in the message JSON: '3+', '0-5', '7', 'none'.
 */
export interface VersionRange {
  readonly min: number
  /** Infinity for open ranges ('3+'). */
  readonly max: number
  readonly text: string
}

export const NO_VERSIONS: VersionRange = { min: 0, max: -1, text: 'none' }

export function parseVersionRange (text: string): VersionRange {
  if (text === 'none') return NO_VERSIONS
  let m = /^(\d+)\+$/.exec(text)
  if (m) return { min: Number(m[1]), max: Infinity, text }
  m = /^(\d+)-(\d+)$/.exec(text)
  if (m) return { min: Number(m[1]), max: Number(m[2]), text }
  m = /^(\d+)$/.exec(text)
  if (m) return { min: Number(m[1]), max: Number(m[1]), text }
  throw new Error(`bad version range "${text}"`)
}

export function inRange (range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max
}
