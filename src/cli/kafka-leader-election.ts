/**
 * kafka-leader-election: preferred leader election on request, with Kafka's LeaderElectionCommand
 * flags and output. Unclean election on demand is not offered (the broker refuses it): set
 * unclean.leader.election.enable on the topic instead.
 */
import { UsageError } from '../errors.js'
import { Admin } from '../client/admin.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ToolSpec } from './flags.js'
import { readFileSync } from 'node:fs'

export const tool: ToolSpec = {
  name: 'kafka-leader-election',
  summary: 'This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: host:port', description: 'A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.' },
    { name: 'admin.config', arg: 'String: config file', description: 'Configuration properties files to pass to the admin client' },
    { name: 'election-type', arg: 'ElectionType', description: 'Type of election to attempt. Possible values are "preferred" for preferred leader election or "unclean" for unclean leader election.' },
    { name: 'topic', arg: 'String: topic name', description: 'Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified.' },
    { name: 'partition', arg: 'Integer: partition id', description: 'Partition id for which to perform an election. REQUIRED if --topic is specified.' },
    { name: 'all-topic-partitions', description: 'Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag).' },
    { name: 'path-to-json-file', arg: 'String: Path to JSON file', description: 'The JSON file with the list of partition for which leader elections should be performed: {"partitions": [{"topic": "foo", "partition": 1}]}' },
  ],
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const type = flags.require('election-type').toLowerCase()
  if (type === 'unclean') throw new UsageError('Option election-type: unclean election on demand is not supported; set unclean.leader.election.enable on the topic')
  if (type !== 'preferred') throw new UsageError(`Option election-type: '${type}' is not one of preferred, unclean`)
  const sources = ['topic', 'all-topic-partitions', 'path-to-json-file'].filter(f => flags.has(f))
  if (sources.length !== 1) throw new UsageError('One and only one of the following options is required: --topic, --all-topic-partitions, --path-to-json-file')
  let partitions: Array<{ topic: string, partition: number }> | null = null
  if (flags.has('topic')) partitions = [{ topic: flags.require('topic'), partition: flags.int('partition', -1) }]
  if (flags.has('topic') && !flags.has('partition')) throw new UsageError('Missing required argument "[partition]"')
  if (flags.has('path-to-json-file')) partitions = (JSON.parse(readFileSync(flags.require('path-to-json-file'), 'utf8')) as { partitions: Array<{ topic: string, partition: number }> }).partitions
  const admin = new Admin(clientProperties(flags, { fileFlag: 'admin.config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    const results = await admin.electPreferredLeaders(partitions)
    const name = (r: { topic: string, partition: number }): string => `${r.topic}-${r.partition}`
    const done = results.filter(r => r.errorCode === ErrorCode.NONE)
    const notNeeded = results.filter(r => r.errorCode === ErrorCode.ELECTION_NOT_NEEDED)
    const failed = results.filter(r => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED)
    if (done.length > 0) process.stdout.write(`Successfully completed leader election (PREFERRED) for partitions ${done.map(name).join(', ')}\n`)
    if (notNeeded.length > 0) process.stdout.write(`Valid replica already elected for partitions ${notNeeded.map(name).join(', ')}\n`)
    if (failed.length > 0) {
      process.stdout.write(`Error completing leader election (PREFERRED) for partitions: ${failed.map(name).join(', ')}\n`)
      for (const f of failed) process.stderr.write(`Error completing leader election (PREFERRED) for partition: ${name(f)}: ${f.errorMessage ?? errorName(f.errorCode)}\n`)
      return 1
    }
    return 0
  } finally {
    await admin.close()
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
