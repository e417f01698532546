import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../errors.js'
import { parseProperties } from './java-properties.js'
import { toKafkaConfig, type KafkaConfig } from './kafka-config.js'

/**
 * Reads a broker config (YAML, or a Kafka server.properties when the file ends in .properties or is
 * not a YAML mapping), applies `--override key=value` pairs, and checks everything. Throws one
 * ConfigError listing every problem, each prefixed with where it came from.
 */
export function loadKafkaConfig (file: string, overrides: readonly string[] = []): KafkaConfig {
  return loadConfigFile(file, overrides, toKafkaConfig)
}

/** The same rules for any process's config file (the gateway's too): `convert` checks the merged keys. */
export function loadConfigFile<C> (file: string, overrides: readonly string[], convert: (raw: Record<string, unknown>) => { config?: C, problems: string[] }): C {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError([`${file}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`])
  }
  const fromFile = file.endsWith('.properties') ? parseProperties(text) : parseYamlConfig(file, text)
  const fromOverrides: Record<string, string> = {}
  const problems: string[] = []
  for (const o of overrides) {
    const eq = o.indexOf('=')
    if (eq <= 0) problems.push(`--override ${JSON.stringify(o)} must look like key=value`)
    else fromOverrides[o.slice(0, eq).trim()] = o.slice(eq + 1).trim()
  }
  const { config, problems: configProblems } = convert({ ...fromFile, ...fromOverrides })
  problems.push(...configProblems.map(p => `${file}: ${p}`))
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems)
  return config
}

function parseYamlConfig (file: string, text: string): Record<string, unknown> {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new ConfigError([`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`])
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) return parseProperties(text)
  return flatten(doc as Record<string, unknown>, '')
}

/** `log: { dirs: x }` and `log.dirs: x` mean the same key. */
function flatten (doc: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(doc)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`))
    else out[prefix + k] = v
  }
  return out
}
