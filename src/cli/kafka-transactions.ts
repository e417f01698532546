/**
 * kafka-transactions: Kafka's TransactionsCommand. Global flags (--bootstrap-server,
 * --command-config) come before the command, the command's own after it, as argparse4j takes them:
 *
 *   list [--duration-filter MS]
 *   describe --transactional-id ID
 *   describe-producers --topic T --partition P [--broker-id B]
 *   abort --topic T --partition P (--start-offset O | --producer-id I --producer-epoch E --coordinator-epoch C)
 *   find-hanging (--broker-id B | --topic T [--partition P]) [--max-transaction-timeout MIN]
 *
 * Output is Kafka's table (ToolsUtils.prettyPrintTable: each cell padded to its column, then a tab);
 * a failure is Kafka's one line on stderr and exit 1. docs/transactions.md has an example.
 */
import { Admin, type TopicPartitionRef } from '../client/admin.js'
import type { AbortTransactionSpec, PartitionProducerState, ProducerState, TransactionDescription } from '../client/transaction-admin.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { describeError } from '../client/kafka-client.js'
import { UsageError } from '../errors.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { HelpRequested, helpText, isMain, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-transactions',
  summary: 'This tool is used to analyze the transactional state of producers in the cluster. It can be used to detect and recover from hanging transactions.\n' +
    'Commands: list, describe, describe-producers, abort, find-hanging (`kafka-transactions --bootstrap-server HOST:PORT COMMAND --help` for each).',
  flags: [
    { name: 'bootstrap-server', arg: 'host:port', description: 'REQUIRED: hostname and port for the broker to connect to, in the form `host:port` (multiple comma-separated entries can be given)' },
    { name: 'command-config', arg: 'FILE', description: 'property file containing configs to be passed to admin client' },
  ],
}

/** A command's spec and what it does: its table, for stdout. */
interface Command {
  spec: ToolSpec
  run: (admin: Admin, flags: ParsedFlags) => Promise<string>
}

/** Kafka's printErrorAndExit: the line for stderr; the tool exits 1. */
class CommandFailed extends Error {}

function fail (message: string, cause?: unknown): never {
  throw new CommandFailed(cause === undefined ? message : `${message}: ${(cause as Error).message ?? String(cause)}. Enable debug logging for additional detail.`)
}

/** The call's answer, or the failure named `message` with its cause. */
async function attempt<T> (message: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof CommandFailed) throw err
    return fail(message, err)
  }
}

const topicFlag = { name: 'topic', arg: 'String', description: 'topic name' }
const partitionFlag = { name: 'partition', arg: 'Integer', description: 'partition number' }

/** ToolsUtils.prettyPrintTable: every cell padded to its column's widest, each followed by a tab. */
export function prettyPrintTable (headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  return [headers, ...rows].map(r => r.map((cell, i) => cell.padEnd(widths[i]!) + '\t').join('') + '\n').join('')
}

const tp = (p: TopicPartitionRef): string => `${p.topic}-${p.partition}`
/** Java's OptionalLong / OptionalInt of the admin results: -1 is empty. */
const optional = (n: number, none: string): string => n < 0 ? none : String(n)

function intFlag (flags: ParsedFlags, name: string): number | undefined {
  return flags.has(name) ? flags.int(name, 0) : undefined
}

function requiredInt (flags: ParsedFlags, name: string): number {
  flags.require(name)
  return flags.int(name, 0)
}

const list: Command = {
  spec: {
    name: 'kafka-transactions list',
    summary: 'list transactions',
    flags: [{ name: 'duration-filter', arg: 'Long', description: 'Duration (in millis) to filter by: if < 0, all transactions will be returned; otherwise, only transactions running longer than this duration will be returned' }],
  },
  async run (admin, flags) {
    const byBroker = await attempt('Failed to list transactions', async () => await admin.listTransactions({ durationMs: intFlag(flags, 'duration-filter') }))
    const rows = [...byBroker].sort(([a], [b]) => a - b).flatMap(([brokerId, listings]) => listings.map(l => [l.transactionalId, String(brokerId), String(l.producerId), l.state]))
    return prettyPrintTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows)
  },
}

const describe: Command = {
  spec: {
    name: 'kafka-transactions describe',
    summary: 'Describe the state of an active transactional-id.',
    flags: [{ name: 'transactional-id', arg: 'String', description: 'REQUIRED: transactional id' }],
  },
  async run (admin, flags) {
    const transactionalId = flags.require('transactional-id')
    const failure = `Failed to describe transaction state of transactional-id \`${transactionalId}\``
    const d = (await attempt(failure, async () => await admin.describeTransactions([transactionalId])))[0]!
    if (d.errorCode !== ErrorCode.NONE) fail(failure, describeFailure(d.errorCode))
    const started = d.transactionStartTimeMs >= 0
    return prettyPrintTable(
      ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
      [[String(d.coordinatorId), transactionalId, String(d.producerId), String(d.producerEpoch), d.state, String(d.transactionTimeoutMs),
        started ? String(d.transactionStartTimeMs) : 'None', started ? String(Date.now() - d.transactionStartTimeMs) : 'None', d.topicPartitions.map(tp).join(',')]],
    )
  },
}

const describeProducers: Command = {
  spec: {
    name: 'kafka-transactions describe-producers',
    summary: 'describe the states of active producers for a topic partition',
    flags: [
      { name: 'broker-id', arg: 'Integer', description: 'optional broker id to describe the producer state on a specific replica' },
      { ...topicFlag, description: 'REQUIRED: topic name' },
      { ...partitionFlag, description: 'REQUIRED: partition number' },
    ],
  },
  async run (admin, flags) {
    const partition = { topic: flags.require('topic'), partition: requiredInt(flags, 'partition') }
    const brokerId = intFlag(flags, 'broker-id')
    const failure = `Failed to describe producers for partition ${tp(partition)} on ${brokerId === undefined ? 'leader' : `broker ${brokerId}`}`
    const result = await producerState(admin, partition, failure, brokerId)
    return prettyPrintTable(
      ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
      result.activeProducers.map(p => [String(p.producerId), String(p.producerEpoch), String(p.coordinatorEpoch), String(p.lastSequence), String(p.lastTimestamp), optional(p.currentTransactionStartOffset, 'None')]),
    )
  },
}

const abort: Command = {
  spec: {
    name: 'kafka-transactions abort',
    summary: 'abort a hanging transaction (requires administrative privileges). For brokers on versions 3.0 and above only the start offset of the transaction to be aborted is required; for older brokers, --producer-id, --producer-epoch and --coordinator-epoch.',
    flags: [
      { ...topicFlag, description: 'REQUIRED: topic name' },
      { ...partitionFlag, description: 'REQUIRED: partition number' },
      { name: 'start-offset', arg: 'Long', description: 'start offset of the transaction to abort' },
      { name: 'producer-id', arg: 'Long', description: 'producer id' },
      { name: 'producer-epoch', arg: 'Short', description: 'producer epoch' },
      { name: 'coordinator-epoch', arg: 'Integer', description: 'coordinator epoch' },
    ],
  },
  async run (admin, flags) {
    const partition = { topic: flags.require('topic'), partition: requiredInt(flags, 'partition') }
    const startOffset = intFlag(flags, 'start-offset')
    const producerId = intFlag(flags, 'producer-id')
    if (startOffset === undefined && producerId === undefined) {
      fail('The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)')
    }
    let spec: AbortTransactionSpec
    if (startOffset === undefined) {
      const producerEpoch = intFlag(flags, 'producer-epoch') ?? fail('Missing required argument --producer-epoch')
      const coordinatorEpoch = intFlag(flags, 'coordinator-epoch') ?? fail('Missing required argument --coordinator-epoch')
      // TransactionsCommand: a producer hanging before its first marker shows coordinator epoch -1;
      // 0 is no greater than any coordinator epoch the partition may have seen since.
      spec = { ...partition, producerId: producerId!, producerEpoch, coordinatorEpoch: Math.max(coordinatorEpoch, 0) }
    } else {
      const state = await producerState(admin, partition, `Failed to validate producer state for partition ${tp(partition)}`)
      const producer = state.activeProducers.find(p => p.currentTransactionStartOffset >= 0 && p.currentTransactionStartOffset === startOffset) ??
        fail(`Could not find any open transactions starting at offset ${startOffset} on partition ${tp(partition)}`)
      spec = { ...partition, producerId: producer.producerId, producerEpoch: producer.producerEpoch, coordinatorEpoch: Math.max(producer.coordinatorEpoch, 0) }
    }
    await attempt(`Failed to abort transaction AbortTransactionSpec(topicPartition=${tp(spec)}, producerId=${spec.producerId}, producerEpoch=${spec.producerEpoch}, coordinatorEpoch=${spec.coordinatorEpoch})`, async () => await admin.abortTransaction(spec))
    return ''
  },
}

/** Kafka's FindHangingTransactionsCommand.MAX_BATCH_SIZE: partitions (and topics) per request. */
const MAX_BATCH_SIZE = 500

interface OpenTransaction { partition: TopicPartitionRef, producer: ProducerState }

const findHanging: Command = {
  spec: {
    name: 'kafka-transactions find-hanging',
    summary: 'find hanging transactions',
    flags: [
      { name: 'broker-id', arg: 'Integer', description: 'broker id to search for hanging transactions' },
      { name: 'max-transaction-timeout', arg: 'Integer', description: 'maximum transaction timeout in minutes to limit the scope of the search (15 minutes by default)' },
      { ...topicFlag, description: 'topic name to limit search to (required if --partition is specified)' },
      partitionFlag,
    ],
  },
  async run (admin, flags) {
    const brokerId = intFlag(flags, 'broker-id')
    const topic = flags.get('topic')
    if (topic === undefined && brokerId === undefined) fail('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search')
    const partition = intFlag(flags, 'partition')
    if (partition !== undefined && topic === undefined) fail('The --partition argument requires --topic to be provided')
    const maxTransactionTimeoutMs = flags.int('max-transaction-timeout', 15) * 60_000

    // The partitions to search: the one named, the topic's, or every topic's (internal ones too); with --broker-id, those it has a replica of.
    let partitions: TopicPartitionRef[] = []
    if (topic !== undefined && partition !== undefined) partitions = [{ topic, partition }]
    else {
      const topics = topic !== undefined ? [topic] : await attempt('Failed to list topics', async () => await admin.listTopics({ includeInternal: true }))
      for (let i = 0; i < topics.length; i += MAX_BATCH_SIZE) {
        const batch = topics.slice(i, i + MAX_BATCH_SIZE)
        await attempt(`Failed to describe ${batch.length} topics`, async () => {
          for (const t of await admin.describeTopics(batch)) {
            if (t.errorCode !== ErrorCode.NONE) throw describeFailure(t.errorCode)
            for (const p of t.partitions) if (brokerId === undefined || p.replicas.includes(brokerId)) partitions.push({ topic: t.name, partition: p.partition })
          }
        })
      }
    }

    // Candidates: open transactions whose producer has written nothing for longer than the largest timeout.
    const candidates: OpenTransaction[] = []
    const now = Date.now()
    for (let i = 0; i < partitions.length; i += MAX_BATCH_SIZE) {
      const batch = partitions.slice(i, i + MAX_BATCH_SIZE)
      // Kafka prints the Optional it holds
      await attempt(`Failed to describe producers for ${batch.length} partitions on broker ${brokerId === undefined ? 'Optional.empty' : `Optional[${brokerId}]`}`, async () => {
        for (const state of await admin.describeProducers(batch, { brokerId })) {
          if (state.errorCode !== ErrorCode.NONE) throw describeFailure(state.errorCode, state.errorMessage)
          for (const producer of state.activeProducers) {
            if (producer.currentTransactionStartOffset >= 0 && now - producer.lastTimestamp > maxTransactionTimeoutMs) candidates.push({ partition: state, producer })
          }
        }
      })
    }

    // Hanging: no transactional id has the producer id any more, or its coordinator's transaction does not include the partition.
    let hanging: OpenTransaction[] = []
    if (candidates.length > 0) {
      const producerIds = [...new Set(candidates.map(c => c.producer.producerId))]
      const transactionalIds = new Map<number, string>()
      const listed = await attempt(`Failed to list transactions for ${producerIds.length} producers`, async () => await admin.listTransactions({ producerIds }))
      for (const listings of listed.values()) {
        for (const l of listings) if (producerIds.includes(l.producerId)) transactionalIds.set(l.producerId, l.transactionalId)
      }
      const ids = [...new Set(transactionalIds.values())]
      const descriptions = new Map<string, TransactionDescription>()
      for (const d of await attempt(`Failed to describe ${ids.length} transactions`, async () => await admin.describeTransactions(ids))) {
        if (d.errorCode === ErrorCode.NONE) descriptions.set(d.transactionalId, d)
        else if (d.errorCode !== ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) fail(`Failed to describe ${ids.length} transactions`, describeFailure(d.errorCode))
      }
      hanging = candidates.filter(c => {
        const id = transactionalIds.get(c.producer.producerId)
        const description = id === undefined ? undefined : descriptions.get(id)
        return description === undefined || !description.topicPartitions.some(p => p.topic === c.partition.topic && p.partition === c.partition.partition)
      })
    }
    return prettyPrintTable(
      ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'],
      hanging.map(({ partition: p, producer: s }) => [p.topic, String(p.partition), String(s.producerId), String(s.producerEpoch), String(s.coordinatorEpoch),
        String(s.currentTransactionStartOffset), String(s.lastTimestamp), String(Math.floor((now - s.lastTimestamp) / 60_000))]),
    )
  },
}

const COMMANDS = new Map<string, Command>([['list', list], ['describe', describe], ['describe-producers', describeProducers], ['abort', abort], ['find-hanging', findHanging]])

/** An error code as Kafka's printErrorAndExit shows the exception it stands for. */
function describeFailure (errorCode: number, message?: string | null): Error {
  return new Error(describeError(errorCode, message))
}

/** One partition's producer state (at the leader, or at `brokerId`), or the failure named `message`. */
async function producerState (admin: Admin, partition: TopicPartitionRef, message: string, brokerId?: number): Promise<PartitionProducerState> {
  const state = (await attempt(message, async () => await admin.describeProducers([partition], { brokerId })))[0]!
  return state.errorCode === ErrorCode.NONE ? state : fail(message, describeFailure(state.errorCode, state.errorMessage))
}

/** argv up to the command (global flags), the command, and what follows it. */
function splitAtCommand (argv: readonly string[]): { global: string[], command: string | undefined, rest: string[] } {
  const takesValue = new Set(tool.flags.filter(f => f.arg !== undefined).map(f => `--${f.name}`))
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (takesValue.has(a)) i++
    else if (!a.startsWith('-')) return { global: argv.slice(0, i), command: a, rest: argv.slice(i + 1) }
  }
  return { global: [...argv], command: undefined, rest: [] }
}

export async function main (argv: string[]): Promise<number> {
  const { global, command: name, rest } = splitAtCommand(argv)
  const globalFlags = parseFlags(tool, global, name === undefined)
  const command = name === undefined ? undefined : COMMANDS.get(name)
  if (command === undefined) throw new UsageError(name === undefined ? 'too few arguments: a command is required' : `invalid choice: '${name}' (choose from 'list', 'describe', 'describe-producers', 'abort', 'find-hanging')`)
  if (rest.includes('--help') || rest.includes('-h')) throw new HelpRequested(helpText(command.spec))
  const flags = parseFlags(command.spec, rest, false)
  const admin = new Admin(clientProperties(globalFlags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    process.stdout.write(await command.run(admin, flags))
    return 0
  } catch (err) {
    if (!(err instanceof CommandFailed)) throw err
    process.stderr.write(`${err.message}\n`)
    return 1
  } finally {
    await admin.close()
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
