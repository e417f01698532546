/**
 * The cluster's ACLs and SCRAM users (docs/dashboard.md): listed with Describe on the cluster,
 * added and removed with Alter on it, never by a read-only gateway. The page asks /api/v1/whoami
 * what its principal may do and offers only that; the gateway checks again on every request.
 * Lists are read when the view opens and after each change (the Admin API has no change feed).
 */
import { useEffect, useState } from 'preact/hooks'
import { api } from './api.js'

interface WhoAmI { principal: string, authorization: boolean, readOnly: boolean, describeCluster: boolean, alterCluster: boolean }
interface Acl { resourceType: string, name: string, patternType: string, principal: string, host: string, operation: string, permissionType: string }
interface User { user: string, credentials: Array<{ mechanism: string, iterations: number }> }

const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID']
const OPERATIONS = ['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE']
const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512']

function useWhoAmI (): { who?: WhoAmI, error?: string } {
  const [who, setWho] = useState<WhoAmI>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    // A failed ask (the gateway restarting, its ZooKeeper session re-forming) is shown and asked again, backing off to 10 s.
    let timer: ReturnType<typeof setTimeout> | undefined
    const ask = (delayMs: number): void => {
      api<WhoAmI>('whoami').then(w => { setError(undefined); setWho(w) }, (err: Error) => {
        setError(`${err.name}: ${err.message}`)
        timer = setTimeout(() => ask(Math.min(delayMs * 2, 10_000)), delayMs)
      })
    }
    ask(500)
    return () => clearTimeout(timer)
  }, [])
  return { who, error }
}

/** Why the page cannot change anything, or undefined when it can. */
function changeRefusal (who: WhoAmI): string | undefined {
  if (who.readOnly) return 'Read-only gateway (gateway.read.only): nothing can be changed here.'
  if (!who.alterCluster) return `${who.principal} may not Alter the cluster, so it cannot change ACLs or users.`
  return undefined
}

function Identity ({ who }: { who: WhoAmI }) {
  return <p class="muted" data-testid="principal">Acting as <b>{who.principal}</b>{who.authorization ? '' : ' (this gateway maps no tokens to principals: nothing is checked against ACLs here)'}.</p>
}

const errorText = (err: Error): string => `${err.name}: ${err.message}`

interface Outcome { ok: boolean, text: string }

/**
 * What both views share: the principal's rights, the list (`acls` or `users`, read when the view
 * opens and after each change), and the outcome of the last change; `gate` is what the view shows
 * instead while the rights are unknown or do not allow listing.
 */
function useSecurityList<T> (path: 'acls' | 'users', noun: string) {
  const { who, error: whoError } = useWhoAmI()
  const [list, setList] = useState<T[]>()
  const [error, setError] = useState<string>()
  const [reads, setReads] = useState(0)
  const [message, setMessage] = useState<Outcome>()
  useEffect(() => {
    if (who?.describeCluster !== true) return
    setError(undefined)
    api<Record<string, T[]>>(path).then(r => setList(r[path]), (err: Error) => setError(errorText(err)))
  }, [who, reads])
  const reread = (): void => setReads(n => n + 1)
  const changed = (outcome: Outcome): void => {
    setMessage(outcome)
    if (outcome.ok) reread()
  }
  const gate = whoError !== undefined
    ? <p class="error">{whoError}</p>
    : who === undefined
      ? <p class="muted">Loading…</p>
      : !who.describeCluster
          ? <div><Identity who={who} /><p class="error" data-testid={`${path}-refused`}>{who.principal} may not Describe the cluster, so it cannot list {noun}.</p></div>
          : undefined
  return { who, gate, list, error, message, changed, reread }
}

export function Acls () {
  const { who, gate, list: acls, error, message, changed, reread } = useSecurityList<Acl>('acls', 'ACLs')
  const [principal, setPrincipal] = useState('')
  const [resource, setResource] = useState('')
  if (gate !== undefined || who === undefined) return gate
  const refusal = changeRefusal(who)
  const shown = (acls ?? []).filter(a => (principal === '' || a.principal.toLowerCase().includes(principal.toLowerCase())) &&
    (resource === '' || `${a.resourceType}:${a.name}`.toLowerCase().includes(resource.toLowerCase())))
  const remove = (a: Acl): void => {
    api<{ deleted: Acl[] }>('acls', { method: 'DELETE', body: a })
      .then(r => changed({ ok: true, text: `Removed ${r.deleted.length} ACL${r.deleted.length === 1 ? '' : 's'}` }), (err: Error) => changed({ ok: false, text: errorText(err) }))
  }
  return (
    <div>
      <Identity who={who} />
      <div class="toolbar">
        <input type="search" placeholder="Filter by principal (User:alice)" value={principal} data-testid="acl-filter-principal" onInput={e => setPrincipal((e.target as HTMLInputElement).value)} />
        <input type="search" placeholder="Filter by resource (TOPIC:orders)" value={resource} data-testid="acl-filter-resource" onInput={e => setResource((e.target as HTMLInputElement).value)} />
        <span class="muted" data-testid="acl-count">{acls === undefined ? '' : `${shown.length} of ${acls.length} ACLs`}</span>
        <button onClick={reread} data-testid="acl-refresh">Refresh</button>
      </div>
      {refusal === undefined ? <AddAcl changed={changed} /> : <p class="muted" data-testid="acl-read-only">{refusal}</p>}
      {message !== undefined ? <p class={message.ok ? 'ok-text' : 'error'} data-testid="acl-result">{message.text}</p> : null}
      {error !== undefined ? <p class="error" data-testid="acl-error">{error}</p> : null}
      {acls === undefined
        ? <p class="muted">Loading…</p>
        : (
          <table data-testid="acls">
            <thead><tr><th>Resource type</th><th>Name</th><th>Pattern</th><th>Principal</th><th>Host</th><th>Operation</th><th>Permission</th><th /></tr></thead>
            <tbody>
              {shown.map(a => {
                const id = [a.resourceType, a.name, a.patternType, a.principal, a.host, a.operation, a.permissionType].join('|')
                return (
                  <tr key={id} data-testid={`acl-${a.principal}-${a.operation}-${a.resourceType}-${a.name}`} class={a.permissionType === 'DENY' ? 'warn-row' : ''}>
                    <td>{a.resourceType}</td><td class="mono">{a.name}</td><td>{a.patternType}</td><td class="mono">{a.principal}</td><td>{a.host}</td><td>{a.operation}</td>
                    <td><span class={`badge ${a.permissionType === 'ALLOW' ? 'ok' : 'bad'}`}>{a.permissionType}</span></td>
                    <td>{refusal === undefined ? <button class="danger small" onClick={() => remove(a)}>Remove</button> : null}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          )}
    </div>
  )
}

function AddAcl ({ changed }: { changed: (outcome: Outcome) => void }) {
  const [acl, setAcl] = useState<Acl>({ resourceType: 'TOPIC', name: '', patternType: 'LITERAL', principal: 'User:', host: '*', operation: 'READ', permissionType: 'ALLOW' })
  const [busy, setBusy] = useState(false)
  const field = (key: keyof Acl) => (e: Event): void => setAcl({ ...acl, [key]: (e.target as HTMLInputElement).value })
  const submit = (e: Event): void => {
    e.preventDefault()
    setBusy(true)
    const body = acl.resourceType === 'CLUSTER' ? { ...acl, name: 'kafka-cluster' } : acl
    api('acls', { method: 'POST', body })
      .then(() => changed({ ok: true, text: `Added ${body.permissionType} ${body.operation} on ${body.resourceType}:${body.name} for ${body.principal}` }), (err: Error) => changed({ ok: false, text: errorText(err) }))
      .finally(() => setBusy(false))
  }
  return (
    <form class="create" onSubmit={submit} data-testid="add-acl">
      <select value={acl.permissionType} data-testid="acl-permission" onChange={field('permissionType')}><option>ALLOW</option><option>DENY</option></select>
      <input required placeholder="User:alice" value={acl.principal} data-testid="acl-principal" onInput={field('principal')} />
      <select value={acl.operation} data-testid="acl-operation" onChange={field('operation')}>{OPERATIONS.map(o => <option key={o}>{o}</option>)}</select>
      <select value={acl.resourceType} data-testid="acl-resource-type" onChange={field('resourceType')}>{RESOURCE_TYPES.map(t => <option key={t}>{t}</option>)}</select>
      {acl.resourceType === 'CLUSTER' ? null : <input required placeholder="name, or * for all" value={acl.name} data-testid="acl-name" onInput={field('name')} />}
      <select value={acl.patternType} data-testid="acl-pattern" onChange={field('patternType')}><option>LITERAL</option><option>PREFIXED</option></select>
      <input placeholder="host" value={acl.host} data-testid="acl-host" onInput={field('host')} />
      <button type="submit" disabled={busy} data-testid="acl-add">Add ACL</button>
    </form>
  )
}

export function Users () {
  const { who, gate, list: users, error, message, changed } = useSecurityList<User>('users', 'users')
  if (gate !== undefined || who === undefined) return gate
  const refusal = changeRefusal(who)
  const remove = (user: string): void => {
    api(`users/${encodeURIComponent(user)}`, { method: 'DELETE' })
      .then(() => changed({ ok: true, text: `Deleted ${user}` }), (err: Error) => changed({ ok: false, text: errorText(err) }))
  }
  return (
    <div>
      <Identity who={who} />
      <p class="muted">SCRAM credentials kept in ZooKeeper (/config/users), as kafka-configs --entity-type users shows them: the mechanisms and iterations, never a password.</p>
      {refusal === undefined ? <AddUser changed={changed} /> : <p class="muted" data-testid="users-read-only">{refusal}</p>}
      {message !== undefined ? <p class={message.ok ? 'ok-text' : 'error'} data-testid="user-result">{message.text}</p> : null}
      {error !== undefined ? <p class="error" data-testid="users-error">{error}</p> : null}
      {users === undefined
        ? <p class="muted">Loading…</p>
        : (
          <table data-testid="users" class="narrow">
            <thead><tr><th>User</th><th>Mechanisms</th><th /></tr></thead>
            <tbody>
              {users.map(u => (
                <tr key={u.user} data-testid={`user-${u.user}`}>
                  <td class="mono">{u.user}</td>
                  <td>{u.credentials.map(c => `${c.mechanism} (iterations ${c.iterations})`).join(', ')}</td>
                  <td>{refusal === undefined ? <button class="danger small" data-testid={`delete-user-${u.user}`} onClick={() => remove(u.user)}>Delete</button> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
    </div>
  )
}

function AddUser ({ changed }: { changed: (outcome: Outcome) => void }) {
  const [user, setUser] = useState('')
  const [password, setPassword] = useState('')
  const [mechanism, setMechanism] = useState('SCRAM-SHA-256')
  const [iterations, setIterations] = useState('8192')
  const [busy, setBusy] = useState(false)
  const submit = (e: Event): void => {
    e.preventDefault()
    setBusy(true)
    api('users', { method: 'POST', body: { user, mechanism, password, iterations: Number(iterations) } })
      .then(() => { changed({ ok: true, text: `Saved ${mechanism} credentials of ${user}` }); setPassword('') }, (err: Error) => changed({ ok: false, text: errorText(err) }))
      .finally(() => setBusy(false))
  }
  return (
    <form class="create" onSubmit={submit} data-testid="add-user">
      <input required placeholder="user name" value={user} data-testid="user-name" onInput={e => setUser((e.target as HTMLInputElement).value)} />
      <input required type="password" placeholder="password" autocomplete="new-password" value={password} data-testid="user-password" onInput={e => setPassword((e.target as HTMLInputElement).value)} />
      <select value={mechanism} data-testid="user-mechanism" onChange={e => setMechanism((e.target as HTMLSelectElement).value)}>{MECHANISMS.map(m => <option key={m}>{m}</option>)}</select>
      <label>Iterations <input type="number" min="4096" max="16384" value={iterations} data-testid="user-iterations" onInput={e => setIterations((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" disabled={busy} data-testid="user-add">Add or update user</button>
    </form>
  )
}
