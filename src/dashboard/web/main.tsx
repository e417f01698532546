/**
 * The dashboard's page: a hash router over the views, the cluster watch they share, and the
 * banner that says when what is shown is stale (the socket is down and reconnecting).
 */
import 'uplot/dist/uPlot.min.css'
import './style.css'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { Brokers } from './brokers.js'
import { time } from './format.js'
import { useConnection, useWatch, type ConnectionState } from './live.js'
import { Group, Groups } from './groups.js'
import { Messages } from './messages.js'
import { Overview } from './overview.js'
import { Acls, Users } from './security.js'
import { Timeline } from './timeline.js'
import { ZooKeeper } from './zookeeper.js'
import { Topic } from './topic.js'
import { Topics } from './topics.js'
import type { ClusterDoc } from './types.js'

function useRoute (): string[] {
  const parse = (): string[] => location.hash.replace(/^#\/?/, '').split('/').filter(p => p !== '').map(decodeURIComponent)
  const [route, setRoute] = useState(parse)
  useEffect(() => {
    const onHash = (): void => setRoute(parse())
    addEventListener('hashchange', onHash)
    // the hash may have changed between the first render and this effect (a link followed at once)
    onHash()
    return () => removeEventListener('hashchange', onHash)
  }, [])
  return route
}

function App () {
  const route = useRoute()
  const connection = useConnection()
  const { doc, error } = useWatch({ on: 'cluster' })
  const cluster = doc as ClusterDoc | undefined
  const [view, arg, sub] = route
  const stale = connection.status !== 'open'
  return (
    <div class={stale ? 'stale' : ''}>
      <header>
        <h1>Kafka</h1>
        <nav>
          <a href="#/" class={view === undefined ? 'active' : ''}>Overview</a>
          <a href="#/brokers" class={view === 'brokers' ? 'active' : ''}>Brokers</a>
          <a href="#/topics" class={view === 'topics' ? 'active' : ''}>Topics</a>
          <a href="#/groups" class={view === 'groups' ? 'active' : ''}>Consumer groups</a>
          <a href="#/timeline" class={view === 'timeline' ? 'active' : ''}>Timeline</a>
          <a href="#/acls" class={view === 'acls' ? 'active' : ''}>ACLs</a>
          <a href="#/users" class={view === 'users' ? 'active' : ''}>Users</a>
          {cluster?.zookeeper !== undefined ? <a href="#/zookeeper" class={view === 'zookeeper' ? 'active' : ''}>ZooKeeper</a> : null}
        </nav>
        <span class={`conn ${connection.status}`} data-testid="connection">{connection.status === 'open' ? 'live' : connection.status}</span>
      </header>
      <Banner connection={connection} />
      {cluster?.metadataError !== undefined ? <div class="banner warn" data-testid="metadata-error">The gateway cannot read the cluster's metadata: {cluster.metadataError}</div> : null}
      {error !== undefined ? <div class="banner warn">{error}</div> : null}
      <main>
        {cluster === undefined
          ? <p class="muted">Connecting to the gateway…</p>
          : view === 'brokers'
            ? <Brokers cluster={cluster} selected={arg} />
            : view === 'topics' && arg !== undefined && sub === 'messages'
              ? <><TopicTabs name={arg} messages /><Messages topic={arg} readOnly={cluster.readOnly} /></>
              : view === 'topics' && arg !== undefined
                ? <><TopicTabs name={arg} messages={false} /><Topic name={arg} readOnly={cluster.readOnly} /></>
                : view === 'topics'
                  ? <Topics cluster={cluster} />
                  : view === 'groups' && arg !== undefined
                    ? <Group id={arg} cluster={cluster} />
                    : view === 'groups'
                      ? <Groups />
                      : view === 'timeline'
                        ? <Timeline />
                        : view === 'zookeeper'
                          ? <ZooKeeper path={`/${route.slice(1).join('/')}`} />
                          : view === 'acls'
                            ? <Acls />
                            : view === 'users'
                              ? <Users />
                              : <Overview cluster={cluster} />}
      </main>
    </div>
  )
}

function TopicTabs ({ name, messages }: { name: string, messages: boolean }) {
  const base = `#/topics/${encodeURIComponent(name)}`
  return (
    <div class="tabs">
      <b data-testid="tabs-topic">{name}</b>
      <a href={base} class={messages ? '' : 'active'}>Partitions</a>
      <a href={`${base}/messages`} class={messages ? 'active' : ''} data-testid="messages-tab">Messages</a>
    </div>
  )
}

function Banner ({ connection }: { connection: ConnectionState }) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    // the countdown only: no data is fetched by this timer
    if (connection.status === 'open') return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [connection.status])
  if (connection.status === 'open' || connection.lostAtMs === undefined) return null
  const retry = connection.retryAtMs !== undefined ? Math.max(0, Math.ceil((connection.retryAtMs - now) / 1000)) : 0
  return (
    <div class="banner bad" data-testid="stale-banner" role="status">
      Live updates lost at {time(connection.lostAtMs)}: what is shown may be stale. {connection.status === 'connecting' ? 'Reconnecting…' : `Reconnecting in ${retry} s.`}
    </div>
  )
}

render(<App />, document.getElementById('app')!)
