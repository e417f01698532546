/** A small uPlot line of one series, redrawn in place as samples arrive. */
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

/** The newest minute at least; older points only from where the history begins (a new gateway has little). */
const MIN_POINTS = 60

export function Sparkline ({ startMs, stepMs, values: all, label, testId }: { startMs: number, stepMs: number, values: Array<number | null>, label: string, testId: string }) {
  const el = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const first = all.findIndex(v => v !== null)
  const from = first < 0 ? 0 : Math.min(first, Math.max(0, all.length - MIN_POINTS))
  const values = all.slice(from)
  const xs = values.map((_, i) => (startMs + (from + i) * stepMs) / 1000)
  useEffect(() => {
    if (el.current === null) return
    plot.current = new uPlot({
      width: 260,
      height: 64,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { label, stroke: '#2f6fdf', fill: 'rgba(47,111,223,0.12)', width: 1.5, spanGaps: false }],
    }, [xs, values], el.current)
    return () => plot.current?.destroy()
  }, [])
  useEffect(() => { plot.current?.setData([xs, values]) }, [startMs, values])
  return <div class="sparkline" data-testid={testId} data-points={values.filter(v => v !== null).length} ref={el} />
}
