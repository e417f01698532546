/**
 * Consumer groups: a page of them searched on the server (a `groups` watch), and one group (a
 * `group` watch): members, per partition committed offset, log end, lag and lag in time, Burrow's
 * status, the lag over the last minutes, and the offset reset of kafka-consumer-groups with its
 * dry run.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { api } from './api.js'
import { duration, time } from './format.js'
import { useWatch } from './live.js'
import { PAGE, Pager, SearchBox, usePagedSearch } from './paged-search.js'
import type { ClusterDoc, GroupDoc, GroupsDoc } from './types.js'

export function StatusBadge ({ status }: { status: string | undefined }) {
  const cls = status === 'OK' ? 'ok' : status === 'WARN' ? 'warn' : 'bad'
  return <span class={`badge ${cls}`} data-testid="status">{status ?? '–'}</span>
}

export function Groups () {
  const { typed, setTyped, search, offset, setOffset } = usePagedSearch()
  const { doc } = useWatch({ on: 'groups', search, offset, limit: PAGE })
  const page = doc as GroupsDoc | undefined
  return (
    <div>
      <SearchBox typed={typed} setTyped={setTyped} placeholder="Search groups" total={page?.total} noun="groups" testId="group" />
      {page === undefined
        ? <p class="muted">Loading…</p>
        : (
          <>
            <table data-testid="groups">
              <thead><tr><th>Group</th><th>State</th><th>Status</th><th>Protocol</th><th class="num">Members</th><th class="num">Partitions</th><th class="num">Total lag</th></tr></thead>
              <tbody>
                {page.groups.map(g => (
                  <tr key={g.groupId} data-testid={`group-${g.groupId}`} data-lag={g.lag} class={g.status === 'ERR' ? 'bad-row' : g.status === 'WARN' ? 'warn-row' : ''}>
                    <td><a href={`#/groups/${encodeURIComponent(g.groupId)}`}>{g.groupId}</a></td>
                    <td>{g.state ?? '–'}</td>
                    <td><StatusBadge status={g.status} /></td>
                    <td>{g.protocolType ?? ''}{g.protocol !== undefined ? ` / ${g.protocol}` : ''}</td>
                    <td class="num">{g.members}</td>
                    <td class="num">{g.partitions}</td>
                    <td class="num lag">{g.lag}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager offset={offset} total={page.total} setOffset={setOffset} />
          </>
          )}
    </div>
  )
}

export function Group ({ id, cluster }: { id: string, cluster: ClusterDoc }) {
  const { doc } = useWatch({ on: 'group', group: id })
  const g = doc as GroupDoc | undefined
  if (g === undefined) return <p class="muted">Loading {id}…</p>
  if (!g.exists) return <p class="error" data-testid="group-missing">Group {id} has no offsets or members the gateway knows of.</p>
  const members = Object.values(g.members ?? {})
  const partitions = Object.values(g.partitions ?? {}).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  const clientOf = new Map(members.map(m => [m.memberId, m.clientId]))
  return (
    <div>
      <h2 data-testid="group-name">{id} <StatusBadge status={g.status} /></h2>
      <p class="muted">
        <span data-testid="group-state">{g.state ?? 'unknown'}</span>, generation {g.generation ?? '–'}, {g.protocolType ?? ''}{g.protocol !== undefined ? ` / ${g.protocol}` : ''}, total lag <b data-testid="group-lag">{g.lag ?? 0}</b>
      </p>
      {g.lagHistory !== undefined ? <LagChart history={g.lagHistory} /> : null}
      <h2>Members</h2>
      {members.length === 0
        ? <p class="muted" data-testid="no-members">No active members.</p>
        : (
          <table data-testid="members">
            <thead><tr><th>Client id</th><th>Host</th><th>Member id</th><th>Assigned partitions</th></tr></thead>
            <tbody>{members.map(m => <tr key={m.memberId}><td class="wrap">{m.clientId}</td><td>{m.clientHost}</td><td class="mono small wrap">{m.memberId}</td><td class="mono wrap">{m.assignment.join(', ')}</td></tr>)}</tbody>
          </table>
          )}
      <h2>Offsets</h2>
      <p class="muted small">Status by Burrow's rules over each partition's last ten commits (docs/dashboard.md). Lag in time: now minus the timestamp of the record at the committed offset.</p>
      <table data-testid="group-partitions">
        <thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Committed</th><th class="num">Log end</th><th class="num">Lag</th><th class="num">Lag in time</th><th>Status</th><th>Last commit</th><th>Owner</th></tr></thead>
        <tbody>
          {partitions.map(p => (
            <tr key={`${p.topic}-${p.partition}`} data-testid={`gp-${p.topic}-${p.partition}`} class={p.status === 'OK' ? '' : p.status === 'WARN' ? 'warn-row' : 'bad-row'}>
              <td><a href={`#/topics/${encodeURIComponent(p.topic)}`}>{p.topic}</a></td>
              <td class="num">{p.partition}</td>
              <td class="num">{p.committedOffset}</td>
              <td class="num">{p.logEndOffset ?? '–'}</td>
              <td class="num">{p.lag ?? '–'}</td>
              <td class="num">{duration(p.lagMs)}</td>
              <td><StatusBadge status={p.status} /></td>
              <td>{time(p.lastCommitMs)}</td>
              <td class="wrap">{p.owner !== undefined ? clientOf.get(p.owner) ?? p.owner : <span class="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ResetOffsets group={id} active={g.state !== 'Empty' && g.state !== 'Dead'} readOnly={cluster.readOnly} />
    </div>
  )
}

function LagChart ({ history }: { history: NonNullable<GroupDoc['lagHistory']> }) {
  const el = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  // the newest minute at least, older points from where the group's history begins
  const found = history.values.findIndex(v => v !== null)
  const first = found < 0 ? history.values.length : Math.min(found, Math.max(0, history.values.length - 60))
  const values = history.values.slice(first)
  const xs = values.map((_, i) => (history.startMs + (first + i) * history.stepMs) / 1000)
  useEffect(() => {
    if (el.current === null) return
    plot.current = new uPlot({
      width: 720,
      height: 180,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      series: [{}, { label: 'lag (records)', stroke: '#b7791f', fill: 'rgba(183,121,31,0.12)', width: 1.5, spanGaps: false }],
    }, [xs, values], el.current)
    return () => plot.current?.destroy()
  }, [])
  useEffect(() => { plot.current?.setData([xs, values]) }, [history.startMs, values.length, values.at(-1)])
  return <div class="chart" data-testid="lag-chart" data-points={values.filter(v => v !== null).length} data-last={values.filter(v => v !== null).at(-1)} ref={el} />
}

interface PlanRow { topic: string, partition: number, currentOffset: number, newOffset: number }

function ResetOffsets ({ group, active, readOnly }: { group: string, active: boolean, readOnly: boolean }) {
  const [spec, setSpec] = useState('to-earliest')
  const [value, setValue] = useState('')
  const [topics, setTopics] = useState('')
  const [plan, setPlan] = useState<{ rows: PlanRow[], executed: boolean }>()
  const [error, setError] = useState<string>()
  const run = (execute: boolean): void => {
    setError(undefined)
    const body: Record<string, unknown> = { spec, execute, topics: topics.trim() === '' ? 'all' : topics.trim().split(/\s+/) }
    if (spec === 'to-offset' || spec === 'shift-by') body['offset'] = Number(value)
    if (spec === 'to-datetime') body['timestampMs'] = new Date(value).getTime()
    api<{ plan: PlanRow[] }>(`groups/${encodeURIComponent(group)}/reset-offsets`, { method: 'POST', body })
      .then(r => setPlan({ rows: r.plan, executed: execute }), (err: Error) => setError(`${err.name}: ${err.message}`))
  }
  return (
    <div class="reset" data-testid="reset-offsets">
      <h2>Reset offsets</h2>
      {active ? <p class="muted" data-testid="reset-refused">The group has active members: as kafka-consumer-groups, offsets can only be reset while it is inactive (Empty).</p> : null}
      <form class="create" onSubmit={e => { e.preventDefault(); run(false) }}>
        <select value={spec} data-testid="reset-spec" onChange={e => setSpec((e.target as HTMLSelectElement).value)}>
          <option value="to-earliest">to earliest</option>
          <option value="to-latest">to latest</option>
          <option value="to-offset">to offset</option>
          <option value="to-datetime">to date/time</option>
          <option value="shift-by">shift by</option>
        </select>
        {spec === 'to-offset' || spec === 'shift-by' ? <input type="number" value={value} data-testid="reset-value" onInput={e => setValue((e.target as HTMLInputElement).value)} /> : null}
        {spec === 'to-datetime' ? <input type="datetime-local" step="1" value={value} data-testid="reset-value" onInput={e => setValue((e.target as HTMLInputElement).value)} /> : null}
        <input placeholder="topics, space-separated (t or t:0,1); empty: all" value={topics} onInput={e => setTopics((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={active} data-testid="reset-dry-run">Dry run</button>
        {readOnly ? <span class="muted">read-only gateway: dry run only</span> : <button type="button" class="danger" disabled={active || plan === undefined || plan.executed} data-testid="reset-execute" onClick={() => run(true)}>Execute</button>}
      </form>
      {error !== undefined ? <p class="error" data-testid="reset-error">{error}</p> : null}
      {plan !== undefined
        ? (
          <table data-testid="reset-plan">
            <thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Current offset</th><th class="num">New offset</th></tr></thead>
            <tbody>{plan.rows.map(r => <tr key={`${r.topic}-${r.partition}`}><td>{r.topic}</td><td class="num">{r.partition}</td><td class="num">{r.currentOffset}</td><td class="num">{r.newOffset}</td></tr>)}</tbody>
            <caption class="muted small" data-testid="reset-caption">{plan.executed ? 'Executed: the group\'s offsets are now these.' : 'Dry run: nothing changed yet.'}</caption>
          </table>
          )
        : null}
    </div>
  )
}
