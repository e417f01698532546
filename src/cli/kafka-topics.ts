/**
 * kafka-topics: create, list, describe, alter (add partitions) and delete topics, with Kafka's
 * TopicCommand flags and output. --topic is a regular expression for everything but --create, and
 * a regex that matches nothing is an error unless --if-exists says otherwise.
 */
import { UsageError } from '../errors.js'
import { Admin } from '../client/admin.js'
import { ConfigSource, ResourceType } from '../client/config-admin.js'
import type { PartitionReassignment } from '../client/replica-admin.js'
import type { NewTopic } from '../client/topic-admin.js'
import type { TopicMetadata } from '../client/cluster-metadata.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, keyValue, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-topics',
  summary: 'This tool helps to create, delete, describe, or change a topic.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'REQUIRED: The Kafka server to connect to.' },
    { name: 'command-config', arg: 'String: command config property file', description: 'Property file containing configs to be passed to Admin Client.' },
    { name: 'create', description: 'Create a new topic.' },
    { name: 'list', description: 'List all available topics.' },
    { name: 'describe', description: 'List details for the given topics.' },
    { name: 'delete', description: 'Delete a topic' },
    { name: 'alter', description: 'Alter the number of partitions and replica assignment.' },
    { name: 'topic', arg: 'String: topic', description: 'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option.' },
    { name: 'partitions', arg: 'Integer: # of partitions', description: 'The number of partitions for the topic being created or altered. If not supplied for create, defaults to the cluster default.' },
    { name: 'replication-factor', arg: 'Integer: replication factor', description: 'The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default.' },
    { name: 'replica-assignment', arg: 'String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...', description: 'A list of manual partition-to-broker assignments for the topic being created or altered.' },
    { name: 'config', arg: 'String: name=value', description: 'A topic configuration override for the topic being created.', repeatable: true },
    { name: 'if-not-exists', description: 'If set when creating topics, the action will only execute if the topic does not already exist.' },
    { name: 'if-exists', description: 'If set when altering or deleting or describing topics, the action will only execute if the topic exists.' },
    { name: 'under-replicated-partitions', description: 'If set when describing topics, only show under replicated partitions.' },
    { name: 'unavailable-partitions', description: 'If set when describing topics, only show partitions whose leader is not available.' },
    { name: 'exclude-internal', description: 'Exclude internal topics when running list or describe command. The internal topics will be listed by default.' },
  ],
}

const ACTIONS = ['create', 'list', 'describe', 'delete', 'alter'] as const

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const actions = ACTIONS.filter(a => flags.has(a))
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete')
  const action = actions[0]!
  if ((action === 'create' || action === 'delete' || action === 'alter') && !flags.has('topic')) throw new UsageError(`Missing required argument "[topic]"`)
  const admin = new Admin(clientProperties(flags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    switch (action) {
      case 'create': return await create(admin, flags)
      case 'list': return await list(admin, flags)
      case 'describe': return await describe(admin, flags)
      case 'delete': return await remove(admin, flags)
      case 'alter': return await alter(admin, flags)
    }
  } finally {
    await admin.close()
  }
}

async function create (admin: Admin, flags: ParsedFlags): Promise<number> {
  const name = flags.require('topic')
  const assignment = parseAssignment(flags.get('replica-assignment'))
  if (assignment !== undefined && (flags.has('partitions') || flags.has('replication-factor'))) {
    throw new UsageError('Option "[replica-assignment]" can\'t be used with option "[partitions]" or "[replication-factor]"')
  }
  const topic: NewTopic = {
    name,
    numPartitions: flags.int('partitions', -1),
    replicationFactor: flags.int('replication-factor', -1),
    replicaAssignment: assignment,
    configs: Object.fromEntries(flags.all('config').map(c => keyValue('config', c))),
  }
  const [result] = await admin.createTopics([topic])
  if (result === undefined || result.errorCode === ErrorCode.NONE) {
    process.stdout.write(`Created topic ${name}.\n`)
    return 0
  }
  if (result.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && flags.has('if-not-exists')) return 0
  return fail(result.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS ? `Topic '${name}' already exists.` : errorText(result.errorCode, result.errorMessage))
}

async function list (admin: Admin, flags: ParsedFlags): Promise<number> {
  for (const t of await matching(admin, flags)) process.stdout.write(t.name + '\n')
  return 0
}

async function describe (admin: Admin, flags: ParsedFlags): Promise<number> {
  const topics = await matching(admin, flags)
  if (topics.length === 0) return missing(flags)
  const onlyPartitions = flags.has('under-replicated-partitions') || flags.has('unavailable-partitions')
  const configs = onlyPartitions ? [] : await admin.describeConfigs(topics.map(t => ({ type: ResourceType.TOPIC, name: t.name }))).catch(() => [])
  // Kafka's TopicCommand shows the reassignments in progress, and goes on without them where it cannot list them.
  const reassignments = await admin.listPartitionReassignments().catch(() => [])
  const reassignmentOf = (topic: string, partition: number): PartitionReassignment | undefined => reassignments.find(r => r.topic === topic && r.partition === partition)
  for (const t of topics) {
    const partitions = t.partitions.filter(p => p !== undefined)
    const first = partitions[0]
    const firstMove = first === undefined ? undefined : reassignmentOf(t.name, first.partition)
    // Kafka's getReplicationFactor: during a reassignment, the replicas before it started.
    const replicationFactor = firstMove !== undefined ? firstMove.replicas.filter(r => !firstMove.addingReplicas.includes(r)).length : first?.replicas.length ?? 0
    if (!onlyPartitions) {
      const entries = configs.find(c => c.name === t.name)?.entries ?? []
      const overrides = entries.filter(e => e.source !== ConfigSource.DEFAULT_CONFIG && e.value !== null).map(e => `${e.name}=${e.value!}`)
      const topicId = t.topicId !== '' && t.topicId !== 'AAAAAAAAAAAAAAAAAAAAAA' ? `\tTopicId: ${t.topicId}` : ''
      process.stdout.write(`Topic: ${t.name}${topicId}\tPartitionCount: ${partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${overrides.join(',')}\n`)
    }
    for (const p of partitions) {
      if (flags.has('under-replicated-partitions') && p.isr.length >= p.replicas.length) continue
      if (flags.has('unavailable-partitions') && p.leader >= 0) continue
      const move = reassignmentOf(t.name, p.partition)
      const moving = move === undefined ? '' : `\tAdding Replicas: ${move.addingReplicas.join(',')}\tRemoving Replicas: ${move.removingReplicas.join(',')}`
      const offline = p.offlineReplicas.length > 0 ? `\tOffline: ${p.offlineReplicas.join(',')}` : ''
      process.stdout.write(`\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leader >= 0 ? p.leader : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}${moving}${offline}\n`)
    }
  }
  return 0
}

async function remove (admin: Admin, flags: ParsedFlags): Promise<number> {
  const topics = await matching(admin, flags)
  if (topics.length === 0) return missing(flags)
  const results = await admin.deleteTopics(topics.map(t => t.name))
  const failed = results.filter(r => r.errorCode !== ErrorCode.NONE)
  for (const r of failed) process.stderr.write(`Error while executing topic command : ${r.name}: ${errorText(r.errorCode, r.errorMessage)}\n`)
  return failed.length > 0 ? 1 : 0
}

async function alter (admin: Admin, flags: ParsedFlags): Promise<number> {
  const topics = await matching(admin, flags)
  if (topics.length === 0) return missing(flags)
  if (!flags.has('partitions')) throw new UsageError('--alter needs --partitions (topic configs are changed with kafka-configs)')
  const count = flags.int('partitions', 0)
  const assignment = parseAssignment(flags.get('replica-assignment'))
  const results = await admin.createPartitions(topics.map(t => ({
    name: t.name,
    count,
    // Kafka takes the whole assignment and sends only the new partitions' part of it
    assignments: assignment?.slice(t.partitions.length),
  })))
  const failed = results.filter(r => r.errorCode !== ErrorCode.NONE)
  for (const r of failed) process.stderr.write(`Error while executing topic command : ${r.name}: ${errorText(r.errorCode, r.errorMessage)}\n`)
  return failed.length > 0 ? 1 : 0
}

/** Topics whose whole name matches --topic as a regex (all for list without --topic). */
async function matching (admin: Admin, flags: ParsedFlags): Promise<TopicMetadata[]> {
  const pattern = flags.get('topic')
  let regex: RegExp | undefined
  try {
    regex = pattern === undefined ? undefined : new RegExp(`^(?:${pattern})$`)
  } catch (err) {
    throw new UsageError(`Option topic: '${pattern!}' is not a valid regular expression: ${(err as Error).message}`)
  }
  const all = await admin.describeTopics(null)
  return all.filter(t => (regex === undefined || regex.test(t.name)) && !(flags.has('exclude-internal') && t.isInternal))
}

function missing (flags: ParsedFlags): number {
  if (flags.has('if-exists')) return 0
  return fail(`Topic '${flags.get('topic') ?? ''}' does not exist as expected`)
}

/** "1:2,3:4": partitions separated by commas, each partition's replicas by colons. */
function parseAssignment (text: string | undefined): number[][] | undefined {
  if (text === undefined) return undefined
  return text.split(',').map((part, i) => part.split(':').map(id => {
    const n = Number(id.trim())
    if (id.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`Option replica-assignment: partition ${i} has a bad broker id '${id}'`)
    return n
  }))
}

function errorText (code: number, message: string | null): string {
  return message !== null && message !== '' ? message : errorName(code)
}

function fail (message: string): number {
  process.stderr.write(`Error while executing topic command : ${message}\n`)
  return 1
}

if (isMain(import.meta.url)) runTool(tool, main)
