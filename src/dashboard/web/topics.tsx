/**
 * The topics, a page at a time, searched and sorted on the server (a `topics` watch, so the page
 * stays live): by name, or the busiest first by messages in, bytes in or bytes out per second
 * (a column header picks); create a topic, delete one after typing its name. Both are refused in
 * read-only mode.
 */
import { useState } from 'preact/hooks'
import { api } from './api.js'
import { useWatch } from './live.js'
import { PAGE, Pager, SearchBox, usePagedSearch } from './paged-search.js'
import { byteRate, bytes, rate } from './format.js'
import type { ClusterDoc, TopicSort, TopicsDoc } from './types.js'

export function Topics ({ cluster }: { cluster: ClusterDoc }) {
  const { typed, setTyped, search, offset, setOffset } = usePagedSearch()
  const [deleting, setDeleting] = useState<string>()
  const [sort, setSort] = useState<TopicSort>('name')
  const { doc } = useWatch({ on: 'topics', search, sort, offset, limit: PAGE })
  const sortBy = (s: TopicSort): void => { setSort(s); setOffset(0) }
  const header = (s: TopicSort, label: string, cls = 'num') => (
    <th class={`${cls} sortable${sort === s ? ' sorted' : ''}`} aria-sort={sort === s ? (s === 'name' ? 'ascending' : 'descending') : 'none'} data-testid={`sort-${s}`} onClick={() => sortBy(s)}>{label}{sort === s ? (s === 'name' ? ' ▲' : ' ▼') : ''}</th>
  )
  const page = doc as TopicsDoc | undefined
  return (
    <div>
      <SearchBox typed={typed} setTyped={setTyped} placeholder="Search topics" total={page?.total} noun="topics" testId="topic" />
      <CreateTopic readOnly={cluster.readOnly} />
      {page === undefined
        ? <p class="muted">Loading…</p>
        : (
          <>
            <table data-testid="topics">
              <thead><tr>{header('name', 'Name', '')}<th class="num">Partitions</th><th class="num">RF</th><th class="num">Size</th>{header('messagesIn', 'Messages in')}{header('bytesIn', 'Bytes in')}{header('bytesOut', 'Bytes out')}<th class="num">Under-replicated</th><th class="num">Offline</th><th>Read by (total lag)</th><th /></tr></thead>
              <tbody>
                {page.topics.map(t => (
                  <tr key={t.name} data-testid={`topic-${t.name}`} class={t.offline > 0 ? 'bad-row' : t.underReplicated > 0 ? 'warn-row' : ''}>
                    <td><a href={`#/topics/${encodeURIComponent(t.name)}`}>{t.name}</a>{t.internal ? <span class="tag">internal</span> : null}</td>
                    <td class="num">{t.partitions}</td>
                    <td class="num">{t.replicationFactor}</td>
                    <td class="num" data-testid={`size-${t.name}`} data-bytes={t.size ?? ''}>{bytes(t.size)}</td>
                    <td class="num" data-testid={`messages-in-${t.name}`} data-rate={t.rates?.messagesIn ?? ''}>{rate(t.rates?.messagesIn)}</td>
                    <td class="num" data-testid={`bytes-in-${t.name}`} data-rate={t.rates?.bytesIn ?? ''}>{byteRate(t.rates?.bytesIn)}</td>
                    <td class="num" data-testid={`bytes-out-${t.name}`} data-rate={t.rates?.bytesOut ?? ''}>{byteRate(t.rates?.bytesOut)}</td>
                    <td class="num">{t.underReplicated}</td>
                    <td class="num">{t.offline}</td>
                    <td data-testid={`readers-${t.name}`}>
                      {t.groups.map(g => <span key={g.groupId} class="reader"><a href={`#/groups/${encodeURIComponent(g.groupId)}`}>{g.groupId}</a> ({g.lag})</span>)}
                      {t.groupCount > t.groups.length ? <span class="muted"> and {t.groupCount - t.groups.length} more</span> : null}
                    </td>
                    <td>{cluster.readOnly ? null : <button class="danger small" data-testid={`delete-${t.name}`} onClick={() => setDeleting(t.name)}>Delete</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager offset={offset} total={page.total} setOffset={setOffset} />
          </>
          )}
      {deleting !== undefined ? <DeleteTopic name={deleting} onDone={() => setDeleting(undefined)} /> : null}
    </div>
  )
}

function CreateTopic ({ readOnly }: { readOnly: boolean }) {
  const [name, setName] = useState('')
  const [partitions, setPartitions] = useState('1')
  const [rf, setRf] = useState('1')
  const [message, setMessage] = useState<{ ok: boolean, text: string }>()
  const [busy, setBusy] = useState(false)
  if (readOnly) return <p class="muted" data-testid="read-only">Read-only gateway (gateway.read.only): topics cannot be created or deleted here.</p>
  const submit = (e: Event): void => {
    e.preventDefault()
    setBusy(true)
    api('topics', { method: 'POST', body: { name, partitions: Number(partitions), replicationFactor: Number(rf) } })
      .then(() => { setMessage({ ok: true, text: `Created ${name}` }); setName('') }, (err: Error) => setMessage({ ok: false, text: `${err.name}: ${err.message}` }))
      .finally(() => setBusy(false))
  }
  return (
    <form class="create" onSubmit={submit} data-testid="create-topic">
      <input required placeholder="New topic name" value={name} data-testid="create-name" onInput={e => setName((e.target as HTMLInputElement).value)} />
      <label>Partitions <input type="number" min="1" value={partitions} data-testid="create-partitions" onInput={e => setPartitions((e.target as HTMLInputElement).value)} /></label>
      <label>Replication factor <input type="number" min="1" value={rf} data-testid="create-rf" onInput={e => setRf((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" disabled={busy} data-testid="create-submit">Create topic</button>
      {message !== undefined ? <span class={message.ok ? 'ok-text' : 'error'} data-testid="create-result">{message.text}</span> : null}
    </form>
  )
}

function DeleteTopic ({ name, onDone }: { name: string, onDone: () => void }) {
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string>()
  const confirm = (): void => {
    api(`topics/${encodeURIComponent(name)}`, { method: 'DELETE' }).then(onDone, (err: Error) => setError(`${err.name}: ${err.message}`))
  }
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" data-testid="delete-dialog">
        <h2>Delete topic {name}?</h2>
        <p>Every record in it is deleted, on every broker. This cannot be undone. Type the topic's name to confirm.</p>
        <input value={typed} data-testid="delete-confirm-name" onInput={e => setTyped((e.target as HTMLInputElement).value)} />
        {error !== undefined ? <p class="error">{error}</p> : null}
        <div class="actions">
          <button onClick={onDone}>Cancel</button>
          <button class="danger" disabled={typed !== name} data-testid="delete-confirm" onClick={confirm}>Delete</button>
        </div>
      </div>
    </div>
  )
}
