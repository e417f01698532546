/**
 * One topic: per partition leader, replicas, ISR (replicas out of it highlighted), log start, high
 * watermark, log end, size and messages in per second; the topic's messages and bytes per second
 * over 5 min, 1 h or 24 h; the throughput heat map; add partitions; its configs.
 */
import { useState } from 'preact/hooks'
import { api } from './api.js'
import { bytes, rate } from './format.js'
import { useWatch, type PartitionSeries } from './live.js'
import { ThroughputCharts } from './throughput-charts.js'
import { ThroughputHeatMap } from './throughput-heat-map.js'
import { TopicConfigs } from './topic-configs.js'
import type { TopicDoc } from './types.js'

const PAGE = 200

export function Topic ({ name, readOnly }: { name: string, readOnly: boolean }) {
  const { doc, series } = useWatch({ on: 'topic', topic: name })
  const topic = doc as TopicDoc | undefined
  const [page, setPage] = useState(0)
  if (topic === undefined) return <p class="muted">Loading {name}…</p>
  if (!topic.exists) return <p class="error" data-testid="topic-missing">Topic {name} does not exist (or was deleted).</p>
  const partitions = Object.values(topic.partitions ?? {}).sort((a, b) => a.partition - b.partition)
  const under = partitions.filter(p => p.underReplicated).length
  const shown = partitions.slice(page * PAGE, (page + 1) * PAGE)
  return (
    <div>
      <h2 data-testid="topic-name">{name} {topic.internal === true ? <span class="tag">internal</span> : null}</h2>
      <p class="muted">{partitions.length} partitions, <span data-testid="topic-under-replicated" class={under > 0 ? 'error' : ''}>{under} under-replicated</span>{topic.topicId !== undefined ? `, id ${topic.topicId}` : ''}</p>
      <table data-testid="partitions">
        <thead><tr><th class="num">Partition</th><th>Leader</th><th>Replicas</th><th>ISR</th><th class="num">Log start</th><th class="num">High watermark</th><th class="num">Log end</th><th class="num">Records</th><th class="num">Size</th><th class="num">Messages in</th></tr></thead>
        <tbody>
          {shown.map(p => (
            <tr key={p.partition} data-testid={`partition-${p.partition}`} data-under-replicated={String(p.underReplicated)} class={p.offline ? 'bad-row' : p.underReplicated ? 'warn-row' : ''}>
              <td class="num">{p.partition}</td>
              <td>{p.leader >= 0 ? p.leader : <span class="badge bad">none</span>}</td>
              <td>{p.replicas.map(r => <span key={r} class={`replica${p.isr.includes(r) ? '' : ' out'}`} title={p.isr.includes(r) ? 'in sync' : 'not in the ISR'}>{r}</span>)}</td>
              <td class="mono">{p.isr.join(', ')}</td>
              <td class="num">{p.logStartOffset ?? '–'}</td>
              <td class="num">{p.highWatermark ?? '–'}</td>
              <td class="num">{p.logEndOffset ?? '–'}</td>
              <td class="num">{p.highWatermark !== undefined && p.logStartOffset !== undefined ? p.highWatermark - p.logStartOffset : '–'}</td>
              <td class="num" data-bytes={p.size ?? ''}>{bytes(p.size)}</td>
              <td class="num">{rate(p.messagesInPerSec)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {partitions.length > PAGE
        ? (
          <div class="pager">
            <button disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
            <span class="muted">{page * PAGE}–{Math.min((page + 1) * PAGE, partitions.length) - 1} of {partitions.length}</span>
            <button disabled={(page + 1) * PAGE >= partitions.length} onClick={() => setPage(page + 1)}>Next</button>
          </div>
          )
        : null}
      <ThroughputCharts prefix={`topic.${name}.`} rates={topic.rates} ratesAtMs={topic.ratesAtMs} metrics={series !== undefined} />
      <ThroughputHeatMap partitions={partitions} series={series as PartitionSeries | undefined} />
      <AddPartitions name={name} count={partitions.length} readOnly={readOnly} />
      <TopicConfigs name={name} readOnly={readOnly} />
    </div>
  )
}

/** kafka-topics --alter --partitions: a topic only ever grows (CreatePartitions). */
function AddPartitions ({ name, count, readOnly }: { name: string, count: number, readOnly: boolean }) {
  const [wanted, setWanted] = useState(String(count + 1))
  const [message, setMessage] = useState<{ ok: boolean, text: string }>()
  if (readOnly) return null
  const submit = (e: Event): void => {
    e.preventDefault()
    api(`topics/${encodeURIComponent(name)}/partitions`, { method: 'POST', body: { count: Number(wanted) } })
      .then(() => setMessage({ ok: true, text: `${name} has ${wanted} partitions` }), (err: Error) => setMessage({ ok: false, text: `${err.name}: ${err.message}` }))
  }
  return (
    <form class="create" onSubmit={submit} data-testid="add-partitions">
      <label>Partitions (now {count}) <input type="number" min={count + 1} value={wanted} data-testid="add-partitions-count" onInput={e => setWanted((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" data-testid="add-partitions-submit">Add partitions</button>
      {message !== undefined ? <span class={message.ok ? 'ok-text' : 'error'} data-testid="add-partitions-result">{message.text}</span> : null}
    </form>
  )
}
