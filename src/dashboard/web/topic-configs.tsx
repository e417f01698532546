/**
 * A topic's configs as a diff against its defaults (DescribeConfigs: each entry's source, and its
 * synonyms say what it falls back to), edited with IncrementalAlterConfigs: set a value, or delete
 * an override so the default applies again, as kafka-configs --alter does. Refused in read-only mode.
 */
import { useEffect, useState } from 'preact/hooks'
import { api, CONFIG_SOURCES, type ConfigEntry } from './api.js'

const DYNAMIC_TOPIC_CONFIG = 1

/**
 * What an override falls back to once deleted: its first synonym that is not the topic's own
 * (a broker config such as log.retention.hours=168 for retention.ms, as kafka-configs --all lists them).
 */
function fallbackOf (c: ConfigEntry): { name: string, value: string | null, source: number } | undefined {
  return c.synonyms?.find(s => s.source !== DYNAMIC_TOPIC_CONFIG)
}

export function TopicConfigs ({ name, readOnly }: { name: string, readOnly: boolean }) {
  const [configs, setConfigs] = useState<ConfigEntry[]>()
  const [error, setError] = useState<string>()
  const [key, setKey] = useState('')
  const [value, setValue] = useState('')
  const [message, setMessage] = useState<{ ok: boolean, text: string }>()
  useEffect(() => {
    api<{ configs: ConfigEntry[] }>(`topics/${encodeURIComponent(name)}`).then(t => setConfigs(t.configs), (err: Error) => setError(err.message))
  }, [name])
  if (error !== undefined) return <p class="error">{error}</p>
  if (configs === undefined) return null
  const alter = (body: { set?: Record<string, string>, delete?: string[] }, done: string): void => {
    api<{ configs: ConfigEntry[] }>(`topics/${encodeURIComponent(name)}/configs`, { method: 'POST', body })
      .then(r => { setConfigs(r.configs); setMessage({ ok: true, text: done }) }, (err: Error) => setMessage({ ok: false, text: `${err.name}: ${err.message}` }))
  }
  const overridden = configs.filter(c => c.source === DYNAMIC_TOPIC_CONFIG)
  const editable = configs.filter(c => !c.readOnly).map(c => c.name).sort()
  return (
    <div data-testid="topic-configs">
      <h2>Configs <span class="muted small">{overridden.length} set on the topic, {configs.length - overridden.length} from the broker or Kafka's defaults</span></h2>
      {overridden.length === 0
        ? <p class="muted">Nothing set on the topic: every value is the default.</p>
        : (
          <table data-testid="config-diff">
            <thead><tr><th>Name</th><th>Value</th><th>Default</th><th>Default from</th><th /></tr></thead>
            <tbody>{overridden.map(c => {
              const fallback = fallbackOf(c)
              return (
                <tr key={c.name} data-testid={`config-${c.name}`}>
                  <td>{c.name}</td>
                  <td class="mono changed">{c.isSensitive ? '(sensitive)' : c.value ?? 'null'}</td>
                  <td class="mono muted">{fallback === undefined ? '–' : fallback.name === c.name ? fallback.value ?? 'null' : `${fallback.name}=${fallback.value ?? 'null'}`}</td>
                  <td class="muted">{fallback !== undefined ? CONFIG_SOURCES[fallback.source] ?? fallback.source : '–'}</td>
                  <td>{readOnly ? null : <button class="small" data-testid={`config-reset-${c.name}`} onClick={() => alter({ delete: [c.name] }, `${c.name} is the default again`)}>Reset to default</button>}</td>
                </tr>
              )
            })}</tbody>
          </table>
          )}
      {readOnly
        ? <p class="muted">Read-only gateway (gateway.read.only): configs cannot be changed here.</p>
        : (
          <form class="create" data-testid="config-edit" onSubmit={e => { e.preventDefault(); alter({ set: { [key]: value } }, `${key} set to ${value}`) }}>
            <input required list="config-names" placeholder="Config name" value={key} data-testid="config-name" onInput={e => {
              const k = (e.target as HTMLInputElement).value
              setKey(k)
              const entry = configs.find(c => c.name === k)
              if (entry !== undefined) setValue(entry.value ?? '')
            }} />
            <datalist id="config-names">{editable.map(n => <option key={n} value={n} />)}</datalist>
            <input required placeholder="Value" value={value} data-testid="config-value" onInput={e => setValue((e.target as HTMLInputElement).value)} />
            <button type="submit" data-testid="config-submit">Set</button>
            {message !== undefined ? <span class={message.ok ? 'ok-text' : 'error'} data-testid="config-result">{message.text}</span> : null}
          </form>
          )}
    </div>
  )
}
