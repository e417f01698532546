/** One topic: per partition leader, replicas, ISR (replicas out of it highlighted), log start, high watermark; its configs. */
import { useEffect, useState } from 'preact/hooks'
import { api, type ConfigEntry } from './api.js'
import { ConfigTable } from './configs.js'
import { useWatch } from './live.js'
import type { TopicDoc } from './types.js'

const PAGE = 200

export function Topic ({ name }: { name: string }) {
  const { doc } = useWatch({ on: 'topic', topic: name })
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
        <thead><tr><th class="num">Partition</th><th>Leader</th><th>Replicas</th><th>ISR</th><th class="num">Log start</th><th class="num">High watermark</th><th class="num">Records</th></tr></thead>
        <tbody>
          {shown.map(p => (
            <tr key={p.partition} data-testid={`partition-${p.partition}`} data-under-replicated={String(p.underReplicated)} class={p.offline ? 'bad-row' : p.underReplicated ? 'warn-row' : ''}>
              <td class="num">{p.partition}</td>
              <td>{p.leader >= 0 ? p.leader : <span class="badge bad">none</span>}</td>
              <td>{p.replicas.map(r => <span key={r} class={`replica${p.isr.includes(r) ? '' : ' out'}`} title={p.isr.includes(r) ? 'in sync' : 'not in the ISR'}>{r}</span>)}</td>
              <td class="mono">{p.isr.join(', ')}</td>
              <td class="num">{p.logStartOffset ?? '–'}</td>
              <td class="num">{p.highWatermark ?? '–'}</td>
              <td class="num">{p.highWatermark !== undefined && p.logStartOffset !== undefined ? p.highWatermark - p.logStartOffset : '–'}</td>
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
      <TopicConfigs name={name} />
    </div>
  )
}

function TopicConfigs ({ name }: { name: string }) {
  const [configs, setConfigs] = useState<ConfigEntry[]>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    api<{ configs: ConfigEntry[] }>(`topics/${encodeURIComponent(name)}`).then(t => setConfigs(t.configs), (err: Error) => setError(err.message))
  }, [name])
  if (error !== undefined) return <p class="error">{error}</p>
  if (configs === undefined) return null
  return <ConfigTable title="Configs" configs={configs} testId="topic-configs" />
}
