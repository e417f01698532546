/**
 * A topic's records: a search from a seek position with filters (run on the gateway, bounded in
 * records and time, and it says which offset ranges it read), a live tail (a gateway
 * subscription), records shown as text, pretty JSON, hex or base64, exported as NDJSON, and a
 * produce form ("produce again" fills it from a record).
 */
import { useEffect, useState } from 'preact/hooks'
import { api } from './api.js'
import { decode, type Decoding } from './format.js'
import { live } from './live.js'

export interface ShownRecord { partition: number, offset: number, timestamp: number, key: string | null, value: string | null, headers: Array<{ name: string, value: string | null }> }
interface Scanned { partition: number, from: number, to: number, end: number }
interface SearchAnswer { records: ShownRecord[], scanned: Scanned[], scannedRecords: number, complete: boolean, stoppedBy?: string, limits: { records: number, ms: number } }
interface Filter { field: 'key' | 'value' | 'header', name: string, op: 'contains' | 'equals' | 'regex', text: string }

/** Records the tail keeps on the page; older ones scroll away. */
const TAIL_KEEP = 500
const TAIL_CREDIT = 500

export function Messages ({ topic, readOnly }: { topic: string, readOnly: boolean }) {
  const [seek, setSeek] = useState('last')
  const [seekValue, setSeekValue] = useState('20')
  const [partition, setPartition] = useState('')
  const [filters, setFilters] = useState<Filter[]>([])
  const [decoding, setDecoding] = useState<Decoding>('string')
  const [answer, setAnswer] = useState<SearchAnswer>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [tailing, setTailing] = useState(false)
  const [tail, setTail] = useState<ShownRecord[]>([])
  const [draft, setDraft] = useState<ShownRecord>()

  const search = (): void => {
    const s: Record<string, unknown> = { kind: seek }
    if (seek === 'offset') s['offset'] = Number(seekValue)
    if (seek === 'timestamp') s['timestampMs'] = new Date(seekValue).getTime()
    if (seek === 'last') s['count'] = Number(seekValue)
    setBusy(true)
    setError(undefined)
    api<SearchAnswer>(`topics/${encodeURIComponent(topic)}/records`, {
      method: 'POST',
      body: { seek: s, limit: 200, filters: filters.filter(f => f.text !== ''), ...(partition !== '' ? { partitions: [Number(partition)] } : {}) },
    }).then(setAnswer, (err: Error) => setError(`${err.name}: ${err.message}`)).finally(() => setBusy(false))
  }

  useEffect(() => {
    if (!tailing) return
    setTail([])
    let received = 0
    let sub = ''
    const stop = live.subscribe({ topics: [topic], from: 'latest', format: 'base64', credit: TAIL_CREDIT }, f => {
      sub = String(f['sub'])
      if (f['op'] === 'error') { setError(`${String(f['name'])}: ${String(f['message'])}`); setTailing(false); return }
      if (f['op'] !== 'records') return
      type Typed = { data: string } | null
      const records = (f['records'] as unknown as Array<{ partition: number, offset: number, timestamp: number, key: Typed, value: Typed, headers: Array<{ name: string, value: Typed }> }>).map(r => ({
        partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key?.data ?? null, value: r.value?.data ?? null,
        headers: r.headers.map(h => ({ name: h.name, value: h.value?.data ?? null })),
      }))
      setTail(t => [...t, ...records].slice(-TAIL_KEEP))
      received += records.length
      // the page shows what it can keep: credit given back as records are shown
      if (received >= TAIL_CREDIT / 2) { live.send({ op: 'credit', sub, n: received }); received = 0 }
    })
    return stop
  }, [tailing, topic])

  const shown = tailing ? tail : answer?.records ?? []
  const exportNdjson = (): void => {
    const text = shown.map(r => JSON.stringify({ topic, ...r, key: r.key === null ? null : decode(r.key, decoding), value: r.value === null ? null : decode(r.value, decoding), encoding: decoding })).join('\n') + '\n'
    const a = document.createElement('a')
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }))
    a.download = `${topic}.ndjson`
    a.click()
    URL.revokeObjectURL(a.href)
  }

  return (
    <div data-testid="messages">
      <form class="create" onSubmit={e => { e.preventDefault(); search() }}>
        <label>From <select value={seek} data-testid="seek-kind" onChange={e => setSeek((e.target as HTMLSelectElement).value)}>
          <option value="last">last N</option>
          <option value="beginning">beginning</option>
          <option value="offset">offset</option>
          <option value="timestamp">timestamp</option>
          <option value="end">end</option>
        </select></label>
        {seek === 'offset' || seek === 'last' ? <input type="number" min="0" value={seekValue} data-testid="seek-value" onInput={e => setSeekValue((e.target as HTMLInputElement).value)} /> : null}
        {seek === 'timestamp' ? <input type="datetime-local" step="1" value={seekValue} data-testid="seek-value" onInput={e => setSeekValue((e.target as HTMLInputElement).value)} /> : null}
        <label>Partition <input type="number" min="0" placeholder="all" value={partition} onInput={e => setPartition((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" disabled={busy || tailing} data-testid="search">Search</button>
        <button type="button" class={tailing ? 'active' : ''} data-testid="tail" onClick={() => setTailing(!tailing)}>{tailing ? 'Stop live tail' : 'Live tail'}</button>
        <label>Show as <select value={decoding} data-testid="decoding" onChange={e => setDecoding((e.target as HTMLSelectElement).value as Decoding)}>
          <option value="string">string</option><option value="json">JSON</option><option value="hex">hex</option><option value="base64">base64</option>
        </select></label>
        <button type="button" disabled={shown.length === 0} data-testid="export" onClick={exportNdjson}>Export NDJSON</button>
      </form>
      <Filters filters={filters} setFilters={setFilters} />
      {error !== undefined ? <p class="error" data-testid="messages-error">{error}</p> : null}
      {!tailing && answer !== undefined ? <ScanSummary answer={answer} /> : null}
      {tailing ? <p class="muted" data-testid="tail-status">Live: {tail.length} records since the tail started (the newest {TAIL_KEEP} kept).</p> : null}
      <RecordTable records={shown} decoding={decoding} onProduceAgain={readOnly ? undefined : setDraft} />
      <Produce topic={topic} readOnly={readOnly} draft={draft} />
    </div>
  )
}

function Filters ({ filters, setFilters }: { filters: Filter[], setFilters: (f: Filter[]) => void }) {
  const change = (i: number, patch: Partial<Filter>): void => setFilters(filters.map((f, j) => j === i ? { ...f, ...patch } : f))
  return (
    <div class="filters">
      {filters.map((f, i) => (
        <div class="create" key={i} data-testid={`filter-${i}`}>
          <select value={f.field} onChange={e => change(i, { field: (e.target as HTMLSelectElement).value as Filter['field'] })}>
            <option value="key">key</option><option value="value">value</option><option value="header">header</option>
          </select>
          {f.field === 'header' ? <input placeholder="header name" value={f.name} onInput={e => change(i, { name: (e.target as HTMLInputElement).value })} /> : null}
          <select value={f.op} data-testid={`filter-op-${i}`} onChange={e => change(i, { op: (e.target as HTMLSelectElement).value as Filter['op'] })}>
            <option value="contains">contains</option><option value="equals">equals</option><option value="regex">matches regex</option>
          </select>
          <input value={f.text} data-testid={`filter-text-${i}`} onInput={e => change(i, { text: (e.target as HTMLInputElement).value })} />
          <button type="button" class="small" onClick={() => setFilters(filters.filter((_, j) => j !== i))}>Remove</button>
        </div>
      ))}
      <button type="button" class="small" data-testid="add-filter" onClick={() => setFilters([...filters, { field: 'value', name: '', op: 'contains', text: '' }])}>Add filter</button>
    </div>
  )
}

function ScanSummary ({ answer }: { answer: SearchAnswer }) {
  const why = answer.stoppedBy === 'limit' ? 'it found as many records as it shows' : answer.stoppedBy === 'records' ? `it read ${answer.limits.records.toLocaleString()} records (the gateway's bound)` : answer.stoppedBy === 'time' ? `it ran ${answer.limits.ms / 1000} s (the gateway's bound)` : ''
  return (
    <div class={answer.complete ? 'scan' : 'scan incomplete'} data-testid="scan-summary" data-complete={String(answer.complete)}>
      <b>{answer.records.length} records</b> matched of {answer.scannedRecords.toLocaleString()} read.{' '}
      {answer.complete ? 'Every partition was read to its end.' : `Incomplete: the search stopped because ${why}; the ranges below were read.`}
      <div class="ranges">
        {answer.scanned.map(r => (
          <span key={r.partition} class={r.to < r.end ? 'range partial' : 'range'} title={`log end ${r.end}`} data-testid={`scanned-${r.partition}`}>
            p{r.partition}: {r.from}–{r.to}{r.to < r.end ? ` of ${r.end}` : ''}
          </span>
        ))}
      </div>
    </div>
  )
}

function RecordTable ({ records, decoding, onProduceAgain }: { records: ShownRecord[], decoding: Decoding, onProduceAgain?: (r: ShownRecord) => void }) {
  if (records.length === 0) return <p class="muted" data-testid="no-records">No records shown.</p>
  return (
    <table data-testid="records">
      <thead><tr><th class="num">Partition</th><th class="num">Offset</th><th>Timestamp</th><th>Key</th><th>Value</th><th>Headers</th><th /></tr></thead>
      <tbody>
        {records.map(r => (
          <tr key={`${r.partition}-${r.offset}`} data-testid={`record-${r.partition}-${r.offset}`}>
            <td class="num">{r.partition}</td>
            <td class="num">{r.offset}</td>
            <td>{new Date(r.timestamp).toISOString()}</td>
            <td class="mono cell">{r.key === null ? <span class="muted">null</span> : decode(r.key, decoding)}</td>
            <td class="mono cell record-value">{r.value === null ? <span class="muted">null (tombstone)</span> : <pre>{decode(r.value, decoding)}</pre>}</td>
            <td class="mono small">{r.headers.map(h => `${h.name}=${h.value === null ? 'null' : decode(h.value, decoding === 'json' ? 'string' : decoding)}`).join(', ')}</td>
            <td>{onProduceAgain !== undefined ? <button class="small" data-testid="produce-again" onClick={() => onProduceAgain(r)}>Produce again</button> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The gateway's produce op: key, value, headers, partition, tombstone; the ack shows partition and offset. */
function Produce ({ topic, readOnly, draft }: { topic: string, readOnly: boolean, draft?: ShownRecord }) {
  const [key, setKey] = useState('')
  const [value, setValue] = useState('')
  const [headers, setHeaders] = useState('')
  const [partition, setPartition] = useState('')
  const [tombstone, setTombstone] = useState(false)
  const [binary, setBinary] = useState(false)
  const [result, setResult] = useState<{ ok: boolean, text: string }>()
  useEffect(() => {
    if (draft === undefined) return
    // the exact bytes: as text when key, value and headers are all UTF-8, else all as base64
    const utf8 = (b64: string | null): string | undefined => {
      if (b64 === null) return ''
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(b64), c => c.charCodeAt(0)))
      } catch {
        return undefined
      }
    }
    const all = [draft.key, draft.value, ...draft.headers.map(h => h.value)]
    const asBase64 = all.some(b => utf8(b) === undefined)
    const text = (b64: string | null): string => asBase64 ? b64 ?? '' : utf8(b64)!
    setBinary(asBase64)
    setKey(text(draft.key))
    setValue(text(draft.value))
    setTombstone(draft.value === null)
    setHeaders(draft.headers.map(h => `${h.name}=${text(h.value)}`).join('\n'))
    setPartition(String(draft.partition))
  }, [draft])
  if (readOnly) return <p class="muted" data-testid="produce-read-only">Read-only gateway (gateway.read.only): records cannot be produced here.</p>
  const submit = (e: Event): void => {
    e.preventDefault()
    const typed = (s: string): { type: 'string' | 'base64', data: string } => ({ type: binary ? 'base64' : 'string', data: s })
    const frame: Record<string, unknown> = {
      op: 'produce',
      topic,
      key: key === '' ? null : typed(key),
      value: tombstone ? null : typed(value),
      headers: headers.split('\n').filter(l => l.includes('=')).map(l => ({ name: l.slice(0, l.indexOf('=')), value: typed(l.slice(l.indexOf('=') + 1)) })),
      ...(partition !== '' ? { partition: Number(partition) } : {}),
    }
    live.request(frame).then(
      f => setResult(f['op'] === 'ack' ? { ok: true, text: `Produced to partition ${String(f['partition'])} at offset ${String(f['offset'])}` } : { ok: false, text: `${String(f['name'])}: ${String(f['message'])}` }),
      (err: Error) => setResult({ ok: false, text: err.message }))
  }
  return (
    <form class="produce" onSubmit={submit} data-testid="produce">
      <h2>Produce to {topic}</h2>
      <label>Key <input value={key} data-testid="produce-key" onInput={e => setKey((e.target as HTMLInputElement).value)} /></label>
      <label>Partition <input type="number" min="0" placeholder="by key" value={partition} data-testid="produce-partition" onInput={e => setPartition((e.target as HTMLInputElement).value)} /></label>
      <label class="check"><input type="checkbox" checked={tombstone} data-testid="produce-tombstone" onChange={e => setTombstone((e.target as HTMLInputElement).checked)} /> tombstone (null value)</label>
      <label class="check"><input type="checkbox" checked={binary} data-testid="produce-binary" onChange={e => setBinary((e.target as HTMLInputElement).checked)} /> key, value and headers are base64 (binary)</label>
      <label>Value <textarea rows={4} disabled={tombstone} value={value} data-testid="produce-value" onInput={e => setValue((e.target as HTMLTextAreaElement).value)} /></label>
      <label>Headers (one name=value a line) <textarea rows={2} value={headers} data-testid="produce-headers" onInput={e => setHeaders((e.target as HTMLTextAreaElement).value)} /></label>
      <button type="submit" data-testid="produce-submit">Produce</button>
      {result !== undefined ? <span class={result.ok ? 'ok-text' : 'error'} data-testid="produce-result">{result.text}</span> : null}
    </form>
  )
}
