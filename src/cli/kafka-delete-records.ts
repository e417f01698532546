/**
 * kafka-delete-records: deletes every record below an offset, per partition, with Kafka's
 * DeleteRecordsCommand flags, JSON and output. As in Kafka, a partition that fails is reported on
 * its line and the exit status stays 0; a bad flag or file changes nothing and exits 1.
 */
import { Admin } from '../client/admin.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, parseFlags, readFlagFile, runTool, type ToolSpec } from './flags.js'
import { parseOffsetJson } from './offset-json-file.js'

export const tool: ToolSpec = {
  name: 'kafka-delete-records',
  summary: 'This tool helps to delete records of the given partitions down to the specified offset.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server(s) to use for bootstrapping', description: 'REQUIRED: The server to connect to.' },
    { name: 'offset-json-file', arg: 'String: Offset json file path', description: 'REQUIRED: The JSON file with offset per partition. The format to use is: {"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version":1 }' },
    { name: 'command-config', arg: 'String: command config property file path', description: 'A property file containing configs to be passed to Admin Client.' },
  ],
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const properties = clientProperties(flags, { fileFlag: 'command-config' })
  const partitions = parseOffsetJson(readFlagFile('offset-json-file', flags.require('offset-json-file')))
  const admin = new Admin(properties)
  warnUnknownKeys(admin.unknownKeys)
  try {
    process.stdout.write('Executing records delete operation\n')
    const results = await admin.deleteRecords(partitions)
    process.stdout.write('Records delete operation completed:\n')
    for (const r of results) {
      const name = `${r.topic}-${r.partition}`
      process.stdout.write(r.errorCode === ErrorCode.NONE ? `partition: ${name}\tlow_watermark: ${r.lowWatermark}\n` : `partition: ${name}\terror: ${errorName(r.errorCode)}\n`)
    }
    return 0
  } finally {
    await admin.close()
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
