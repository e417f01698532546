/**
 * kafka-configs: describe and alter topic and broker configs, and users' SCRAM credentials, with
 * Kafka's ConfigCommand flags and output. Config changes go through IncrementalAlterConfigs (SET
 * for --add-config, DELETE for --delete-config), as ConfigCommand does since Kafka 3.x; SCRAM
 * credentials (--entity-type users) through AlterUserScramCredentials and
 * DescribeUserScramCredentials (KIP-554), the password salted and hashed here.
 */
import { UsageError } from '../errors.js'
import { Admin, AlterConfigOp, ConfigSource, ResourceType, type ConfigChange, type ConfigEntry, type ConfigResource, type UserScramCredentialAlteration } from '../client/admin.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, readPropertiesFile, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-configs',
  summary: 'This tool helps to manipulate and describe entity config for a topic or broker.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'The Kafka server to connect to.' },
    { name: 'command-config', arg: 'String: command config property file', description: 'Property file containing configs to be passed to Admin Client.' },
    { name: 'describe', description: 'List configs for the given entity.' },
    { name: 'alter', description: 'Alter the configuration for the entity.' },
    { name: 'all', description: 'List all configs for the given topic or broker entry (dynamic and static).' },
    { name: 'entity-type', arg: 'String', description: 'Type of entity (topics/brokers/users).' },
    { name: 'entity-name', arg: 'String', description: 'Name of entity (topic name/broker id/user principal name).' },
    { name: 'entity-default', description: 'Default entity name for brokers (applies to corresponding entity type in command line).' },
    { name: 'topic', arg: 'String', description: "The topic's name." },
    { name: 'broker', arg: 'String', description: "The broker's ID." },
    { name: 'broker-defaults', description: 'The config defaults for all brokers.' },
    { name: 'user', arg: 'String', description: "The user's principal name." },
    { name: 'add-config', arg: 'String', description: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." },
    { name: 'add-config-file', arg: 'String', description: 'Path to a properties file with configs to add.' },
    { name: 'delete-config', arg: 'String', description: 'config keys to remove \'k1,k2\'' },
  ],
}

const SOURCE_NAMES = Object.fromEntries(Object.entries(ConfigSource).map(([name, id]) => [id, name])) as Record<number, string>

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  if (flags.has('describe') === flags.has('alter')) throw new UsageError('Command must include exactly one action: --describe, --alter')
  const target = entity(flags)
  const admin = new Admin(clientProperties(flags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    if (target === 'users') return flags.has('describe') ? await describeUsers(admin, flags) : await alterUser(admin, flags)
    return flags.has('describe') ? await describe(admin, flags, target) : await alter(admin, flags, target)
  } finally {
    await admin.close()
  }
}

interface Entity { type: ResourceType, name: string | undefined }

/** --entity-type/--entity-name/--entity-default, or the --topic/--broker/--broker-defaults/--user shortcuts. */
function entity (flags: ParsedFlags): Entity | 'users' {
  if (flags.has('topic')) return { type: ResourceType.TOPIC, name: flags.get('topic') }
  if (flags.has('broker')) return { type: ResourceType.BROKER, name: flags.get('broker') }
  if (flags.has('broker-defaults')) return { type: ResourceType.BROKER, name: '' }
  if (flags.has('user')) return 'users'
  const type = flags.get('entity-type')
  if (type === undefined) throw new UsageError('Missing required argument "[entity-type]"')
  if (type === 'users') return 'users'
  if (type !== 'topics' && type !== 'brokers') throw new UsageError(`Option entity-type: '${type}' is not supported here (topics, brokers, users)`)
  if (flags.has('entity-default') && type !== 'brokers') throw new UsageError('--entity-default is only for brokers')
  const name = flags.has('entity-default') ? '' : flags.get('entity-name')
  if (type === 'brokers' && name !== undefined && name !== '' && !/^\d+$/.test(name)) throw new UsageError(`Option entity-name: broker id '${name}' is not an integer`)
  return { type: type === 'topics' ? ResourceType.TOPIC : ResourceType.BROKER, name }
}

async function describe (admin: Admin, flags: ParsedFlags, target: Entity): Promise<number> {
  let resources: ConfigResource[]
  if (target.name !== undefined) resources = [{ type: target.type, name: target.name }]
  else if (target.type === ResourceType.TOPIC) resources = (await admin.listTopics({ includeInternal: true })).map(name => ({ type: target.type, name }))
  else resources = (await admin.describeCluster()).brokers.map(b => ({ type: target.type, name: String(b.nodeId) }))
  for (const r of await admin.describeConfigs(resources)) {
    if (r.errorCode !== ErrorCode.NONE) {
      process.stderr.write(`Error while describing ${label(r)}: ${r.errorMessage ?? errorName(r.errorCode)}\n`)
      return 1
    }
    const entries = flags.has('all') ? r.entries : r.entries.filter(e => e.source === dynamicSource(r))
    const heading = r.type === ResourceType.BROKER && r.name === '' ? 'Default configs for brokers in the cluster are:' : `${flags.has('all') ? 'All' : 'Dynamic'} configs for ${label(r)} are:`
    process.stdout.write(heading + '\n')
    for (const e of entries) process.stdout.write(`  ${e.name}=${shown(e)} sensitive=${String(e.isSensitive)} synonyms={${e.synonyms.map(s => `${SOURCE_NAMES[s.source] ?? s.source}:${s.name}=${s.value ?? 'null'}`).join(', ')}}\n`)
  }
  return 0
}

async function alter (admin: Admin, flags: ParsedFlags, target: Entity): Promise<number> {
  if (target.name === undefined) throw new UsageError('an entity name is required for --alter (--entity-name, --topic, --broker or --entity-default)')
  const changes: ConfigChange[] = []
  for (const [name, value] of parseAddConfig(flags.get('add-config') ?? '')) changes.push({ name, op: AlterConfigOp.SET, value })
  if (flags.has('add-config-file')) {
    for (const [name, value] of Object.entries(readPropertiesFile('add-config-file', flags.require('add-config-file')))) changes.push({ name, op: AlterConfigOp.SET, value })
  }
  for (const name of (flags.get('delete-config') ?? '').split(',').map(s => s.trim()).filter(s => s !== '')) {
    if (changes.some(c => c.name === name)) throw new UsageError(`Option delete-config: ${name} is also being added`)
    changes.push({ name, op: AlterConfigOp.DELETE, value: null })
  }
  if (changes.length === 0) throw new UsageError('At least one of --add-config, --add-config-file or --delete-config must be specified with --alter')
  const resource = { type: target.type, name: target.name }
  const [result] = await admin.incrementalAlterConfigs([{ resource, changes }])
  if (result !== undefined && result.errorCode !== ErrorCode.NONE) {
    process.stderr.write(`Error while executing config command with args '${process.argv.slice(2).join(' ')}'\n${result.errorMessage ?? errorName(result.errorCode)}\n`)
    return 1
  }
  process.stdout.write(target.type === ResourceType.BROKER && target.name === ''
    ? 'Completed updating default config for brokers in the cluster.\n'
    : `Completed updating config for ${label(resource)}.\n`)
  return 0
}

/** The user of --entity-name or --user; `required` for --alter. */
function userName (flags: ParsedFlags, required: boolean): string | undefined {
  if (flags.has('entity-default')) throw new UsageError('--entity-default is not supported for users: SCRAM credentials belong to one user')
  const name = flags.get('user') ?? flags.get('entity-name')
  if (required && (name === undefined || name === '')) throw new UsageError('an entity name is required for --alter (--entity-name or --user)')
  return name
}

/** ConfigCommand's DefaultScramIterations, when SCRAM-SHA-256=[password=...] names none. */
const DEFAULT_SCRAM_ITERATIONS = 4096

async function alterUser (admin: Admin, flags: ParsedFlags): Promise<number> {
  const user = userName(flags, true)!
  const alterations: UserScramCredentialAlteration[] = []
  for (const [name, value] of parseAddConfig(flags.get('add-config') ?? '')) {
    if (!name.startsWith('SCRAM-')) throw new UsageError(`Option add-config: ${name} is not supported for users here (only SCRAM-SHA-256 and SCRAM-SHA-512 credentials; client quotas are not implemented)`)
    const fields = new Map(value.split(',').map(kv => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1)]))
    const password = fields.get('password')
    const iterations = fields.has('iterations') ? Number(fields.get('iterations')) : DEFAULT_SCRAM_ITERATIONS
    if (password === undefined || password === '') throw new UsageError(`Option add-config: ${name} needs a password: ${name}=[iterations=8192,password=...]`)
    if (!Number.isInteger(iterations)) throw new UsageError(`Option add-config: ${name} iterations must be an integer`)
    alterations.push({ user, mechanism: name, iterations, password })
  }
  for (const name of (flags.get('delete-config') ?? '').split(',').map(s => s.trim()).filter(s => s !== '')) {
    if (alterations.some(a => a.mechanism === name)) throw new UsageError(`Option delete-config: ${name} is also being added`)
    alterations.push({ user, mechanism: name })
  }
  if (alterations.length === 0) throw new UsageError('At least one of --add-config or --delete-config must be specified with --alter')
  const results = await admin.alterUserScramCredentials(alterations)
  const failed = results.find(r => r.errorCode !== ErrorCode.NONE)
  if (failed !== undefined) {
    process.stderr.write(`Error while executing config command with args '${process.argv.slice(2).join(' ')}'\n${errorName(failed.errorCode)}: ${failed.errorMessage ?? ''}\n`)
    return 1
  }
  process.stdout.write(`Completed updating config for user ${user}.\n`)
  return 0
}

async function describeUsers (admin: Admin, flags: ParsedFlags): Promise<number> {
  const user = userName(flags, false)
  const results = await admin.describeUserScramCredentials(user === undefined ? null : [user])
  for (const r of results) {
    if (r.errorCode === ErrorCode.RESOURCE_NOT_FOUND) continue // ConfigCommand prints nothing for a user without credentials
    if (r.errorCode !== ErrorCode.NONE) {
      process.stderr.write(`Error while describing user ${r.user}: ${r.errorMessage ?? errorName(r.errorCode)}\n`)
      return 1
    }
    process.stdout.write(`SCRAM credential configs for user-principal '${r.user}' are ${r.credentials.map(c => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}\n`)
  }
  return 0
}

/** "k1=v1,k2=[v1,v2],k3=v3": commas inside square brackets belong to the value. */
export function parseAddConfig (text: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  let depth = 0
  let start = 0
  const pieces: string[] = []
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i]
    if (ch === '[') depth++
    else if (ch === ']') depth--
    else if ((ch === ',' && depth === 0) || ch === undefined) {
      pieces.push(text.slice(start, i))
      start = i + 1
    }
  }
  for (const piece of pieces.map(p => p.trim()).filter(p => p !== '')) {
    const eq = piece.indexOf('=')
    if (eq <= 0) throw new UsageError(`Option add-config: '${piece}' is not of the form key=value`)
    const value = piece.slice(eq + 1).trim()
    out.push([piece.slice(0, eq).trim(), value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value])
  }
  return out
}

function dynamicSource (r: ConfigResource): number {
  if (r.type === ResourceType.TOPIC) return ConfigSource.DYNAMIC_TOPIC_CONFIG
  return r.name === '' ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG : ConfigSource.DYNAMIC_BROKER_CONFIG
}

function label (r: ConfigResource): string {
  if (r.type === ResourceType.TOPIC) return `topic ${r.name}`
  return r.name === '' ? 'the brokers in the cluster' : `broker ${r.name}`
}

function shown (e: ConfigEntry): string {
  return e.isSensitive ? 'null' : e.value ?? 'null'
}

if (isMain(import.meta.url)) runTool(tool, main)
