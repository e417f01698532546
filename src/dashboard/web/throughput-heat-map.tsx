/**
 * A topic × partition heat map of messages in per second: one row per partition, one cell per
 * second of the last minute, darker for more, with each partition's share of the topic's rate now;
 * a partition that takes more than its share (skew) stands out. The gateway keeps the minute and
 * sends a point a second (the topic watch's series and samples, docs/dashboard.md).
 */
import { rate } from './format.js'
import type { PartitionSeries } from './live.js'
import type { PartitionDoc } from './types.js'

/** Rows drawn: a topic with more partitions shows its busiest ones. */
const MAX_ROWS = 64

export function ThroughputHeatMap ({ partitions, series }: { partitions: PartitionDoc[], series: PartitionSeries | undefined }) {
  if (series === undefined) return <p class="muted" data-testid="heatmap-empty">No per-partition throughput: the gateway scrapes no broker /metrics (gateway.broker.metrics.urls).</p>
  const arrays = Object.values(series).filter((v): v is Array<number | null> => Array.isArray(v))
  // a partition added since the snapshot has no figures yet: gaps, as long as the others
  const gaps = new Array<number | null>(arrays[0]?.length ?? 0).fill(null)
  const cellsOf = (p: number): Array<number | null> => (series[p] as Array<number | null> | undefined) ?? gaps
  const now = new Map(partitions.map(p => [p.partition, p.messagesInPerSec ?? 0]))
  const total = [...now.values()].reduce((a, b) => a + b, 0)
  const rows = [...partitions].sort((a, b) => now.get(b.partition)! - now.get(a.partition)! || a.partition - b.partition).slice(0, MAX_ROWS).sort((a, b) => a.partition - b.partition)
  let max = 0
  for (const p of rows) for (const v of cellsOf(p.partition)) if (v !== null) max = Math.max(max, v)
  const mean = total / Math.max(1, partitions.length)
  const busiest = Math.max(0, ...now.values())
  return (
    <div data-testid="heatmap">
      <h2>Throughput by partition <span class="muted small">messages in per second, last {gaps.length} s; busiest partition {mean > 0 ? `${(busiest / mean).toFixed(1)}× the mean` : 'idle'}{partitions.length > rows.length ? `; the ${rows.length} busiest of ${partitions.length}` : ''}</span></h2>
      <table class="heatmap narrow">
        <tbody>
          {rows.map(p => (
            <tr key={p.partition} data-testid={`heat-${p.partition}`} data-points={cellsOf(p.partition).filter(v => v !== null).length}>
              <th>{p.partition}</th>
              <td class="cells">{cellsOf(p.partition).map((v, i) => (
                <span key={i} class="cell" title={v === null ? 'no figure' : rate(v)} style={{ background: v === null ? '#f0f1f4' : `rgba(47, 111, 223, ${max > 0 ? 0.08 + 0.92 * v / max : 0.08})` }} />
              ))}</td>
              <td class="num">{rate(p.messagesInPerSec)}</td>
              <td class="num muted">{total > 0 ? `${(100 * now.get(p.partition)! / total).toFixed(0)}%` : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
