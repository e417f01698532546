/**
 * kafka-broker-api-versions: the API versions each broker of the cluster speaks (Kafka's
 * BrokerApiVersionsCommand), printed as Kafka's NodeApiVersions does: one block per broker,
 * every API this tool knows by key, `Name(key): min to max [usable: v]` where v is the highest
 * version both sides speak, `UNSUPPORTED` for one the broker does not serve, and `UNKNOWN(key)`
 * for one only the broker knows. This tool "speaks" what our protocol schemas cover; an API the
 * broker serves that has no schema here is shown without a usable version.
 */
import { Admin } from '../client/admin.js'
import { ApiKey, apiName } from '../protocol/api-keys.js'
import { messagesFor } from '../protocol/messages/index.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, runTool, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-broker-api-versions',
  summary: 'This tool helps to retrieve broker version information.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server(s) to use for bootstrapping', description: 'REQUIRED: The server to connect to.' },
    { name: 'command-config', arg: 'String: command config property file', description: 'A property file containing configs to be passed to Admin Client.' },
  ],
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  flags.require('bootstrap-server')
  const admin = new Admin(clientProperties(flags, { fileFlag: 'command-config' }))
  warnUnknownKeys(admin.unknownKeys)
  try {
    const cluster = await admin.describeCluster()
    for (const broker of cluster.brokers) {
      const conn = await admin.client.connectionTo(broker.nodeId)
      process.stdout.write(`${broker.host}:${broker.port} (id: ${broker.nodeId} rack: ${broker.rack ?? 'null'}) -> ${formatApiVersions(conn.apiVersions)}\n`)
    }
    return 0
  } finally {
    await admin.close()
  }
}

/** NodeApiVersions.toString(true) for a broker's ApiVersions answer. */
export function formatApiVersions (broker: ReadonlyMap<number, { min: number, max: number }>): string {
  const known = new Set<number>(Object.values(ApiKey))
  const lines = [...known].sort((a, b) => a - b).map(key => {
    const range = broker.get(key)
    if (range === undefined) return `${apiName(key)}(${key}): UNSUPPORTED`
    const ours = messagesFor(key)?.request.validVersions
    const usable = ours === undefined ? '' : ours.max < range.min ? ' [unusable: node too new]' : ours.min > range.max ? ' [unusable: node too old]' : ` [usable: ${Math.min(ours.max, range.max)}]`
    return `${apiName(key)}(${key}): ${range.min} to ${range.max}${usable}`
  })
  for (const [key, range] of [...broker].sort((a, b) => a[0] - b[0])) {
    if (!known.has(key)) lines.push(`UNKNOWN(${key}): ${range.min} to ${range.max}`)
  }
  return `(\n\t${lines.join(',\n\t')}\n)`
}

if (isMain(import.meta.url)) runTool(tool, main)
