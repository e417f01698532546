/**
 * kafka-reassign-partitions: moves partitions between brokers with Kafka's ReassignPartitionsCommand
 * flags, JSON files and output: --generate proposes a layout (rack-aware unless
 * --disable-rack-aware), --execute starts it (optionally throttled), --verify follows it and clears
 * the throttles once nothing moves any more, --cancel reverts, --list shows what is moving. Bad
 * flags and files are refused before anything changes; a refusal from the cluster is printed on
 * stdout with a non-zero exit, as Kafka's TerseException is.
 */
import { UsageError } from '../errors.js'
import { Admin, type TopicPartition } from '../client/admin.js'
import { AlterConfigOp, ResourceType, type ConfigResource, type ConfigChange } from '../client/config-admin.js'
import type { PartitionReassignment } from '../client/replica-admin.js'
import { assignReplicasToBrokers, ReplicaAssignmentError } from '../cluster/replica-assignment.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, readFlagFile, runTool, type ParsedFlags, type ToolSpec } from './flags.js'
import { compareTopicPartitions, formatReassignmentJson, parseReassignmentJson, parseTopicsJson, type PartitionReplicas } from './reassignment-json-file.js'

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const
type Action = (typeof ACTIONS)[number]

/** Kafka's requiredArgs and permittedArgs per action. */
const REQUIRED: Record<Action, string[]> = {
  generate: ['topics-to-move-json-file', 'broker-list'],
  execute: ['reassignment-json-file'],
  verify: ['reassignment-json-file'],
  cancel: ['reassignment-json-file'],
  list: [],
}
const PERMITTED: Record<Action, string[]> = {
  generate: ['bootstrap-server', 'command-config', 'disable-rack-aware'],
  execute: ['bootstrap-server', 'command-config', 'additional', 'throttle', 'replica-alter-log-dirs-throttle', 'timeout'],
  verify: ['bootstrap-server', 'command-config', 'preserve-throttles'],
  cancel: ['bootstrap-server', 'command-config', 'preserve-throttles', 'timeout'],
  list: ['bootstrap-server', 'command-config'],
}

const BROKER_LEVEL_THROTTLES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second']
const TOPIC_LEVEL_THROTTLES = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas']

const CANNOT_EXECUTE_BECAUSE_OF_EXISTING = 'Cannot execute because there is an existing partition assignment.  Use --additional to override this and ' +
  'create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.'
const RUN_VERIFY_PERIODICALLY = 'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.'

export const tool: ToolSpec = {
  name: 'kafka-reassign-partitions',
  summary: 'This tool helps to move topic partitions between replicas.',
  flags: [
    { name: 'verify', description: 'Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed' },
    { name: 'generate', description: 'Generate a candidate partition reassignment configuration. Note that this only generates a candidate assignment, it does not execute it.' },
    { name: 'execute', description: 'Kick off the reassignment as specified by the --reassignment-json-file option.' },
    { name: 'cancel', description: 'Cancel an active reassignment.' },
    { name: 'list', description: 'List all active partition reassignments.' },
    { name: 'bootstrap-server', arg: 'String: Server(s) to use for bootstrapping', description: 'REQUIRED: the server(s) to use for bootstrapping.' },
    { name: 'command-config', arg: 'String: Admin client property file', description: 'Property file containing configs to be passed to Admin Client.' },
    { name: 'reassignment-json-file', arg: 'String: manual assignment json file path', description: 'The JSON file with the partition reassignment configurationThe format to use is - {"partitions": [{"topic": "foo", "partition": 1, "replicas": [1,2,3], "log_dirs": ["dir1","dir2","dir3"] }], "version":1 } Note that "log_dirs" is optional. When it is specified, its length must equal the length of the replicas list. The value in this list can be either "any" or the absolution path of the log directory on the broker.' },
    { name: 'topics-to-move-json-file', arg: 'String: topics to reassign json file path', description: 'Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - {"topics": [{"topic": "foo"},{"topic": "foo1"}], "version":1 }' },
    { name: 'broker-list', arg: 'String: brokerlist', description: 'The list of brokers to which the partitions need to be reassigned in the form "0,1,2". This is required if --topics-to-move-json-file is used to generate reassignment configuration' },
    { name: 'disable-rack-aware', description: 'Disable rack aware replica assignment' },
    { name: 'throttle', arg: 'Long: throttle', description: 'The movement of partitions between brokers will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s. (default: -1)' },
    { name: 'replica-alter-log-dirs-throttle', arg: 'Long: replicaAlterLogDirsThrottle', description: 'The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s. (default: -1)' },
    { name: 'timeout', arg: 'Long: timeout', description: 'The maximum time in ms to wait for log directory replica assignment to begin. (default: 10000)' },
    { name: 'additional', description: 'Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the throttle of an ongoing reassignment.' },
    { name: 'preserve-throttles', description: 'Do not modify broker or topic throttles.' },
  ],
}

/** A refusal Kafka prints on stdout before exiting 1 (its TerseException). */
class TerseError extends Error {}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const action = validateFlags(flags)
  // Files are read and checked before any connection: a bad one changes nothing.
  const admin = new Admin({ 'client.id': 'reassign-partitions-tool', ...clientProperties(flags, { fileFlag: 'command-config' }) })
  warnUnknownKeys(admin.unknownKeys)
  try {
    switch (action) {
      case 'generate': await generate(admin, parseTopicsJson('topics-to-move-json-file', readFlagFile('topics-to-move-json-file', flags.require('topics-to-move-json-file'))), brokerList(flags.require('broker-list')), !flags.has('disable-rack-aware')); break
      case 'execute': await execute(admin, flags, parseReassignmentJson('reassignment-json-file', readFlagFile('reassignment-json-file', flags.require('reassignment-json-file')), true)); break
      case 'verify': await verify(admin, parseReassignmentJson('reassignment-json-file', readFlagFile('reassignment-json-file', flags.require('reassignment-json-file')), false), flags.has('preserve-throttles')); break
      case 'cancel': await cancel(admin, parseReassignmentJson('reassignment-json-file', readFlagFile('reassignment-json-file', flags.require('reassignment-json-file')), false), flags.has('preserve-throttles')); break
      case 'list': process.stdout.write(currentReassignmentsText(await admin.listPartitionReassignments()) + '\n'); break
    }
    return 0
  } catch (err) {
    if (!(err instanceof TerseError)) throw err
    process.stdout.write(err.message + '\n')
    return 1
  } finally {
    await admin.close()
  }
}

/** Kafka's validateAndParseArgs: exactly one action, its required flags, and no flag it does not take. */
function validateFlags (flags: ParsedFlags): Action {
  const actions = ACTIONS.filter(a => flags.has(a))
  if (actions.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map(a => `--${a}`).join(', ')}`)
  const action = actions[0]!
  if (!flags.has('bootstrap-server')) throw new UsageError('Please specify either --bootstrap-server or --bootstrap-controller')
  for (const required of REQUIRED[action]) flags.require(required)
  for (const spec of tool.flags) {
    if (flags.has(spec.name) && spec.name !== action && !REQUIRED[action].includes(spec.name) && !PERMITTED[action].includes(spec.name)) {
      throw new UsageError(`Option "[${spec.name}]" can't be used with action "[${action}]"`)
    }
  }
  for (const name of ['throttle', 'replica-alter-log-dirs-throttle', 'timeout']) flags.int(name, -1)
  return action
}

function brokerList (text: string): number[] {
  const ids = text.split(',').map(s => {
    const id = Number(s.trim())
    if (s.trim() === '' || !Number.isInteger(id) || id < 0) throw new UsageError(`Option broker-list: '${s}' is not a broker id`)
    return id
  })
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i)
  if (repeated.length > 0) throw new UsageError(`Option broker-list: Broker list contains duplicate entries: [${[...new Set(repeated)].join(', ')}]`)
  return ids
}

/** --generate: each topic's partitions spread over the listed brokers with its replication factor (Kafka's calculateAssignment). */
async function generate (admin: Admin, topics: string[], brokerIds: number[], rackAware: boolean): Promise<void> {
  const current = await currentAssignment(admin, topics)
  const nodes = (await admin.describeCluster()).brokers.filter(b => brokerIds.includes(b.nodeId))
  const brokers = nodes.map(b => ({ id: b.nodeId, rack: rackAware ? b.rack : null }))
  const rackless = brokers.filter(b => b.rack === null).length
  if (rackAware && rackless !== 0 && rackless !== brokers.length) {
    throw new TerseError('Error: Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.')
  }
  const proposed: PartitionReplicas[] = []
  for (const topic of topics) {
    const partitions = current.filter(p => p.topic === topic)
    try {
      for (const [partition, replicas] of assignReplicasToBrokers(brokers, partitions.length, partitions[0]?.replicas.length ?? 1)) proposed.push({ topic, partition, replicas })
    } catch (err) {
      if (err instanceof ReplicaAssignmentError) throw new TerseError(`Error: ${err.message}`)
      throw err
    }
  }
  process.stdout.write(`Current partition replica assignment\n${formatReassignmentJson(current)}\n\n`)
  process.stdout.write(`Proposed partition reassignment configuration\n${formatReassignmentJson(proposed)}\n`)
}

/** --execute: prints the current layout (for a rollback), sets the throttles, starts the moves. */
async function execute (admin: Admin, flags: ParsedFlags, proposed: PartitionReplicas[]): Promise<void> {
  const ongoing = await admin.listPartitionReassignments()
  if (!flags.has('additional') && ongoing.length > 0) throw new TerseError(CANNOT_EXECUTE_BECAUSE_OF_EXISTING)
  const nodes = new Set((await admin.describeCluster()).brokers.map(b => b.nodeId))
  const unknown = proposed.flatMap(p => p.replicas).find(id => !nodes.has(id))
  if (unknown !== undefined) throw new TerseError(`Error: Unknown broker id ${unknown}`)
  const current = await currentAssignment(admin, [...new Set(proposed.map(p => p.topic))])
  const missing = proposed.filter(p => !current.some(c => c.topic === p.topic && c.partition === p.partition))
  if (missing.length > 0) throw new TerseError(`Error: Unable to find partition: ${missing.map(tpName).join(', ')}`)
  const moving = current.filter(c => proposed.some(p => p.topic === c.topic && p.partition === c.partition))
  process.stdout.write(`Current partition replica assignment\n\n${formatReassignmentJson(moving)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`)

  const throttle = flags.int('throttle', -1)
  const logDirThrottle = flags.int('replica-alter-log-dirs-throttle', -1)
  if (throttle >= 0 || logDirThrottle >= 0) {
    process.stdout.write(RUN_VERIFY_PERIODICALLY + '\n')
    if (throttle >= 0) await setReassignmentThrottle(admin, moveMap(ongoing, proposed, current), throttle)
    // Kafka sets it on the brokers whose replicas move between log dirs; none can here (log_dirs are "any").
    if (logDirThrottle >= 0) process.stdout.write(`The replica-alter-dir throttle limit was set to ${logDirThrottle} B/s\n`)
  }
  const results = await admin.alterPartitionReassignments(proposed.map(p => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })))
  const errors = results.filter(r => r.errorCode !== ErrorCode.NONE).sort(compareTopicPartitions)
  if (errors.length > 0) throw new TerseError(`Error reassigning partition(s):\n${errors.map(e => `${tpName(e)}: ${e.errorMessage ?? errorName(e.errorCode)}`).join('\n')}`)
  process.stdout.write(`Successfully started partition reassignment${proposed.length === 1 ? '' : 's'} for ${[...proposed].sort(compareTopicPartitions).map(tpName).join(',')}\n`)
}

/** --verify: each partition's state; with nothing moving in the cluster any more, the throttles go. */
async function verify (admin: Admin, targets: PartitionReplicas[], preserveThrottles: boolean): Promise<void> {
  const ongoing = await admin.listPartitionReassignments()
  const current = await currentAssignment(admin, [...new Set(targets.filter(t => !isMoving(ongoing, t)).map(t => t.topic))], false)
  const lines = ['Status of partition reassignment:']
  for (const t of [...targets].sort(compareTopicPartitions)) {
    if (isMoving(ongoing, t)) {
      lines.push(`Reassignment of partition ${tpName(t)} is still in progress.`)
      continue
    }
    const replicas = current.find(c => c.topic === t.topic && c.partition === t.partition)?.replicas ?? []
    if (replicas.join(',') === t.replicas.join(',')) lines.push(`Reassignment of partition ${tpName(t)} is completed.`)
    else lines.push(`There is no active reassignment of partition ${tpName(t)}, but replica set is ${replicas.join(',')} rather than ${t.replicas.join(',')}.`)
  }
  // Kafka then prints the log dir moves' states: none here, hence an empty line.
  process.stdout.write(lines.join('\n') + '\n\n')
  if (ongoing.length === 0 && !preserveThrottles) await clearAllThrottles(admin, targets)
}

/** --cancel: reverts the listed reassignments that are in progress, then clears the throttles. */
async function cancel (admin: Admin, targets: PartitionReplicas[], preserveThrottles: boolean): Promise<void> {
  const active = (await admin.listPartitionReassignments(targets.map(t => ({ topic: t.topic, partition: t.partition }))))
    .filter(r => r.addingReplicas.length > 0 || r.removingReplicas.length > 0).sort(compareTopicPartitions)
  if (active.length > 0) {
    const results = await admin.alterPartitionReassignments(active.map(r => ({ topic: r.topic, partition: r.partition, replicas: null })))
    const errors = results.filter(r => r.errorCode !== ErrorCode.NONE).sort(compareTopicPartitions)
    if (errors.length > 0) throw new TerseError(`Error cancelling partition reassignment${errors.length === 1 ? '' : 's'} for:\n${errors.map(e => `${tpName(e)}: ${e.errorMessage ?? errorName(e.errorCode)}`).join('\n')}`)
    process.stdout.write(`Successfully cancelled partition reassignment${active.length === 1 ? '' : 's'} for: ${active.map(tpName).join(',')}\n`)
  } else process.stdout.write('None of the specified partition reassignments are active.\n')
  // Kafka prints this without a line break; the throttle lines follow on the same line.
  process.stdout.write('None of the specified partition moves are active.')
  if (!preserveThrottles) await clearAllThrottles(admin, targets)
}

/** Kafka's curReassignmentsToString. */
function currentReassignmentsText (ongoing: PartitionReassignment[]): string {
  if (ongoing.length === 0) return 'No partition reassignments found.'
  const lines = [...ongoing].sort(compareTopicPartitions).map(r =>
    `${tpName(r)}: replicas: ${r.replicas.join(',')}.${r.addingReplicas.length > 0 ? ` adding: ${r.addingReplicas.join(',')}.` : ''}${r.removingReplicas.length > 0 ? ` removing: ${r.removingReplicas.join(',')}.` : ''}`)
  return `Current partition reassignments:\n${lines.join('\n')}`
}

/** The replicas of every partition of these topics; a topic that does not exist is an error (with `required`) or has none. */
async function currentAssignment (admin: Admin, topics: string[], required = true): Promise<PartitionReplicas[]> {
  if (topics.length === 0) return []
  const out: PartitionReplicas[] = []
  for (const t of await admin.describeTopics(topics)) {
    if (t.errorCode !== ErrorCode.NONE) {
      if (required) throw new TerseError(`Error: Topic ${t.name} not found.`)
      continue
    }
    for (const p of t.partitions) out.push({ topic: t.name, partition: p.partition, replicas: p.replicas })
  }
  return out
}

interface PartitionMove { sources: Set<number>, destinations: Set<number> }

/**
 * Kafka's calculateProposedMoveMap: per topic and partition, the replicas data is copied from
 * (the current ones, or the origin of a reassignment in progress) and the replicas it goes to.
 */
function moveMap (ongoing: PartitionReassignment[], proposed: PartitionReplicas[], current: PartitionReplicas[]): Map<string, Map<number, PartitionMove>> {
  const moves = new Map<string, Map<number, PartitionMove>>()
  const put = (topic: string, partition: number, move: PartitionMove): void => {
    if (!moves.has(topic)) moves.set(topic, new Map())
    moves.get(topic)!.set(partition, move)
  }
  for (const r of ongoing) put(r.topic, r.partition, { sources: new Set(r.replicas.filter(x => !r.addingReplicas.includes(x))), destinations: new Set(r.addingReplicas) })
  for (const p of proposed) {
    const sources = moves.get(p.topic)?.get(p.partition)?.sources ?? new Set(current.find(c => c.topic === p.topic && c.partition === p.partition)?.replicas ?? [])
    put(p.topic, p.partition, { sources, destinations: new Set(p.replicas.filter(r => !sources.has(r))) })
  }
  return moves
}

/**
 * Kafka's modifyReassignmentThrottle: per topic, the moving partitions' source replicas are
 * throttled as leaders and their new replicas as followers; every broker involved gets the rate.
 */
async function setReassignmentThrottle (admin: Admin, moves: Map<string, Map<number, PartitionMove>>, rate: number): Promise<void> {
  const topicChanges = [...moves].map(([topic, parts]) => {
    const leader = new Set<string>()
    const follower = new Set<string>()
    for (const [partition, move] of parts) {
      for (const s of move.sources) leader.add(`${partition}:${s}`)
      for (const d of move.destinations) follower.add(`${partition}:${d}`)
    }
    return {
      resource: { type: ResourceType.TOPIC, name: topic },
      changes: [
        { name: 'leader.replication.throttled.replicas', op: AlterConfigOp.SET, value: [...leader].sort().join(',') },
        { name: 'follower.replication.throttled.replicas', op: AlterConfigOp.SET, value: [...follower].sort().join(',') },
      ],
    }
  })
  await alterConfigs(admin, topicChanges)
  const brokers = new Set<number>()
  for (const parts of moves.values()) for (const move of parts.values()) for (const id of [...move.sources, ...move.destinations]) brokers.add(id)
  await alterConfigs(admin, [...brokers].sort((a, b) => a - b).map(id => ({
    resource: { type: ResourceType.BROKER, name: String(id) },
    changes: ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'].map(name => ({ name, op: AlterConfigOp.SET, value: String(rate) })),
  })))
  process.stdout.write(`The inter-broker throttle limit was set to ${rate} B/s\n`)
}

/** Kafka's clearAllThrottles: the rates on every broker (and any in the file), the replica lists on the file's topics. */
async function clearAllThrottles (admin: Admin, targets: PartitionReplicas[]): Promise<void> {
  const brokers = new Set((await admin.describeCluster()).brokers.map(b => b.nodeId))
  for (const t of targets) for (const r of t.replicas) brokers.add(r)
  const brokerIds = [...brokers].sort((a, b) => a - b)
  process.stdout.write(`Clearing broker-level throttles on broker${brokerIds.length === 1 ? '' : 's'} ${brokerIds.join(',')}\n`)
  await alterConfigs(admin, brokerIds.map(id => ({ resource: { type: ResourceType.BROKER, name: String(id) }, changes: deletions(BROKER_LEVEL_THROTTLES) })))
  const topics = [...new Set(targets.map(t => t.topic))].sort()
  process.stdout.write(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`)
  await alterConfigs(admin, topics.map(name => ({ resource: { type: ResourceType.TOPIC, name }, changes: deletions(TOPIC_LEVEL_THROTTLES) })))
}

function deletions (names: string[]): ConfigChange[] {
  return names.map(name => ({ name, op: AlterConfigOp.DELETE, value: null }))
}

async function alterConfigs (admin: Admin, changes: Array<{ resource: ConfigResource, changes: ConfigChange[] }>): Promise<void> {
  if (changes.length === 0) return
  const failed = (await admin.incrementalAlterConfigs(changes)).filter(r => r.errorCode !== ErrorCode.NONE)
  if (failed.length > 0) throw new TerseError(`Error: ${failed.map(f => `${f.name}: ${f.errorMessage ?? errorName(f.errorCode)}`).join('; ')}`)
}

function isMoving (ongoing: PartitionReassignment[], tp: TopicPartition): boolean {
  return ongoing.some(r => r.topic === tp.topic && r.partition === tp.partition)
}

function tpName (tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`
}

if (isMain(import.meta.url)) runTool(tool, main)
