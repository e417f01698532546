/** How a rate is sampled: `samples` windows of `windowMs` each (quota.window.num, quota.window.size.seconds). */
export interface RateConfig { samples: number, windowMs: number }

/**
 * Which elapsed time a rate divides by. 'rate' is Kafka's Rate, used by client quotas: at least
 * samples - 1 whole windows, so that a client's first second cannot show a huge rate. 'simple' is
 * Kafka's SimpleRate, used by replication quotas: the time since the oldest sample, at least one window.
 */
type RateKind = 'rate' | 'simple'

/**
 * A value per second over sampled windows (Kafka's Rate over a WindowedSum, the stat of every
 * quota sensor): each record adds to the current window, a window older than samples * windowMs
 * no longer counts, and the rate is the sum of the windows over the time they span.
 */
export class Rate {
  /** One more than `samples`: the placeholder Kafka keeps for the window overlapping the oldest. */
  private readonly windows: Window[] = []
  private current = 0
  private lastRecordMs = -Infinity

  constructor (readonly config: RateConfig, private readonly kind: RateKind = 'rate') {}

  record (value: number, nowMs: number): void {
    let w = this.window(nowMs)
    if (nowMs - w.startMs >= this.config.windowMs) w = this.advance(nowMs)
    w.value += value
    w.lastEventMs = nowMs
    this.lastRecordMs = nowMs
  }

  /** Per second, at `nowMs`. */
  measure (nowMs: number): number {
    this.purgeObsolete(nowMs)
    let sum = 0
    for (const w of this.windows) sum += w.value
    return sum / (this.windowSizeMs(nowMs) / 1000)
  }

  /** The elapsed time the rate divides by (Kafka's Rate.windowSize / SimpleRate.windowSize). */
  windowSizeMs (nowMs: number): number {
    this.purgeObsolete(nowMs)
    let elapsed = nowMs - this.oldest(nowMs).startMs
    if (this.kind === 'simple') return Math.max(elapsed, this.config.windowMs)
    const minFullWindows = this.config.samples - 1
    const fullWindows = Math.floor(elapsed / this.config.windowMs)
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.config.windowMs
    return Math.max(elapsed, 1)
  }

  /** No event within the last samples * windowMs: the rate is zero and nothing of it needs keeping. */
  isIdle (nowMs: number): boolean {
    return nowMs - this.lastRecordMs >= this.config.samples * this.config.windowMs
  }

  private window (nowMs: number): Window {
    if (this.windows.length === 0) this.windows.push(newWindow(nowMs))
    return this.windows[this.current]!
  }

  private advance (nowMs: number): Window {
    this.current = (this.current + 1) % (this.config.samples + 1)
    if (this.current >= this.windows.length) {
      const w = newWindow(nowMs)
      this.windows.push(w)
      return w
    }
    const w = this.windows[this.current]!
    reset(w, nowMs)
    return w
  }

  private oldest (nowMs: number): Window {
    let oldest = this.window(nowMs)
    for (const w of this.windows) if (w.startMs < oldest.startMs) oldest = w
    return oldest
  }

  private purgeObsolete (nowMs: number): void {
    const expireAgeMs = this.config.samples * this.config.windowMs
    for (const w of this.windows) if (nowMs - w.lastEventMs >= expireAgeMs) reset(w, nowMs)
  }
}

/**
 * How long a client over its quota is throttled (Kafka's QuotaUtils.throttleTime): the time it
 * must stay silent for the rate over the current window to fall back to the bound. 0 when the
 * rate is within the bound.
 */
export function throttleTimeMs (rate: Rate, boundPerSec: number, nowMs: number): number {
  const value = rate.measure(nowMs)
  if (value <= boundPerSec) return 0
  // Unbounded in Kafka's ClientQuotaManager; here capped where the protocol's int32 ends.
  return Math.min(Math.round((value - boundPerSec) / boundPerSec * rate.windowSizeMs(nowMs)), 2 ** 31 - 1)
}

interface Window { startMs: number, lastEventMs: number, value: number }

function newWindow (nowMs: number): Window {
  return { startMs: nowMs, lastEventMs: nowMs, value: 0 }
}

function reset (w: Window, nowMs: number): void {
  w.startMs = nowMs
  w.lastEventMs = nowMs
  w.value = 0
}
