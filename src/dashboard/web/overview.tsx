/** The cluster at a glance: identity, controller, brokers, ZooKeeper, partition health, throughput. */
import { ThroughputCharts } from './throughput-charts.js'
import type { ClusterDoc } from './types.js'
import { BrokerState, Endpoint } from './brokers.js'

export function Overview ({ cluster }: { cluster: ClusterDoc }) {
  const brokers = Object.values(cluster.brokers)
  const live = brokers.filter(b => b.live).length
  const { partitions } = cluster
  return (
    <div>
      <section class="cards">
        <Card title="Cluster id" value={cluster.clusterId ?? 'unknown'} testId="cluster-id" />
        <Card title="Controller" value={cluster.controller.id >= 0 ? `broker ${cluster.controller.id}` : 'none'} sub={cluster.controller.epoch !== undefined ? `epoch ${cluster.controller.epoch}` : undefined} testId="controller" />
        <Card title="Brokers" value={`${live} live`} sub={brokers.length > live ? `${brokers.length - live} dead` : 'none dead'} bad={brokers.length > live} testId="broker-count" />
        <Card title="Topics" value={String(cluster.topics.count - cluster.topics.internal)} sub={`${partitions.total} partitions`} testId="topic-count" />
        <Card title="Under-replicated" value={String(partitions.underReplicated)} sub="partitions" bad={partitions.underReplicated > 0} testId="under-replicated" />
        <Card title="Offline" value={String(partitions.offline)} sub="partitions" bad={partitions.offline > 0} testId="offline" />
      </section>
      <ThroughputCharts prefix="" rates={cluster.rates} ratesAtMs={cluster.ratesAtMs} metrics={Object.values(cluster.brokers).some(b => b.metrics !== undefined)} />
      <h2>Brokers</h2>
      <table data-testid="overview-brokers">
        <thead><tr><th>Id</th><th>State</th><th>Endpoint</th><th>Rack</th><th class="num">Leaders</th><th class="num">Replicas</th></tr></thead>
        <tbody>
          {brokers.map(b => (
            <tr key={b.id} data-testid={`broker-${b.id}`} data-live={String(b.live)} class={b.live ? '' : 'bad-row'}>
              <td>{b.id}{b.id === cluster.controller.id ? <span class="tag">controller</span> : null}</td>
              <td><BrokerState live={b.live} /></td>
              <td><Endpoint broker={b} /></td>
              <td>{b.rack ?? '–'}</td>
              <td class="num">{b.leaders}</td>
              <td class="num">{b.replicas}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cluster.zookeeper !== undefined
        ? (
          <>
            <h2>ZooKeeper</h2>
            <table data-testid="zookeeper">
              <thead><tr><th>Server</th><th>Mode</th><th>Version</th><th class="num">Znodes</th><th class="num">Avg latency</th></tr></thead>
              <tbody>
                {Object.entries(cluster.zookeeper.servers).map(([server, s]) => (
                  <tr key={server} data-testid={`zookeeper-${server}`}>
                    <td>{server}</td>
                    <td><span class={`badge ${s.mode === 'leader' || s.mode === 'standalone' || s.mode === 'follower' ? 'ok' : 'bad'}`}>{s.mode}</span>{s.error !== undefined ? <span class="muted"> {s.error}</span> : null}</td>
                    <td>{s.version ?? '–'}</td>
                    <td class="num">{s.nodeCount ?? '–'}</td>
                    <td class="num">{s.latencyAvgMs !== undefined ? `${s.latencyAvgMs} ms` : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
          )
        : null}
    </div>
  )
}

function Card ({ title, value, sub, bad, testId }: { title: string, value: string, sub?: string | undefined, bad?: boolean, testId: string }) {
  return (
    <div class={`card${bad === true ? ' bad' : ''}`} data-testid={testId}>
      <div class="card-title">{title}</div>
      <div class="card-value">{value}</div>
      {sub !== undefined ? <div class="card-sub">{sub}</div> : null}
    </div>
  )
}

