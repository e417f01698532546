/**
 * History without Prometheus: fixed-size rings of samples kept in the gateway, one per series and
 * resolution: the last hour at one point a second and the last day at one point a minute (the
 * minute point is the mean of that minute's second points). Memory is fixed per series
 * ((3,600 + 1,440) × 4 bytes), whatever the traffic; a gap (nothing recorded, e.g. every broker
 * unreachable) reads as null, never as zero. Series are named by the caller: `messagesIn` for the
 * cluster, `broker.1.bytesOut` for one broker, and later kinds (a group's lag) add their own names.
 */

export interface Resolution { name: '1s' | '1m', stepMs: number, points: number }
export const RESOLUTIONS: readonly Resolution[] = [
  { name: '1s', stepMs: 1000, points: 3600 },
  { name: '1m', stepMs: 60_000, points: 1440 },
]

/** A series over a time range: values[i] is at startMs + i × stepMs. */
export interface SeriesRange { startMs: number, stepMs: number, values: Array<number | null> }

/**
 * The spans a chart offers, each read from one ring and averaged into buckets of `bucket` of its
 * points (a few hundred points: about one per pixel of a chart, whatever the span). Buckets are
 * aligned to multiples of their length since the epoch, so two reads a moment apart agree on every
 * bucket but the newest (still filling).
 */
export const HISTORY_RANGES = {
  '5m': { resolution: '1s', points: 300, bucket: 1 },
  '1h': { resolution: '1s', points: 3600, bucket: 10 },
  '24h': { resolution: '1m', points: 1440, bucket: 5 },
} as const satisfies Record<string, { resolution: Resolution['name'], points: number, bucket: number }>
export type HistoryRange = keyof typeof HISTORY_RANGES

/** One series at one resolution: slot n of time holds the value of [n × stepMs, (n + 1) × stepMs). */
export class TimeSeriesRing {
  private readonly values: Float32Array
  /** The time slot (ms / stepMs) of the newest value; -1 before the first. */
  private lastSlot = -1

  constructor (readonly stepMs: number, readonly capacity: number) {
    this.values = new Float32Array(capacity).fill(Number.NaN)
  }

  record (atMs: number, value: number): void {
    const slot = Math.floor(atMs / this.stepMs)
    if (slot < this.lastSlot - this.capacity + 1) return
    if (slot > this.lastSlot) {
      // slots skipped since the newest value are gaps
      const from = this.lastSlot < 0 ? slot : Math.max(this.lastSlot + 1, slot - this.capacity + 1)
      for (let s = from; s < slot; s++) this.values[s % this.capacity] = Number.NaN
      this.lastSlot = slot
    }
    this.values[slot % this.capacity] = value
  }

  /** The newest `points` slots up to `nowMs` (all of them by default; older than the ring: gaps), oldest first. */
  range (nowMs: number, points = this.capacity): SeriesRange {
    const n = points
    const endSlot = Math.floor(nowMs / this.stepMs)
    const startSlot = endSlot - n + 1
    const values: Array<number | null> = new Array(n)
    for (let i = 0; i < n; i++) {
      const slot = startSlot + i
      const v = slot > this.lastSlot || slot <= this.lastSlot - this.capacity ? Number.NaN : this.values[slot % this.capacity]!
      values[i] = Number.isNaN(v) ? null : v
    }
    return { startMs: startSlot * this.stepMs, stepMs: this.stepMs, values }
  }
}

class Series {
  readonly rings = RESOLUTIONS.map(r => new TimeSeriesRing(r.stepMs, r.points))
  private minute = -1
  private sum = 0
  private count = 0

  record (atMs: number, value: number): void {
    this.rings[0]!.record(atMs, value)
    const minute = Math.floor(atMs / 60_000)
    if (minute !== this.minute) { this.minute = minute; this.sum = 0; this.count = 0 }
    this.sum += value
    this.count++
    this.rings[1]!.record(atMs, this.sum / this.count)
  }
}

export class MetricsHistory {
  private readonly series = new Map<string, Series>()

  /** One point per named series at `atMs`. */
  record (atMs: number, values: Record<string, number>): void {
    for (const [name, value] of Object.entries(values)) {
      let s = this.series.get(name)
      if (s === undefined) {
        s = new Series()
        this.series.set(name, s)
      }
      s.record(atMs, value)
    }
  }

  names (): string[] { return [...this.series.keys()].sort() }

  /** The named series at a resolution ('1s' or '1m'), newest `points` (default: all the ring holds). */
  range (name: string, resolution: Resolution['name'], nowMs: number, points?: number): SeriesRange | undefined {
    const i = RESOLUTIONS.findIndex(r => r.name === resolution)
    return this.series.get(name)?.rings[i]?.range(nowMs, points)
  }

  /**
   * The named series over one of HISTORY_RANGES up to `nowMs`: each bucket the mean of its points,
   * null where it has none (a gap stays a gap, never a zero).
   */
  rangeOver (name: string, range: HistoryRange, nowMs: number): SeriesRange | undefined {
    const { resolution, points, bucket } = HISTORY_RANGES[range]
    const ring = this.series.get(name)?.rings[RESOLUTIONS.findIndex(r => r.name === resolution)]
    if (ring === undefined) return undefined
    const stepMs = ring.stepMs * bucket
    const buckets = points / bucket
    const startMs = (Math.floor(nowMs / stepMs) - buckets + 1) * stepMs
    const raw = ring.range(nowMs, Math.floor(nowMs / ring.stepMs) - startMs / ring.stepMs + 1).values
    const values: Array<number | null> = new Array(buckets)
    for (let b = 0; b < buckets; b++) {
      let sum = 0
      let n = 0
      for (let i = b * bucket; i < (b + 1) * bucket && i < raw.length; i++) {
        const v = raw[i]
        if (v !== null && v !== undefined) { sum += v; n++ }
      }
      values[b] = n === 0 ? null : sum / n
    }
    return { startMs, stepMs, values }
  }

  /** Forgets the named series. */
  delete (names: readonly string[]): void {
    for (const name of names) this.series.delete(name)
  }

  /** Forgets the series whose names start with `prefix` (a broker or group that is gone). */
  drop (prefix: string): void {
    for (const name of this.series.keys()) if (name.startsWith(prefix)) this.series.delete(name)
  }
}
