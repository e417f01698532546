/**
 * kafka-configs: describe and alter topic and broker configs, users' SCRAM credentials and client
 * quotas, with Kafka's ConfigCommand flags and output. Config changes go through
 * IncrementalAlterConfigs (SET for --add-config, DELETE for --delete-config), as ConfigCommand
 * does since Kafka 3.x; SCRAM credentials (--entity-type users) through AlterUserScramCredentials
 * and DescribeUserScramCredentials (KIP-554), the password salted and hashed here; quotas of
 * users, client ids and users' client ids through AlterClientQuotas and DescribeClientQuotas (KIP-546).
 */
import { javaDouble } from '../config/schema.js'
import { UsageError } from '../errors.js'
import { Admin } from '../client/admin.js'
import type { ClientQuotaEntityPart } from '../client/client-quota-admin.js'
import { AlterConfigOp, ConfigSource, ResourceType, type ConfigChange, type ConfigEntry, type ConfigResource } from '../client/config-admin.js'
import type { UserScramCredentialAlteration } from '../client/scram-credential-admin.js'
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
    { name: 'entity-type', arg: 'String', description: 'Type of entity (topics/clients/users/brokers).', repeatable: true },
    { name: 'entity-name', arg: 'String', description: 'Name of entity (topic name/client id/user principal name/broker id).', repeatable: true },
    { name: 'entity-default', description: 'Default entity name for clients/users/brokers (applies to corresponding entity type in command line).' },
    { name: 'topic', arg: 'String', description: "The topic's name." },
    { name: 'broker', arg: 'String', description: "The broker's ID." },
    { name: 'broker-defaults', description: 'The config defaults for all brokers.' },
    { name: 'user', arg: 'String', description: "The user's principal name." },
    { name: 'user-defaults', description: 'The config defaults for all users.' },
    { name: 'client', arg: 'String', description: "The client's ID." },
    { name: 'client-defaults', description: 'The config defaults for all clients.' },
    { name: 'add-config', arg: 'String', description: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." },
    { name: 'add-config-file', arg: 'String', description: 'Path to a properties file with configs to add.' },
    { name: 'delete-config', arg: 'String', description: 'config keys to remove \'k1,k2\'' },
  ],
}

const SOURCE_NAMES = Object.fromEntries(Object.entries(ConfigSource).map(([name, id]) => [id, name])) as Record<number, string>

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  if (flags.has('describe') === flags.has('alter')) throw new UsageError('Command must include exactly one action: --describe, --alter')
  const target = entity(flags, argv)
  const admin = new Admin(clientProperties(flags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    if ('parts' in target) return flags.has('describe') ? await describeQuotas(admin, flags, target) : await alterQuotasOrUser(admin, flags, target)
    return flags.has('describe') ? await describe(admin, flags, target) : await alter(admin, flags, target)
  } finally {
    await admin.close()
  }
}

interface Entity { type: ResourceType, name: string | undefined }

/**
 * A client quota entity of users and/or clients, user first (ConfigCommand.parseClientQuotaEntity):
 * each part a name, '' for the default, or undefined for every name (--describe only).
 */
interface QuotaEntity {
  parts: Array<{ type: 'users' | 'clients', name: string | undefined }>
  /** The first type and name as given: what the completion message names. */
  given: { type: 'users' | 'clients', name: string | undefined }
}

/**
 * --entity-type/--entity-name/--entity-default, or the --topic/--broker/--broker-defaults/--user/
 * --user-defaults/--client/--client-defaults shortcuts. Users and clients may be given together
 * (a user's client id); their names pair with the types in command-line order, as in Kafka.
 */
function entity (flags: ParsedFlags, argv: readonly string[]): Entity | QuotaEntity {
  if (flags.has('topic')) return { type: ResourceType.TOPIC, name: flags.get('topic') }
  if (flags.has('broker')) return { type: ResourceType.BROKER, name: flags.get('broker') }
  if (flags.has('broker-defaults')) return { type: ResourceType.BROKER, name: '' }
  // in ConfigCommand's order: the named entities, then the defaults
  const shortcuts = ['client', 'user', 'client-defaults', 'user-defaults'].filter(f => flags.has(f))
  if (shortcuts.length > 0 || flags.all('entity-type').some(t => t === 'users' || t === 'clients')) return quotaEntity(flags, argv, shortcuts)
  if (flags.all('entity-type').length > 1) throw new UsageError('Only users and clients may be given together as --entity-type')
  const type = flags.get('entity-type')
  if (type === undefined) throw new UsageError('Missing required argument "[entity-type]"')
  if (type !== 'topics' && type !== 'brokers') throw new UsageError(`Option entity-type: '${type}' is not supported here (topics, clients, users, brokers)`)
  if (flags.has('entity-default') && type !== 'brokers') throw new UsageError('--entity-default is only for brokers')
  const name = flags.has('entity-default') ? '' : flags.get('entity-name')
  if (type === 'brokers' && name !== undefined && name !== '' && !/^\d+$/.test(name)) throw new UsageError(`Option entity-name: broker id '${name}' is not an integer`)
  return { type: type === 'topics' ? ResourceType.TOPIC : ResourceType.BROKER, name }
}

async function describe (admin: Admin, flags: ParsedFlags, target: Entity): Promise<number> {
  let resources: ConfigResource[]
  if (target.name !== undefined) resources = [{ type: target.type, name: target.name }]
  else if (target.type === ResourceType.TOPIC) resources = (await admin.listTopics({ includeInternal: true })).map(name => ({ type: target.type, name }))
  // ConfigCommand: every broker, then the cluster-wide default
  else resources = [...(await admin.describeCluster()).brokers.map(b => ({ type: target.type, name: String(b.nodeId) })), { type: target.type, name: '' }]
  for (const r of await admin.describeConfigs(resources)) {
    if (r.errorCode !== ErrorCode.NONE) {
      process.stderr.write(`Error while describing ${label(r)}: ${r.errorMessage ?? errorName(r.errorCode)}\n`)
      return 1
    }
    const entries = (flags.has('all') ? r.entries : r.entries.filter(e => e.source === dynamicSource(r))).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
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
  if (result !== undefined && result.errorCode !== ErrorCode.NONE) return failed(result.errorMessage ?? errorName(result.errorCode))
  process.stdout.write(target.type === ResourceType.BROKER && target.name === ''
    ? 'Completed updating default config for brokers in the cluster.\n'
    : `Completed updating config for ${label(resource)}.\n`)
  return 0
}

function quotaEntity (flags: ParsedFlags, argv: readonly string[], shortcuts: readonly string[]): QuotaEntity {
  if (shortcuts.length > 0 && (flags.has('entity-type') || flags.has('entity-name') || flags.has('entity-default'))) {
    throw new UsageError('--entity-{type,name,default} should not be used in conjunction with specific entity flags')
  }
  const types: Array<'users' | 'clients'> = []
  const names: string[] = []
  if (shortcuts.length > 0) {
    for (const f of shortcuts) {
      types.push(f.startsWith('user') ? 'users' : 'clients')
      names.push(f.endsWith('-defaults') ? '' : flags.get(f)!)
    }
  } else {
    for (const t of flags.all('entity-type')) {
      if (t !== 'users' && t !== 'clients') throw new UsageError(`Option entity-type: '${t}' cannot be combined with users or clients`)
      types.push(t)
    }
    names.push(...entityNamesInOrder(argv))
  }
  if (types.length > 2 || new Set(types).size !== types.length) throw new UsageError('At most one user and one client entity may be given')
  if (names.length > types.length) throw new UsageError('More entity names specified than entity types')
  if (flags.has('alter') && names.length !== types.length) throw new UsageError('--entity-name or --entity-default must be specified with each --entity-type for --alter')
  const parts = types.map((type, i) => ({ type, name: names[i] }))
  // ConfigCommand pairs names with types as given, then puts the user first
  return { parts: parts.length === 2 && parts[0]!.type === 'clients' ? [parts[1]!, parts[0]!] : parts, given: parts[0]! }
}

/** --entity-name values and --entity-default ('') in the order given (joptsimple keeps it). */
function entityNamesInOrder (argv: readonly string[]): string[] {
  const names: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--entity-default') names.push('')
    else if (a === '--entity-name') names.push(argv[++i] ?? '')
    else if (a.startsWith('--entity-name=')) names.push(a.slice('--entity-name='.length))
  }
  return names
}

const QUOTA_KEYS = new Set(['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate'])

/** ConfigCommand.describeQuotaConfigs, then a user's SCRAM credentials when one user (no client, no default) is described. */
async function describeQuotas (admin: Admin, flags: ParsedFlags, target: QuotaEntity): Promise<number> {
  if (flags.has('entity-default') && flags.has('all')) throw new UsageError('--all is not supported for users and clients')
  const components = target.parts.map(p => ({ entityType: p.type === 'users' ? 'user' : 'client-id', match: p.name === '' ? null : p.name }))
  for (const e of await admin.describeClientQuotas(components, true)) {
    process.stdout.write(`Quota configs for ${quotaEntityLabel(e.entity)} are ${Object.entries(e.values).map(([k, v]) => `${k}=${javaDouble(v)}`).join(', ')}\n`)
  }
  const onlyUsers = target.parts.every(p => p.type === 'users')
  if (!onlyUsers || target.parts.some(p => p.name === '')) return 0
  return await describeUsers(admin, flags)
}

function quotaEntityLabel (entity: readonly ClientQuotaEntityPart[]): string {
  return ['user', 'client-id'].flatMap(type => entity.filter(p => p.entityType === type).map(p => {
    const label = type === 'user' ? 'user-principal' : 'client-id'
    return p.entityName === null ? `the default ${label}` : `${label} '${p.entityName}'`
  })).join(', ')
}

/** ConfigCommand.alterConfig for users and clients: quota keys through AlterClientQuotas, SCRAM credentials for a user alone. */
async function alterQuotasOrUser (admin: Admin, flags: ParsedFlags, target: QuotaEntity): Promise<number> {
  const added = parseAddConfig(flags.get('add-config') ?? '')
  if (flags.has('add-config-file')) added.push(...Object.entries(readPropertiesFile('add-config-file', flags.require('add-config-file'))))
  const deleted = (flags.get('delete-config') ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
  const names = [...added.map(([k]) => k), ...deleted]
  const scram = names.filter(n => n.startsWith('SCRAM-'))
  const unknown = names.filter(n => !n.startsWith('SCRAM-') && !QUOTA_KEYS.has(n))
  const userAlone = target.parts.length === 1 && target.parts[0]!.type === 'users'
  if (!userAlone && (scram.length > 0 || unknown.length > 0)) throw new UsageError(`Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: ${[...unknown, ...scram].join(',')}`)
  if (unknown.length > 0) throw new UsageError(`Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: ${unknown.join(',')}`)
  if (scram.length > 0) {
    if (target.parts[0]!.name === '') throw new UsageError('The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.')
    if (scram.length !== names.length) throw new UsageError('Cannot alter both quota and SCRAM credential configs simultaneously for \'users\' using --bootstrap-server.')
    return await alterUser(admin, flags)
  }
  if (names.length === 0) throw new UsageError('At least one of --add-config, --add-config-file or --delete-config must be specified with --alter')
  const entity = target.parts.map(p => ({ entityType: p.type === 'users' ? 'user' : 'client-id', entityName: p.name === '' ? null : p.name! }))
  // ConfigCommand.alterQuotaConfigs: a key to delete must be set now
  const [current] = await admin.describeClientQuotas(entity.map(e => ({ entityType: e.entityType, match: e.entityName })), true)
  const missing = deleted.filter(k => current?.values[k] === undefined)
  if (missing.length > 0) return failed(`Invalid config(s): ${missing.join(',')}`)
  const ops: Array<{ key: string, value: number | null }> = []
  for (const [key, text] of added) {
    const value = text.trim() === '' ? NaN : Number(text)
    if (Number.isNaN(value)) throw new UsageError(`Cannot parse quota configuration value for ${key}: ${text}`)
    ops.push({ key, value })
  }
  for (const key of deleted) ops.push({ key, value: null })
  const [result] = await admin.alterClientQuotas([{ entity, ops }])
  if (result !== undefined && result.errorCode !== ErrorCode.NONE) return failed(`${errorName(result.errorCode)}: ${result.errorMessage ?? ''}`)
  const head = target.given
  process.stdout.write(head.name === '' ? `Completed updating default config for ${head.type} in the cluster.\n` : `Completed updating config for ${head.type.slice(0, -1)} ${head.name!}.\n`)
  return 0
}

function failed (message: string): number {
  process.stderr.write(`Error while executing config command with args '${process.argv.slice(2).join(' ')}'\n${message}\n`)
  return 1
}

/** The user of --entity-name or --user; `required` for --alter. */
function userName (flags: ParsedFlags, required: boolean): string | undefined {
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
  const refused = results.find(r => r.errorCode !== ErrorCode.NONE)
  if (refused !== undefined) return failed(`${errorName(refused.errorCode)}: ${refused.errorMessage ?? ''}`)
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
