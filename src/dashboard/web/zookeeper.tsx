/** A read-only browser of the cluster's znodes: data, stat, children; who holds the ephemeral ones. */
import { useEffect, useState } from 'preact/hooks'
import { api } from './api.js'

interface Znode {
  path: string
  data?: string
  dataBase64?: string
  children: string[]
  stat: { czxid: string, mzxid: string, pzxid: string, ctime: number, mtime: number, version: number, cversion: number, aversion: number, ephemeralOwner: string, dataLength: number, numChildren: number }
}

const child = (path: string, name: string): string => path === '/' ? `/${name}` : `${path}/${name}`

export function ZooKeeper ({ path }: { path: string }) {
  const [node, setNode] = useState<Znode>()
  const [owners, setOwners] = useState<Array<{ path: string, owner: string }>>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    setError(undefined)
    api<Znode>(`zookeeper?path=${encodeURIComponent(path)}`).then(setNode, (err: Error) => setError(`${err.name}: ${err.message}`))
  }, [path])
  useEffect(() => {
    // the ephemeral znodes that say who is who: the controller and each registered broker
    const read = async (): Promise<void> => {
      const ids = await api<Znode>('zookeeper?path=%2Fbrokers%2Fids')
      const paths = ['/controller', ...ids.children.map(id => `/brokers/ids/${id}`)]
      const nodes = await Promise.all(paths.map(async p => await api<Znode>(`zookeeper?path=${encodeURIComponent(p)}`).catch(() => undefined)))
      setOwners(nodes.flatMap(n => n === undefined ? [] : [{ path: n.path, owner: n.stat.ephemeralOwner }]))
    }
    read().catch((err: Error) => setError(`${err.name}: ${err.message}`))
  }, [])
  const parts = path.split('/').filter(p => p !== '')
  return (
    <div>
      {owners !== undefined
        ? (
          <table data-testid="ephemeral-owners" class="narrow">
            <thead><tr><th>Ephemeral znode</th><th>Owner session</th><th>Session of</th></tr></thead>
            <tbody>{owners.map(o => <tr key={o.path}><td><a href={`#/zookeeper${o.path}`}>{o.path}</a></td><td class="mono">{o.owner}</td><td>{brokerOf(owners, o.owner)}</td></tr>)}</tbody>
          </table>
          )
        : null}
      <h2 class="crumbs" data-testid="znode-path">
        <a href="#/zookeeper">/</a>
        {parts.map((p, i) => <span key={i}><a href={`#/zookeeper/${parts.slice(0, i + 1).map(encodeURIComponent).join('/')}`}>{p}</a>{i < parts.length - 1 ? '/' : ''}</span>)}
      </h2>
      {error !== undefined ? <p class="error" data-testid="znode-error">{error}</p> : null}
      {node !== undefined && node.path === path
        ? (
          <div class="znode">
            <div>
              <h2>Children ({node.children.length})</h2>
              <ul data-testid="znode-children">{node.children.map(c => <li key={c}><a href={`#/zookeeper${child(path, c).split('/').map(encodeURIComponent).join('/')}`}>{c}</a></li>)}</ul>
            </div>
            <div>
              <h2>Data</h2>
              <pre class="mono" data-testid="znode-data">{node.data !== undefined ? prettyJson(node.data) : `(binary, base64) ${node.dataBase64 ?? ''}`}</pre>
              <h2>Stat</h2>
              <table data-testid="znode-stat" class="narrow"><tbody>
                {Object.entries(node.stat).map(([k, v]) => <tr key={k}><td>{k}</td><td class="mono">{k === 'ctime' || k === 'mtime' ? `${new Date(v as number).toISOString()} (${v})` : String(v)}</td></tr>)}
              </tbody></table>
            </div>
          </div>
          )
        : null}
    </div>
  )
}

/** A session holding a /brokers/ids/N is broker N's: the controller's session names the broker that is controller. */
function brokerOf (owners: Array<{ path: string, owner: string }>, session: string): string {
  const registration = owners.find(o => o.owner === session && o.path.startsWith('/brokers/ids/'))
  return registration === undefined ? 'no registered broker' : `broker ${registration.path.slice('/brokers/ids/'.length)}`
}

function prettyJson (text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
