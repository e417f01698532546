/** Per broker: leadership, replicas, throughput from its /metrics, and its configs (DescribeConfigs). */
import { useEffect, useState } from 'preact/hooks'
import { api, type ConfigEntry } from './api.js'
import { ConfigTable } from './configs.js'
import { byteRate, bytes, rate } from './format.js'
import type { BrokerDoc, ClusterDoc } from './types.js'

export function BrokerState ({ live }: { live: boolean }) {
  return <span class={`badge ${live ? 'ok' : 'bad'}`}>{live ? 'live' : 'dead'}</span>
}

export function Endpoint ({ broker }: { broker: BrokerDoc }) {
  return <>{broker.host !== undefined ? `${broker.host}:${broker.port ?? ''}` : <span class="muted">unknown</span>}</>
}

export function Brokers ({ cluster, selected }: { cluster: ClusterDoc, selected?: string | undefined }) {
  const brokers = Object.values(cluster.brokers)
  return (
    <div>
      <table data-testid="brokers">
        <thead><tr><th>Id</th><th>State</th><th>Endpoint</th><th>Rack</th><th class="num">Leaders</th><th class="num">Replicas</th><th class="num">Under-replicated (led)</th><th class="num" title="ReplicaFetcherManager MaxLag: the most records a partition this broker follows is behind its leader">Max lag</th><th class="num" title="socket-server-metrics connection-count, over its listeners">Connections</th><th class="num">Messages in</th><th class="num">Bytes in</th><th class="num">Bytes out</th><th>Log dirs (size, usable of total)</th><th>Metrics</th></tr></thead>
        <tbody>
          {brokers.map(b => (
            <tr key={b.id} data-testid={`broker-${b.id}`} data-live={String(b.live)} class={`${b.live ? '' : 'bad-row'}${String(b.id) === selected ? ' selected' : ''}`}>
              <td><a href={`#/brokers/${b.id}`}>{b.id}</a>{b.id === cluster.controller.id ? <span class="tag">controller</span> : null}</td>
              <td><BrokerState live={b.live} /></td>
              <td><Endpoint broker={b} /></td>
              <td>{b.rack ?? '–'}</td>
              <td class="num">{b.leaders}</td>
              <td class="num">{b.replicas}</td>
              <td class="num">{b.underReplicated}</td>
              <td class="num" data-testid={`maxlag-${b.id}`}>{b.metrics?.maxLag ?? '–'}</td>
              <td class="num" data-testid={`connections-${b.id}`}>{b.metrics?.connections ?? '–'}</td>
              <td class="num">{rate(b.metrics?.rates?.messagesIn)}</td>
              <td class="num">{byteRate(b.metrics?.rates?.bytesIn)}</td>
              <td class="num">{byteRate(b.metrics?.rates?.bytesOut)}</td>
              <td data-testid={`logdirs-${b.id}`}>{Object.values(b.logDirs ?? {}).map(d => (
                <div key={d.logDir} class="logdir" data-size={d.size}>
                  <span class="mono">{d.logDir}</span> {d.error !== undefined ? <span class="badge bad">{d.error}</span> : null} <b>{bytes(d.size)}</b> <span class="muted">({d.replicas} replicas; {bytes(d.usableBytes)} of {bytes(d.totalBytes)} free)</span>
                </div>
              ))}</td>
              <td>{b.metrics === undefined ? <span class="muted">not configured</span> : b.metrics.error !== undefined ? <span class="badge bad" title={b.metrics.url}>{b.metrics.error}</span> : <span class="badge ok" title={b.metrics.url}>scraped</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected !== undefined && cluster.brokers[selected] !== undefined ? <RequestLatency broker={cluster.brokers[selected]!} /> : null}
      {selected !== undefined ? <BrokerConfigs id={selected} live={cluster.brokers[selected]?.live === true} /> : <p class="muted">Pick a broker to see its configs.</p>}
    </div>
  )
}

/** TotalTimeMs per API from the broker's /metrics: where its requests spend their time. */
function RequestLatency ({ broker }: { broker: BrokerDoc }) {
  const latency = Object.entries(broker.metrics?.latency ?? {}).sort((a, b) => b[1].p99 - a[1].p99)
  if (latency.length === 0) return <p class="muted">No request latency: {broker.metrics === undefined ? 'gateway.broker.metrics.urls does not name this broker' : 'none scraped yet'}.</p>
  return (
    <div>
      <h2>Broker {broker.id} request latency <span class="muted small">TotalTimeMs over the last 30 to 60 s, slowest p99 first</span></h2>
      <table class="narrow" data-testid="broker-latency">
        <thead><tr><th>API</th><th class="num">p50 (ms)</th><th class="num">p99 (ms)</th></tr></thead>
        <tbody>{latency.map(([api, l]) => <tr key={api} data-testid={`latency-${api}`}><td>{api}</td><td class="num">{l.p50.toFixed(1)}</td><td class="num">{l.p99.toFixed(1)}</td></tr>)}</tbody>
      </table>
    </div>
  )
}

function BrokerConfigs ({ id, live }: { id: string, live: boolean }) {
  const [configs, setConfigs] = useState<ConfigEntry[]>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    setConfigs(undefined)
    setError(undefined)
    if (!live) return
    api<{ configs?: ConfigEntry[] }>(`brokers/${encodeURIComponent(id)}`)
      .then(b => setConfigs(b.configs ?? []), (err: Error) => setError(err.message))
  }, [id, live])
  if (!live) return <p class="muted">Broker {id} is dead: its configs cannot be asked for.</p>
  if (error !== undefined) return <p class="error">{error}</p>
  if (configs === undefined) return <p class="muted">Loading broker {id}'s configs…</p>
  return <ConfigTable title={`Broker ${id} configs`} configs={configs} testId="broker-configs" />
}
