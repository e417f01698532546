/**
 * kafka-log-dirs: each broker's log dirs and the partitions in them (Kafka's LogDirsCommand), with
 * its flags and output: two progress lines, then one JSON document,
 * {"brokers":[{"broker":0,"logDirs":[{"partitions":[{"partition":"t-0","size":0,"offsetLag":0,"isFuture":false}],"error":null,"logDir":"/tmp/kafka-logs"}]}],"version":1}.
 * A dir that failed shows the Java exception's class name as its error, as Kafka prints it.
 */
import { UsageError } from '../errors.js'
import { Admin } from '../client/admin.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-log-dirs',
  summary: 'This tool helps to query log directory usage on the specified brokers.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: The server(s) to use for bootstrapping', description: 'REQUIRED: the server(s) to use for bootstrapping' },
    { name: 'describe', description: 'Describe the specified log directories on the specified brokers.' },
    { name: 'broker-list', arg: 'String: Broker list', description: 'The list of brokers to be queried in the form "0,1,2". All brokers in the cluster will be queried if no broker list is specified' },
    { name: 'topic-list', arg: 'String: Topic list', description: 'The list of topics to be queried in the form "topic1,topic2,topic3". All topics will be queried if no topic list is specified (default: )' },
    { name: 'command-config', arg: 'String: Admin client property file', description: 'Property file containing configs to be passed to Admin Client.' },
  ],
}

/** The Java exception Kafka's tool names for an error code, where one is known. */
const EXCEPTIONS: Record<number, string> = {
  [ErrorCode.KAFKA_STORAGE_ERROR]: 'org.apache.kafka.common.errors.KafkaStorageException',
  [ErrorCode.UNKNOWN_SERVER_ERROR]: 'org.apache.kafka.common.errors.UnknownServerException',
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  if (!flags.has('describe')) throw new UsageError('Exactly one of --describe is required')
  flags.require('bootstrap-server')
  const topics = (flags.get('topic-list') ?? '').split(',').map(t => t.trim()).filter(t => t !== '')
  const brokerList = flags.get('broker-list')
  const asked = brokerList === undefined ? undefined : brokerList.split(',').map(b => b.trim()).filter(b => b !== '').map(b => {
    if (!/^-?\d+$/.test(b)) throw new UsageError(`Option broker-list: '${b}' is not a broker id`)
    return Number(b)
  })
  const admin = new Admin(clientProperties(flags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    const existing = (await admin.describeCluster()).brokers.map(b => b.nodeId)
    const brokers = asked ?? existing
    const missing = brokers.filter(b => !existing.includes(b))
    if (missing.length > 0) {
      process.stderr.write(`ERROR: The given brokers do not exist from --broker-list: ${missing.join(',')}. Current existent brokers: ${existing.join(',')}\n`)
      return 1
    }
    process.stdout.write('Querying brokers for log directories information\n')
    const dirs = await admin.describeLogDirs(brokers)
    process.stdout.write(`Received log directory information from brokers ${brokers.join(',')}\n`)
    const doc = {
      brokers: brokers.map(broker => ({
        broker,
        logDirs: (dirs.get(broker) ?? []).map(d => ({
          partitions: d.partitions
            .filter(p => topics.length === 0 || topics.includes(p.topic))
            .map(p => ({ partition: `${p.topic}-${p.partition}`, size: p.size, offsetLag: p.offsetLag, isFuture: p.isFuture })),
          error: d.errorCode === ErrorCode.NONE ? null : EXCEPTIONS[d.errorCode] ?? errorName(d.errorCode),
          logDir: d.logDir,
        })),
      })),
      version: 1,
    }
    process.stdout.write(JSON.stringify(doc) + '\n')
    return 0
  } finally {
    await admin.close()
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
