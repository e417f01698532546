/**
 * Where a subscription starts or seeks to, and the cursor that resumes it. A cursor is the next
 * offset of every partition the subscription was reading, as opaque base64url text: after a
 * reconnect, `{"from": {"cursor": c}}` continues exactly after the last record delivered with it.
 */
export type PartitionOffsets = Map<string, Map<number, number>>

export type StartPosition =
  | { kind: 'earliest' | 'latest' }
  | { kind: 'timestamp', timestamp: number }
  /** Partitions not named start where `otherwise` says: earliest for a cursor (they had nothing read), latest for offsets (Kafka's auto.offset.reset default). */
  | { kind: 'offsets', offsets: PartitionOffsets, otherwise: 'earliest' | 'latest' }

const MAX_PARTITION = 2 ** 31 - 1

export function encodeCursor (positions: Iterable<{ topic: string, partition: number, offset: number }>): string {
  const byTopic: Record<string, Record<string, number>> = {}
  for (const p of positions) (byTopic[p.topic] ??= {})[p.partition] = p.offset
  return Buffer.from(JSON.stringify(byTopic)).toString('base64url')
}

/** `{"t": {"0": 5}}`, checked entry by entry; a problem names `field`. */
export function parseOffsets (field: string, v: unknown): PartitionOffsets | { problem: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { problem: `${field} must map topics to {"<partition>": offset}` }
  const out: PartitionOffsets = new Map()
  for (const [topic, partitions] of Object.entries(v)) {
    if (partitions === null || typeof partitions !== 'object' || Array.isArray(partitions)) return { problem: `${field}.${topic} must map partitions to offsets` }
    const m = new Map<number, number>()
    for (const [p, offset] of Object.entries(partitions as Record<string, unknown>)) {
      const partition = Number(p)
      if (!/^\d+$/.test(p) || partition > MAX_PARTITION) return { problem: `${field}.${topic} has partition ${JSON.stringify(p)}, not a partition number` }
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return { problem: `${field}.${topic}.${p} must be an offset (an integer >= 0)` }
      m.set(partition, offset)
    }
    out.set(topic, m)
  }
  return out
}

/** `"earliest"`, `"latest"`, `{"timestamp": ms}`, `{"offsets": {...}}` or `{"cursor": "..."}`. */
export function parseStartPosition (field: string, v: unknown): StartPosition | { problem: string } {
  if (v === 'earliest' || v === 'latest') return { kind: v }
  const shape = `${field} must be "earliest", "latest", {"timestamp": ms}, {"offsets": {...}} or {"cursor": "..."}`
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { problem: shape }
  const o = v as Record<string, unknown>
  if ('timestamp' in o) {
    if (typeof o.timestamp !== 'number' || !Number.isSafeInteger(o.timestamp) || o.timestamp < 0) return { problem: `${field}.timestamp must be milliseconds since the epoch` }
    return { kind: 'timestamp', timestamp: o.timestamp }
  }
  if ('offsets' in o) {
    const offsets = parseOffsets(`${field}.offsets`, o.offsets)
    return offsets instanceof Map ? { kind: 'offsets', offsets, otherwise: 'latest' } : offsets
  }
  if ('cursor' in o) {
    if (typeof o.cursor !== 'string') return { problem: `${field}.cursor must be a cursor string from a records frame` }
    let decoded: unknown
    try {
      decoded = JSON.parse(Buffer.from(o.cursor, 'base64url').toString('utf8'))
    } catch {
      return { problem: `${field}.cursor is not a cursor this gateway wrote` }
    }
    const offsets = parseOffsets(`${field}.cursor`, decoded)
    return offsets instanceof Map ? { kind: 'offsets', offsets, otherwise: 'earliest' } : offsets
  }
  return { problem: shape }
}

export function offsetOf (offsets: PartitionOffsets, topic: string, partition: number): number | undefined {
  return offsets.get(topic)?.get(partition)
}
