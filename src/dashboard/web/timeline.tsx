/** What the cluster did, newest first, filtered by kind and text; each entry links to what it is about. */
import { useState } from 'preact/hooks'
import { seconds, time } from './format.js'
import { useWatch } from './live.js'
import type { TimelineDoc, TimelineEvent } from './types.js'

const KINDS: Record<string, string> = {
  controller: 'controller election',
  'broker-joined': 'broker joined',
  'broker-left': 'broker left',
  'leader-change': 'leader change',
  'isr-shrink': 'ISR shrink',
  'isr-expand': 'ISR expand',
  'topic-created': 'topic created',
  'topic-deleted': 'topic deleted',
  rebalance: 'group rebalance',
}

const topicLink = (t: unknown): string => `#/topics/${encodeURIComponent(String(t))}`

function describe (e: TimelineEvent) {
  const d = e.detail
  const tp = <a href={topicLink(d['topic'])}>{String(d['topic'])}-{String(d['partition'])}</a>
  switch (e.kind) {
    case 'controller': return <>controller moved from <a href={`#/brokers/${String(d['from'])}`}>broker {String(d['from'])}</a> to <a href={`#/brokers/${String(d['to'])}`}>broker {String(d['to'])}</a></>
    case 'broker-joined': return <><a href={`#/brokers/${String(d['broker'])}`}>broker {String(d['broker'])}</a> registered</>
    case 'broker-left': return <><a href={`#/brokers/${String(d['broker'])}`}>broker {String(d['broker'])}</a> left (its ZooKeeper registration went away)</>
    case 'leader-change': return <>{tp}: leader {String(d['from'])} → {String(d['to'])} (epoch {String(d['leaderEpoch'])})</>
    case 'isr-shrink': return <>{tp}: {JSON.stringify(d['removed'])} left the ISR, now {JSON.stringify(d['isr'])}</>
    case 'isr-expand': return <>{tp}: {JSON.stringify(d['added'])} joined the ISR, now {JSON.stringify(d['isr'])}</>
    case 'topic-created': return <><a href={topicLink(d['topic'])}>{String(d['topic'])}</a> created with {String(d['partitions'])} partitions</>
    case 'topic-deleted': return <>{String(d['topic'])} deleted</>
    case 'rebalance': {
      const joined = d['joined'] as string[]
      const left = d['left'] as string[]
      const protocol = typeof d['protocol'] === 'string' ? `, protocol ${d['protocol']}` : ''
      // known once the group's coordinator reported it in its metrics (docs/dashboard.md)
      const took = typeof d['durationMs'] === 'number'
        ? <>, <span data-testid="rebalance-duration" data-ms={d['durationMs']}>{seconds(d['durationMs'])}</span>{typeof d['reason'] === 'string' ? ` (${d['reason']})` : ''}</>
        : ''
      return <><a href={`#/groups/${encodeURIComponent(String(d['group']))}`}>{String(d['group'])}</a>: generation {String(d['generation'])}, {String(d['members'])} {d['members'] === 1 ? 'member' : 'members'}{protocol}{took}{joined.length > 0 ? `; joined: ${joined.join(', ')}` : ''}{left.length > 0 ? `; left: ${left.join(', ')}` : ''}</>
    }
    default: return <>{JSON.stringify(d)}</>
  }
}

export function Timeline () {
  const { doc } = useWatch({ on: 'timeline' })
  const [kind, setKind] = useState('')
  const [text, setText] = useState('')
  const events = Object.values((doc as TimelineDoc | undefined)?.events ?? {})
    .filter(e => (kind === '' || e.kind === kind) && (text === '' || JSON.stringify(e.detail).toLowerCase().includes(text.toLowerCase())))
    .sort((a, b) => b.seq - a.seq)
  return (
    <div>
      <div class="toolbar">
        <select value={kind} data-testid="timeline-kind" onChange={e => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">every kind</option>
          {Object.entries(KINDS).map(([k, label]) => <option key={k} value={k}>{label}</option>)}
        </select>
        <input type="search" placeholder="Filter (topic, group, broker…)" value={text} data-testid="timeline-filter" onInput={e => setText((e.target as HTMLInputElement).value)} />
        <span class="muted">{events.length} events (kept in the gateway's memory since it started)</span>
      </div>
      <table data-testid="timeline" class="timeline">
        <thead><tr><th>Time</th><th>What</th><th /></tr></thead>
        <tbody>
          {events.map(e => (
            <tr key={e.seq} data-kind={e.kind} class={e.kind === 'broker-left' || e.kind === 'isr-shrink' ? 'warn-row' : ''}>
              <td>{time(e.atMs)}</td>
              <td><span class={`tag kind-${e.kind}`}>{KINDS[e.kind] ?? e.kind}</span></td>
              <td class="detail">{describe(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
