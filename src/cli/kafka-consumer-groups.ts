/**
 * kafka-consumer-groups: list groups, describe them (offsets and lag, members, state), reset a
 * group's offsets and delete groups, with Kafka's ConsumerGroupCommand flags, messages and column
 * layout. Columns are as wide as their widest value (at least Kafka's minimums); notices that
 * Kafka prints to stderr (no active members, rebalancing, does not exist) go to stderr here too.
 */
import { UsageError } from '../errors.js'
import { errorName, ErrorCode } from '../protocol/error-codes.js'
import type { TopicPartition } from '../client/consumer.js'
import { GroupAdmin, LATEST, type GroupDescription } from '../client/group-admin.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'
import { planOffsetReset, resetRequestFromFlags, RESET_SPECS } from './offset-reset-plan.js'

export const tool: ToolSpec = {
  name: 'kafka-consumer-groups',
  summary: 'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'REQUIRED: The server(s) to connect to.' },
    { name: 'command-config', arg: 'String: command config property file', description: 'Property file containing configs to be passed to Admin Client and Consumer.' },
    { name: 'list', description: 'List all consumer groups.' },
    { name: 'describe', description: 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.' },
    { name: 'delete', description: 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2' },
    { name: 'reset-offsets', description: 'Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. You must choose one of the following reset specifications: --to-datetime, --to-earliest, --to-latest, --shift-by, --to-current, --to-offset. To define the scope use --all-topics or --topic.' },
    { name: 'group', arg: 'String: consumer group', description: 'The consumer group we wish to act on.', repeatable: true },
    { name: 'all-groups', description: 'Apply to all consumer groups.' },
    { name: 'topic', arg: 'String: topic', description: 'The topic whose consumer group information should be included in the reset offset process. Partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs.', repeatable: true },
    { name: 'all-topics', description: 'Consider all topics assigned to a group in the `reset-offsets` process.' },
    { name: 'dry-run', description: 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.' },
    { name: 'execute', description: 'Execute operation. Supported operations: reset-offsets.' },
    { name: 'to-offset', arg: 'Long: offset', description: 'Reset offsets to a specific offset.' },
    { name: 'to-earliest', description: 'Reset offsets to earliest offset.' },
    { name: 'to-latest', description: 'Reset offsets to latest offset.' },
    { name: 'to-current', description: 'Reset offsets to current offset.' },
    { name: 'to-datetime', arg: 'String: datetime', description: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'" },
    { name: 'shift-by', arg: 'Long: number-of-offsets', description: "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative." },
    { name: 'offsets', description: "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only." },
    { name: 'members', description: "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only." },
    { name: 'state', arg: 'String', bareValue: '', description: "When specified with '--describe', includes the state of the group. When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states (comma-separated)." },
    { name: 'verbose', description: "Provide additional information, if any, when describing the group. This option may be used with '--members' and '--bootstrap-server' options only." },
    { name: 'timeout', arg: 'Long: timeout (ms)', description: 'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes. (default: 5000)' },
  ],
}

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets'] as const

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const actions = ACTIONS.filter(a => flags.has(a))
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --delete, --reset-offsets')
  const action = actions[0]!
  if (action !== 'list' && !flags.has('group') && !flags.has('all-groups')) throw new UsageError(`Option [${action}] takes one of these options: [all-groups], [group]`)
  if (flags.has('dry-run') && flags.has('execute')) throw new UsageError('Option [reset-offsets] takes at most one of these options: [dry-run], [execute]')
  const timeoutMs = flags.int('timeout', 5000)
  const admin = new GroupAdmin(clientProperties(flags, {
    fileFlag: 'command-config',
    // an unreachable cluster must fail within --timeout, not after a minute of retries
    defaults: { 'default.api.timeout.ms': timeoutMs, 'request.timeout.ms': timeoutMs, 'socket.connection.setup.timeout.ms': timeoutMs },
  }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    const groups = flags.has('all-groups') ? (await admin.listGroups()).filter(g => g.protocolType === 'consumer' || g.protocolType === '').map(g => g.groupId) : flags.all('group')
    switch (action) {
      case 'list': return await list(admin, flags)
      case 'describe': return await describe(admin, groups, flags)
      case 'delete': return await remove(admin, groups)
      case 'reset-offsets': return await resetOffsets(admin, groups, flags)
    }
  } finally {
    await admin.close()
  }
}

async function list (admin: GroupAdmin, flags: ParsedFlags): Promise<number> {
  const groups = (await admin.listGroups()).filter(g => g.protocolType === 'consumer' || g.protocolType === '')
  if (!flags.has('state')) {
    for (const g of groups) console.log(g.groupId)
    return 0
  }
  const wanted = flags.require('state').split(',').map(s => s.trim().toLowerCase()).filter(s => s !== '')
  const shown = groups.filter(g => wanted.length === 0 || wanted.includes(g.state.toLowerCase()))
  printTable([['GROUP', 'STATE'], ...shown.map(g => [g.groupId, g.state])], [15, 0])
  return 0
}

async function describe (admin: GroupAdmin, groups: string[], flags: ParsedFlags): Promise<number> {
  for (const groupId of groups) {
    const d = await admin.describeGroup(groupId)
    if (flags.has('state')) {
      const coordinator = `${d.coordinator.host}:${d.coordinator.port} (${d.coordinator.nodeId})`
      console.log()
      printTable([['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [groupId, coordinator, d.assignmentStrategy, d.state, String(d.members.length)]], [15, 25, 20, 20, 0])
      continue
    }
    if (!announceState(d)) continue
    if (flags.has('members')) {
      const verbose = flags.has('verbose')
      const header = ['GROUP', 'CONSUMER-ID', ...(verbose ? ['GROUP-INSTANCE-ID'] : []), 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(verbose ? ['ASSIGNMENT'] : [])]
      const rows = [...d.members].sort((a, b) => b.assignment.length - a.assignment.length).map(m => [
        groupId, m.memberId, ...(verbose ? [m.groupInstanceId ?? '-'] : []), m.clientHost, m.clientId, String(m.assignment.length), ...(verbose ? [assignmentText(m.assignment)] : []),
      ])
      console.log()
      printTable([header, ...rows], header.map((h, i) => (i === header.length - 1 ? 0 : h === '#PARTITIONS' ? 11 : 15)))
      continue
    }
    await describeOffsets(admin, d)
  }
  return 0
}

/** Kafka's shouldPrintMemberState: whether there is anything to print, with its notices on stderr. */
function announceState (d: GroupDescription): boolean {
  if (d.state === 'Dead') {
    process.stderr.write(`\nError: Consumer group '${d.groupId}' does not exist.\n`)
    return false
  }
  if (d.state === 'Empty') process.stderr.write(`\nConsumer group '${d.groupId}' has no active members.\n`)
  if (d.state === 'PreparingRebalance' || d.state === 'CompletingRebalance') process.stderr.write(`\nWarning: Consumer group '${d.groupId}' is rebalancing.\n`)
  return true
}

async function describeOffsets (admin: GroupAdmin, d: GroupDescription): Promise<void> {
  const committed = await admin.committedOffsets(d.groupId)
  const k = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`
  const sorted = (tps: TopicPartition[]): TopicPartition[] => [...tps].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  const assigned = new Set(d.members.flatMap(m => m.assignment.map(k)))
  const unassigned = sorted([...committed.values()].filter(o => !assigned.has(k(o))))
  const logEnd = await admin.offsetsAt([...d.members.flatMap(m => m.assignment), ...unassigned], LATEST)
  const row = (tp: TopicPartition, member: string[]): string[] => {
    const current = committed.get(k(tp))?.offset
    const end = logEnd.get(k(tp))
    return [d.groupId, tp.topic, String(tp.partition), current === undefined ? '-' : String(current), end === undefined ? '-' : String(end),
      current === undefined || end === undefined ? '-' : String(end - current), ...member]
  }
  const rows: string[][] = []
  for (const m of [...d.members].sort((a, b) => b.assignment.length - a.assignment.length)) {
    const member = [m.memberId, m.clientHost, m.clientId]
    if (m.assignment.length === 0) rows.push([d.groupId, '-', '-', '-', '-', '-', ...member])
    for (const tp of sorted(m.assignment)) rows.push(row(tp, member))
  }
  for (const tp of unassigned) rows.push(row(tp, ['-', '-', '-']))
  if (rows.length === 0) return
  console.log()
  printTable([['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], ...rows], [15, 15, 10, 15, 15, 15, 15, 15, 0])
  console.log()
}

async function resetOffsets (admin: GroupAdmin, groups: string[], flags: ParsedFlags): Promise<number> {
  if (!flags.has('dry-run') && !flags.has('execute')) {
    process.stderr.write('WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n')
  }
  if (!RESET_SPECS.some(s => flags.has(s))) throw new UsageError(`Option [reset-offsets] takes one of these options: ${RESET_SPECS.map(s => `[${s}]`).join(', ')}`)
  const request = resetRequestFromFlags(flags)
  let failed = false
  for (const groupId of groups) {
    const d = await admin.describeGroup(groupId)
    if (d.state !== 'Empty' && d.state !== 'Dead') {
      process.stderr.write(`\nError: Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${d.state}.\n`)
      failed = true
      continue
    }
    const plan = await planOffsetReset(admin, groupId, request)
    if (flags.has('execute')) {
      const refused = (await admin.alterOffsets(groupId, plan)).filter(r => r.errorCode !== ErrorCode.NONE)
      for (const r of refused) process.stderr.write(`Error: resetting ${r.topic}-${r.partition} of group '${groupId}' failed: ${errorName(r.errorCode)}\n`)
      failed ||= refused.length > 0
    }
    if (plan.length > 0) {
      console.log()
      printTable([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...plan.map(p => [groupId, p.topic, String(p.partition), String(p.offset)])], [30, 30, 10, 15])
    }
  }
  return failed ? 1 : 0
}

async function remove (admin: GroupAdmin, groups: string[]): Promise<number> {
  const results = await admin.deleteGroups(groups)
  const failures = [...results].filter(([, code]) => code !== ErrorCode.NONE)
  const ok = [...results].filter(([, code]) => code === ErrorCode.NONE).map(([g]) => `'${g}'`)
  if (failures.length === 0) {
    console.log(`Deletion of requested consumer groups (${ok.join(', ')}) was successful.`)
    return 0
  }
  process.stderr.write(`Error: Deletion of some consumer groups failed:\n${failures.map(([g, code]) => `* Group '${g}' could not be deleted due to: ${deleteError(code)}`).join('\n')}\n`)
  if (ok.length > 0) console.log(`\nThese consumer groups were deleted successfully: ${ok.join(', ')}`)
  return 1
}

/** Kafka's exception text for the DeleteGroups errors a user meets. */
function deleteError (code: number): string {
  if (code === ErrorCode.NON_EMPTY_GROUP) return 'The group is not empty. (NON_EMPTY_GROUP)'
  if (code === ErrorCode.GROUP_ID_NOT_FOUND) return 'The group id does not exist. (GROUP_ID_NOT_FOUND)'
  return errorName(code)
}

/** Kafka's ASSIGNMENT column: topic(0,1,2),other(3), sorted; "-" when empty. */
function assignmentText (tps: TopicPartition[]): string {
  const byTopic = new Map<string, number[]>()
  for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
  const parts = [...byTopic].map(([t, ps]) => `${t}(${ps.sort((a, b) => a - b).join(',')})`).sort()
  return parts.length === 0 ? '-' : parts.join(',')
}

/** Left-aligned columns separated by one space, each as wide as its widest cell and at least `minWidths`; the last one unpadded. */
function printTable (rows: string[][], minWidths: number[]): void {
  const widths = minWidths.map((min, i) => Math.max(min, ...rows.map(r => r[i]?.length ?? 0)))
  for (const r of rows) console.log(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' ').trimEnd())
}

if (isMain(import.meta.url)) runTool(tool, main)
