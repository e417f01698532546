/**
 * Messages in, bytes in and bytes out per second (a cluster's or a topic's) with a chart each over
 * a span the user picks: 5 min, 1 h or 24 h, read from the gateway's history rings
 * (`GET /api/v1/history?range=`, bucketed means: a few hundred points whatever the span). The
 * newest figure of each second comes with the watched document (`rates`, `ratesAtMs`): at 5 min
 * it is appended; at the longer spans the history is read again once a new bucket has begun.
 * Nothing polls on a timer.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { api } from './api.js'
import { byteRate, rate } from './format.js'
import type { Rates } from './types.js'

type RateName = keyof Rates
/** Below this many points a chart marks each one. */
const SPARSE_POINTS = 20
type Range = '5m' | '1h' | '24h'
/** Each span's label, and its buckets as the gateway reads them (HISTORY_RANGES in metrics-history.ts). */
const RANGES: Array<[Range, string, { stepMs: number, points: number }]> = [
  ['5m', '5 min', { stepMs: 1000, points: 300 }],
  ['1h', '1 h', { stepMs: 10_000, points: 360 }],
  ['24h', '24 h', { stepMs: 300_000, points: 288 }],
]
const RATES: Array<[RateName, string, (n: number | undefined) => string]> = [['messagesIn', 'Messages in', rate], ['bytesIn', 'Bytes in', byteRate], ['bytesOut', 'Bytes out', byteRate]]

interface Span { startMs: number, stepMs: number, values: Record<RateName, Array<number | null>> }
interface HistoryAnswer { series: Record<string, { startMs: number, stepMs: number, values: Array<number | null> }> }

/** `prefix`: '' for the cluster's series, `topic.<name>.` for a topic's (docs/dashboard.md). */
export function ThroughputCharts ({ prefix, rates, ratesAtMs, metrics }: { prefix: string, rates?: Rates | undefined, ratesAtMs?: number | undefined, metrics: boolean }) {
  const [range, setRange] = useState<Range>('5m')
  const [span, setSpan] = useState<Span>()
  const [asked, setAsked] = useState(0)
  useEffect(() => {
    if (!metrics) return
    let current = true
    const names = RATES.map(([name]) => `${prefix}${name}`)
    api<HistoryAnswer>(`history?range=${range}&series=${names.map(encodeURIComponent).join(',')}`).then(h => {
      if (!current) return
      // a series the gateway has no ring for (a topic that never had traffic) is all gaps
      const { stepMs, points } = RANGES.find(([r]) => r === range)![2]
      const shape = Object.values(h.series)[0] ?? { startMs: (Math.floor(Date.now() / stepMs) - points + 1) * stepMs, stepMs, values: new Array<number | null>(points).fill(null) }
      const values = Object.fromEntries(RATES.map(([name]) => [name, h.series[`${prefix}${name}`]?.values ?? shape.values.map(() => null)])) as Record<RateName, Array<number | null>>
      setSpan({ startMs: shape.startMs, stepMs: shape.stepMs, values })
    }, () => { if (current) setSpan(undefined) })
    return () => { current = false }
  }, [prefix, range, asked, metrics])
  useEffect(() => {
    if (span === undefined || ratesAtMs === undefined || rates === undefined) return
    const length = span.values.messagesIn.length
    const endMs = span.startMs + length * span.stepMs
    if (ratesAtMs < endMs) return
    const shift = Math.floor((ratesAtMs - endMs) / span.stepMs) + 1
    // a new bucket of a longer span, or more than the span passed (a tab asleep): read it again
    if (span.stepMs > 1000 || shift >= length) { setAsked(n => n + 1); return }
    // the next second at 1 s steps: shift the span by the seconds that passed, gaps for the skipped ones
    const values = Object.fromEntries(RATES.map(([name]) => [name, span.values[name].concat(new Array<number | null>(shift - 1).fill(null), [rates[name]]).slice(-length)])) as Record<RateName, Array<number | null>>
    setSpan({ startMs: span.startMs + shift * span.stepMs, stepMs: span.stepMs, values })
  }, [ratesAtMs])
  return (
    <div class="throughput" data-testid="throughput">
      <div class="toolbar range-selector" role="group" aria-label="Time span">
        {RANGES.map(([r, label]) => <button key={r} class={r === range ? 'selected' : ''} aria-pressed={r === range} data-testid={`range-${r}`} onClick={() => { setRange(r); setSpan(undefined) }}>{label}</button>)}
      </div>
      <section class="cards">
        {RATES.map(([name, title, format]) => (
          <div key={name} class="card wide" data-testid={`rate-${name}`}>
            <div class="card-title">{title} <span class="muted">per second</span></div>
            <div class="card-value">{format(rates?.[name])}</div>
            {!metrics
              ? <div class="muted small">no broker metrics (gateway.broker.metrics.urls)</div>
              : span === undefined
                ? <div class="muted small chart-placeholder">Loading…</div>
                : <RangeChart span={span} name={name} label={title} format={format} testId={`spark-${name}`} />}
          </div>
        ))}
      </section>
    </div>
  )
}

/** One series of a span, its x axis the whole span (an empty stretch is history the gateway does not have). */
function RangeChart ({ span, name, label, format, testId }: { span: Span, name: RateName, label: string, format: (n: number) => string, testId: string }) {
  const el = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const values = span.values[name]
  const xs = values.map((_, i) => (span.startMs + i * span.stepMs) / 1000)
  const fromS = span.startMs / 1000
  const toS = (span.startMs + values.length * span.stepMs) / 1000
  // the x scale is the whole span, whatever part of it has points (read when uPlot rescales)
  const xRange = useRef<[number, number]>([fromS, toS])
  xRange.current = [fromS, toS]
  // a few points in a long span (a new gateway's first minutes of a day) are dots, lines would not show
  const sparse = useRef(false)
  sparse.current = values.filter(v => v !== null).length < SPARSE_POINTS
  useEffect(() => {
    if (el.current === null) return
    plot.current = new uPlot({
      width: 300,
      height: 90,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true, range: () => xRange.current }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ size: 22, space: 70, font: '10px sans-serif', ticks: { show: false }, grid: { show: false }, values: (_u, splits) => splits.map(clock) }, { show: false }],
      series: [{}, { label, stroke: '#2f6fdf', fill: 'rgba(47,111,223,0.12)', width: 1.5, spanGaps: false, points: { show: () => sparse.current, size: 4 }, value: (_u, v) => v === null ? '–' : format(v) }],
    }, [xs, values], el.current)
    return () => plot.current?.destroy()
  }, [span.stepMs])
  useEffect(() => { plot.current?.setData([xs, values]) }, [span])
  return <div class="sparkline" data-testid={testId} data-points={values.filter(v => v !== null).length} data-span-s={toS - fromS} data-step-s={span.stepMs / 1000} ref={el} />
}

/** A tick's time of day: hours and minutes (a span is at most a day, so no dates). */
function clock (seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}
