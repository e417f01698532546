/** A resource's configs from DescribeConfigs: what was set on it, and on request the defaults too. */
import { useState } from 'preact/hooks'
import { CONFIG_SOURCES, type ConfigEntry } from './api.js'

/** DescribeConfigs' DEFAULT_CONFIG source. */
const DEFAULT_CONFIG = 5

export function ConfigTable ({ title, configs, testId }: { title: string, configs: ConfigEntry[], testId: string }) {
  const [all, setAll] = useState(false)
  const shown = all ? configs : configs.filter(c => c.source !== DEFAULT_CONFIG)
  return (
    <div data-testid={testId}>
      <h2>{title} <span class="muted small">{configs.length - shown.length} defaults hidden</span> <label class="small"><input type="checkbox" checked={all} onChange={e => setAll((e.target as HTMLInputElement).checked)} /> show defaults</label></h2>
      {shown.length === 0
        ? <p class="muted">Nothing set: every value is the default.</p>
        : (
          <table>
            <thead><tr><th>Name</th><th>Value</th><th>Source</th></tr></thead>
            <tbody>{shown.map(c => <tr key={c.name}><td>{c.name}</td><td class="mono">{c.isSensitive ? '(sensitive)' : c.value ?? 'null'}</td><td class="muted">{CONFIG_SOURCES[c.source] ?? c.source}</td></tr>)}</tbody>
          </table>
          )}
    </div>
  )
}
