/**
 * kafka-acls: add, remove and list ACLs with Kafka's AclCommand flags and output, through the
 * Admin API (CreateAcls, DeleteAcls, DescribeAcls), as AclCommand does with --bootstrap-server.
 */
import { createInterface } from 'node:readline/promises'
import { UsageError } from '../errors.js'
import { Admin } from '../client/admin.js'
import { errorName } from '../protocol/error-codes.js'
import {
  AclOperation, AclPermissionType, CLUSTER_NAME, formatEntry, formatPattern, operationName, parseCode, PatternType, ResourceType, resourceTypeName, supportedOperations,
  WILDCARD_HOST, type AccessControlEntry, type AclBinding, type AclBindingFilter, type ResourcePattern,
} from '../security/acl-binding.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-acls',
  summary: 'This tool helps to manage acls on kafka.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'A list of host/port pairs to use for establishing the connection to the Kafka cluster.' },
    { name: 'command-config', arg: 'String: command-config', description: 'A property file containing configs to be passed to Admin Client.' },
    { name: 'add', description: 'Indicates you are trying to add ACLs.' },
    { name: 'remove', description: 'Indicates you are trying to remove ACLs.' },
    { name: 'list', description: 'List ACLs for the specified resource, use --topic <topic> or --group <group> or --cluster to specify a resource.' },
    { name: 'topic', arg: 'String: topic', repeatable: true, description: 'topic to which ACLs should be added or removed. A value of \'*\' indicates ACL should apply to all topics.' },
    { name: 'group', arg: 'String: group', repeatable: true, description: 'Consumer Group to which the ACLs should be added or removed. A value of \'*\' indicates the ACLs should apply to all groups.' },
    { name: 'cluster', description: 'Add/Remove cluster ACLs.' },
    { name: 'transactional-id', arg: 'String: transactional-id', repeatable: true, description: 'The transactionalId to which ACLs should be added or removed. A value of \'*\' indicates the ACLs should apply to all transactionalIds.' },
    { name: 'resource-pattern-type', arg: 'ANY|MATCH|LITERAL|PREFIXED', description: 'The type of the resource pattern or pattern filter. When adding acls, this should be a specific pattern type, e.g. \'literal\' or \'prefixed\'. When listing or removing acls, a specific pattern type can be used to list or remove acls from specific resource patterns, or use the filter values of \'any\' or \'match\', where \'any\' will match any pattern type, but will match the resource name exactly, where as \'match\' will perform pattern matching to list or remove all acls that affect the supplied resource(s). WARNING: \'match\', when used in combination with the \'--remove\' switch, should be used with care. (default: LITERAL)' },
    { name: 'allow-principal', arg: 'String: allow-principal', repeatable: true, description: 'principal is in principalType:name format. Note that principalType must be supported by the Authorizer being used. For example, User:\'*\' is the wild card indicating all users.' },
    { name: 'deny-principal', arg: 'String: deny-principal', repeatable: true, description: 'principal is in principalType:name format. By default anyone not added through --allow-principal is denied access. You only need to use this option as negation to already allowed set.' },
    { name: 'principal', arg: 'String: principal', repeatable: true, description: 'List ACLs for the specified principal. principal is in principalType:name format. Note that principalType must be supported by the Authorizer being used. Multiple --principal option can be passed.' },
    { name: 'allow-host', arg: 'String: allow-host', repeatable: true, description: 'Host from which principals listed in --allow-principal will have access. If you have specified --allow-principal then the default for this option will be set to \'*\' which allows access from all hosts.' },
    { name: 'deny-host', arg: 'String: deny-host', repeatable: true, description: 'Host from which principals listed in --deny-principal will be denied access. If you have specified --deny-principal then the default for this option will be set to \'*\' which denies access from all hosts.' },
    { name: 'operation', arg: 'String', repeatable: true, description: 'Operation that is being allowed or denied. Valid operation names are: Describe, DescribeConfigs, Alter, IdempotentWrite, Read, Delete, Create, ClusterAction, All, CreateTokens, DescribeTokens, Write, AlterConfigs (default: All)' },
    { name: 'producer', description: 'Convenience option to add/remove ACLs for producer role. This will generate ACLs that allows WRITE,DESCRIBE and CREATE on topic.' },
    { name: 'consumer', description: 'Convenience option to add/remove ACLs for consumer role. This will generate ACLs that allows READ,DESCRIBE on topic and READ on group.' },
    { name: 'idempotent', description: 'Enable idempotence for the producer. This should be used in combination with the --producer option. Note that idempotence is enabled automatically if the producer is authorized to a particular transactional-id.' },
    { name: 'force', description: 'Assume Yes to all queries and do not prompt.' },
  ],
}

const ANY_ENTRY: AclBindingFilter['entry'] = { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY }

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  checkArgs(flags)
  const admin = new Admin(clientProperties(flags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    if (flags.has('add')) await addAcls(admin, flags)
    else if (flags.has('remove')) await removeAcls(admin, flags)
    else await listAcls(admin, flags)
    return 0
  } catch (err) {
    if (err instanceof UsageError) throw err
    // AclCommand's catch-all: one line on stdout, exit 1
    process.stdout.write(`Error while executing ACL command: ${(err as Error).message}\n`)
    return 1
  } finally {
    await admin.close()
  }
}

/** AclCommandOptions.checkArgs. */
function checkArgs (flags: ParsedFlags): void {
  if (!flags.has('bootstrap-server')) throw new UsageError('Missing required argument "[bootstrap-server]"')
  const actions = ['list', 'add', 'remove'].filter(a => flags.has(a))
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --add, --remove. ')
  const invalidWith = (action: string, others: string[]): void => {
    for (const o of others) if (flags.has(action) && flags.has(o)) throw new UsageError(`Option "[${action}]" can't be used with option "[${o}]"`)
  }
  invalidWith('list', ['producer', 'consumer', 'allow-host', 'allow-principal', 'deny-host', 'deny-principal'])
  invalidWith('producer', ['consumer'])
  if (flags.has('allow-host') && !flags.has('allow-principal')) throw new UsageError('Option "[allow-host]" requires "[allow-principal]"')
  if (flags.has('deny-host') && !flags.has('deny-principal')) throw new UsageError('Option "[deny-host]" requires "[deny-principal]"')
  if (flags.has('producer') && !flags.has('topic')) throw new UsageError('With --producer you must specify a --topic')
  if (flags.has('idempotent') && !flags.has('producer')) throw new UsageError('The --idempotent option is only available if --producer is set')
  if (flags.has('consumer') && (!flags.has('topic') || !flags.has('group') || flags.has('cluster') || flags.has('transactional-id'))) {
    throw new UsageError('With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.')
  }
}

function patternType (flags: ParsedFlags): PatternType {
  const text = flags.get('resource-pattern-type') ?? 'LITERAL'
  const type = parseCode(PatternType, text)
  if (type === undefined || type === PatternType.UNKNOWN) throw new UsageError(`Option resource-pattern-type: '${text}' is not one of ANY, MATCH, LITERAL, PREFIXED`)
  if (flags.has('add') && (type === PatternType.ANY || type === PatternType.MATCH)) throw new UsageError('A \'--resource-pattern-type\' value of \'any\' or \'match\' is not valid when adding acls.')
  return type
}

/** The resource filters the flags name (AclCommand.getResourceFilter); none: every resource, for --list. */
function resourceFilters (flags: ParsedFlags, dieIfNone: boolean): Array<AclBindingFilter['pattern']> {
  const type = patternType(flags)
  const filters: Array<AclBindingFilter['pattern']> = [
    ...flags.all('topic').map(name => ({ resourceType: ResourceType.TOPIC, name, patternType: type })),
    ...flags.all('group').map(name => ({ resourceType: ResourceType.GROUP, name, patternType: type })),
    ...flags.all('transactional-id').map(name => ({ resourceType: ResourceType.TRANSACTIONAL_ID, name, patternType: type })),
  ]
  if (flags.has('cluster')) filters.push({ resourceType: ResourceType.CLUSTER, name: CLUSTER_NAME, patternType: PatternType.LITERAL })
  if (filters.length === 0 && dieIfNone) throw new UsageError('You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --transactional-id <transactional-id>')
  return filters
}

function principals (flags: ParsedFlags, flag: string): string[] {
  return flags.all(flag).map(p => {
    const text = p.trim()
    if (!/^[^:]+:.+$/.test(text)) throw new UsageError(`expected a string in format principalType:principalName but got ${text}`)
    return text
  })
}

/** The entries the flags describe for these operations (AclCommand.getAcl): principals × operations × hosts, ALLOW then DENY. */
function entries (flags: ParsedFlags, operations: readonly AclOperation[]): AccessControlEntry[] {
  const out: AccessControlEntry[] = []
  for (const [permissionType, principalFlag, hostFlag] of [[AclPermissionType.ALLOW, 'allow-principal', 'allow-host'], [AclPermissionType.DENY, 'deny-principal', 'deny-host']] as const) {
    const hosts = flags.has(hostFlag) ? flags.all(hostFlag).map(h => h.trim()) : [WILDCARD_HOST]
    for (const principal of principals(flags, principalFlag)) {
      for (const operation of operations) for (const host of hosts) out.push({ principal, host, operation, permissionType })
    }
  }
  return out
}

function operationsFlag (flags: ParsedFlags): AclOperation[] {
  const given = flags.all('operation')
  if (given.length === 0) return [AclOperation.ALL]
  return given.map(text => {
    const op = parseCode(AclOperation, text.trim())
    if (op === undefined || op === AclOperation.ANY || op === AclOperation.UNKNOWN) throw new UsageError(`Option operation: '${text}' is not a valid operation`)
    return op
  })
}

/** Each resource with the entries the flags give it: --producer and --consumer expand to their roles (AclCommand.getResourceToAcls). */
function resourceToAcls (flags: ParsedFlags, filters: Array<AclBindingFilter['pattern']>): Array<{ pattern: AclBindingFilter['pattern'], entries: AccessControlEntry[] }> {
  const out: Array<{ pattern: AclBindingFilter['pattern'], entries: AccessControlEntry[] }> = []
  if (flags.has('producer')) {
    for (const f of filters) {
      if (f.resourceType === ResourceType.TOPIC) out.push({ pattern: f, entries: entries(flags, [AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE]) })
      if (f.resourceType === ResourceType.TRANSACTIONAL_ID) out.push({ pattern: f, entries: entries(flags, [AclOperation.WRITE, AclOperation.DESCRIBE]) })
    }
    if (flags.has('idempotent')) out.push({ pattern: { resourceType: ResourceType.CLUSTER, name: CLUSTER_NAME, patternType: PatternType.LITERAL }, entries: entries(flags, [AclOperation.IDEMPOTENT_WRITE]) })
  }
  if (flags.has('consumer')) {
    for (const f of filters) {
      if (f.resourceType === ResourceType.TOPIC) out.push({ pattern: f, entries: entries(flags, [AclOperation.READ, AclOperation.DESCRIBE]) })
      if (f.resourceType === ResourceType.GROUP) out.push({ pattern: f, entries: entries(flags, [AclOperation.READ]) })
    }
  }
  if (!flags.has('producer') && !flags.has('consumer')) {
    const ops = operationsFlag(flags)
    for (const f of filters) out.push({ pattern: f, entries: entries(flags, ops) })
  }
  return out
}

async function addAcls (admin: Admin, flags: ParsedFlags): Promise<void> {
  const toAdd = resourceToAcls(flags, resourceFilters(flags, true))
  if (toAdd.some(r => r.entries.length === 0)) throw new UsageError('You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.')
  for (const { pattern, entries: acls } of toAdd) {
    // AclCommand.validateOperation
    const supported = supportedOperations[pattern.resourceType] ?? []
    const unsupported = acls.find(a => a.operation !== AclOperation.ALL && !supported.includes(a.operation))
    if (unsupported !== undefined) throw new UsageError(`ResourceType ${resourceTypeName(pattern.resourceType)} only supports operations ${[...supported, AclOperation.ALL].map(operationName).join(',')}`)
  }
  for (const { pattern, entries: acls } of toAdd) {
    process.stdout.write(`Adding ACLs for resource \`${formatPattern(pattern)}\`: \n ${acls.map(a => `\t${formatEntry(a)}`).join('\n')} \n\n`)
    const results = await admin.createAcls(acls.map(entry => ({ pattern: pattern as ResourcePattern, entry })))
    const failed = results.find(r => r.errorCode !== 0)
    if (failed !== undefined) throw new Error(failed.errorMessage ?? errorName(failed.errorCode))
  }
  await listAcls(admin, flags)
}

async function removeAcls (admin: Admin, flags: ParsedFlags): Promise<void> {
  for (const { pattern, entries: acls } of resourceToAcls(flags, resourceFilters(flags, true))) {
    const question = acls.length === 0
      ? `Are you sure you want to delete all ACLs for resource filter \`${formatPattern(pattern)}\`? (y/n)`
      : `Are you sure you want to remove ACLs: \n ${acls.map(a => `\t${formatEntry(a)}`).join('\n')} \n from resource filter \`${formatPattern(pattern)}\`? (y/n)`
    if (!flags.has('force') && !await confirm(question)) continue
    const filters: AclBindingFilter[] = acls.length === 0 ? [{ pattern, entry: ANY_ENTRY }] : acls.map(entry => ({ pattern, entry }))
    const results = await admin.deleteAcls(filters)
    const failed = results.find(r => r.errorCode !== 0)
    if (failed !== undefined) throw new Error(failed.errorMessage ?? errorName(failed.errorCode))
  }
  await listAcls(admin, flags)
}

/** AclCommand.listAcls: per resource pattern its ACLs; with --principal, only theirs, under a heading each. */
async function listAcls (admin: Admin, flags: ParsedFlags): Promise<void> {
  const filters = resourceFilters(flags, false)
  const bindings: AclBinding[] = []
  for (const pattern of filters.length === 0 ? [{ resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY }] : filters) {
    bindings.push(...await admin.describeAcls({ pattern, entry: ANY_ENTRY }))
  }
  const print = (shown: AclBinding[]): void => {
    const byPattern = new Map<string, { pattern: ResourcePattern, acls: AccessControlEntry[] }>()
    for (const b of shown) {
      const key = formatPattern(b.pattern)
      const group = byPattern.get(key) ?? { pattern: b.pattern, acls: [] }
      if (!group.acls.some(a => formatEntry(a) === formatEntry(b.entry))) group.acls.push(b.entry)
      byPattern.set(key, group)
    }
    for (const { pattern, acls } of [...byPattern.values()].sort(byResource)) {
      process.stdout.write(`Current ACLs for resource \`${formatPattern(pattern)}\`: \n ${acls.map(a => `\t${formatEntry(a)}`).join('\n')} \n\n`)
    }
  }
  const wanted = principals(flags, 'principal')
  if (wanted.length === 0) return print(bindings)
  for (const principal of wanted) {
    process.stdout.write(`ACLs for principal \`${principal}\`\n`)
    print(bindings.filter(b => b.entry.principal === principal))
  }
}

function byResource (a: { pattern: ResourcePattern }, b: { pattern: ResourcePattern }): number {
  return a.pattern.resourceType - b.pattern.resourceType || a.pattern.patternType - b.pattern.patternType || (a.pattern.name < b.pattern.name ? -1 : a.pattern.name > b.pattern.name ? 1 : 0)
}

async function confirm (question: string): Promise<boolean> {
  process.stdout.write(`${question}\n`)
  const rl = createInterface({ input: process.stdin })
  try {
    const answer = await rl[Symbol.asyncIterator]().next()
    return typeof answer.value === 'string' && answer.value.trim().toLowerCase() === 'y'
  } finally {
    rl.close()
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
