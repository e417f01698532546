/**
 * Preloaded with `node --import <this file>` (the broker under `bench/peers.ts --stalls`, and an
 * idle probe process beside it): records every event-loop stall longer than STALL_MS (default 4;
 * a 1 ms timer firing that much late) and every GC pause over 1 ms, with wall-clock times, and
 * writes them as JSON to the file STALL_LOG names when the process exits. A stall the idle probe
 * shares is the machine's (CPU starvation); one it does not share is the process's own work.
 */
import { writeFileSync } from 'node:fs'
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks'

export interface LoopEvent { at: number, kind: string, ms: number }

const file = process.env.STALL_LOG
if (file !== undefined) {
  const limitMs = Number(process.env.STALL_MS ?? 4)
  const events: LoopEvent[] = []
  let last = performance.now()
  setInterval(() => {
    const now = performance.now()
    if (now - last - 1 > limitMs) events.push({ at: Date.now(), kind: 'stall', ms: Math.round((now - last - 1) * 10) / 10 })
    last = now
  }, 1).unref()
  const gcKinds = new Map([[constants.NODE_PERFORMANCE_GC_MINOR, 'gc-minor'], [constants.NODE_PERFORMANCE_GC_MAJOR, 'gc-major'], [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'gc-incremental']])
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      const kind = gcKinds.get((e as PerformanceEntry & { detail?: { kind: number } }).detail?.kind ?? -1) ?? 'gc-other'
      if (e.duration > 1) events.push({ at: Math.round(performance.timeOrigin + e.startTime), kind, ms: Math.round(e.duration * 10) / 10 })
    }
  }).observe({ entryTypes: ['gc'] })
  process.on('exit', () => writeFileSync(file, JSON.stringify(events)))
}

/** Stalls of `own` of at least `minMs` that `probe` did not share (within 15 ms, half as long or more). */
export function ownStalls (own: LoopEvent[], probe: LoopEvent[], minMs: number): LoopEvent[] {
  return own.filter(e => e.kind === 'stall' && e.ms >= minMs && !probe.some(p => p.kind === 'stall' && Math.abs(p.at - e.at) < 15 && p.ms >= e.ms / 2))
}
