/**
 * Java .properties files (client configs, meta.properties, server.properties). Apart from load.ts
 * so that the CLI tools, which read client properties, do not load the YAML parser at start-up
 * (about 50 ms of a tool's start).
 */

/** Java .properties: key=value, key:value or key value; # and ! comments; backslash continuations. */
export function parseProperties (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').trimStart()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + (lines[++i] ?? '').trimStart()
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line)
    const key = (m?.[1] ?? line).replace(/\\(.)/g, '$1')
    out[key] = (m?.[2] ?? '').trimEnd()
  }
  return out
}
