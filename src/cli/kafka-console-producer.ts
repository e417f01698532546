/**
 * kafka-console-producer: one record per line of stdin, with Kafka's ConsoleProducer flags and its
 * LineMessageReader properties (parse.key / key.separator, parse.headers / headers.delimiter /
 * headers.separator / headers.key.separator, null.marker, ignore.error). Reading pauses while
 * buffer.memory is full. At end of input (or Ctrl-C) everything buffered is flushed; the exit code
 * is 1 if any record failed.
 */
import { createInterface } from 'node:readline'
import { UsageError } from '../errors.js'
import { Producer, type ProducerRecord } from '../client/producer.js'
import { clientProperties, warnUnknownKeys } from './client-properties.js'
import { isMain, keyValue, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-console-producer',
  summary: 'This tool helps to read data from standard input and publish it to Kafka.',
  flags: [
    { name: 'bootstrap-server', arg: 'String: server to connect to', description: 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.' },
    { name: 'broker-list', arg: 'String: broker-list', description: 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.' },
    { name: 'topic', arg: 'String: topic', description: 'REQUIRED: The topic id to produce messages to.' },
    { name: 'property', arg: 'String: prop', description: 'A mechanism to pass user-defined properties in the form key=value to the message reader: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error.', repeatable: true },
    { name: 'producer-property', arg: 'String: producer_prop', description: 'A mechanism to pass user-defined properties in the form key=value to the producer.', repeatable: true },
    { name: 'producer.config', arg: 'String: config file', description: 'Producer config properties file. Note that [producer-property] takes precedence over this config.' },
    { name: 'command-config', arg: 'String: config file', description: 'Same as --producer.config.' },
    { name: 'compression-codec', arg: 'String: compression-codec', description: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'", bareValue: 'gzip' },
    { name: 'request-required-acks', arg: 'String: request required acks', description: 'The required `acks` of the producer requests (default: -1)' },
    { name: 'sync', description: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.' },
    { name: 'timeout', arg: 'Long: timeout_ms', description: 'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. (default: 1000)' },
    { name: 'batch-size', arg: 'Integer: size', description: 'Number of messages to send in a single batch if they are not being sent synchronously. (default: 16384)' },
    { name: 'max-block-ms', arg: 'Long: max block on send', description: 'The max time that the producer will block for during a send request. (default: 60000)' },
    { name: 'max-memory-bytes', arg: 'Long: total memory in bytes', description: 'The total memory used by the producer to buffer records waiting to be sent to the server. (default: 33554432)' },
    { name: 'message-send-max-retries', arg: 'Integer', description: 'Number of retries before the producer gives up on a record. (default: 3)' },
    { name: 'retry-backoff-ms', arg: 'Long', description: 'Before each retry, the producer refreshes the metadata of relevant topics and waits this long. (default: 100)' },
    { name: 'request-timeout-ms', arg: 'Integer: request timeout ms', description: 'The ack timeout of the producer requests. Value must be non-negative and non-zero. (default: 1500)' },
  ],
}

interface ReaderConfig {
  parseKey: boolean
  keySeparator: string
  parseHeaders: boolean
  headersDelimiter: string
  headersSeparator: string
  headersKeySeparator: string
  nullMarker: string | undefined
  ignoreError: boolean
}

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const topic = flags.require('topic')
  const reader = readerConfig(flags)
  const props = clientProperties(flags, {
    fileFlag: flags.has('producer.config') ? 'producer.config' : 'command-config',
    keyValueFlag: 'producer-property',
    defaults: {
      'linger.ms': flags.get('timeout') ?? 1000,
      'batch.size': flags.get('batch-size') ?? 16384,
      acks: flags.get('request-required-acks') ?? '-1',
      'compression.type': flags.get('compression-codec') ?? 'none',
      'max.block.ms': flags.get('max-block-ms') ?? 60000,
      'buffer.memory': flags.get('max-memory-bytes') ?? 33554432,
      retries: flags.get('message-send-max-retries') ?? 3,
      'retry.backoff.ms': flags.get('retry-backoff-ms') ?? 100,
      'request.timeout.ms': flags.get('request-timeout-ms') ?? 1500,
    },
  })
  const producer = new Producer(props)
  warnUnknownKeys(producer.unknownKeys)
  let failures = 0
  const onError = (record: ProducerRecord, err: Error): void => {
    failures++
    process.stderr.write(`ERROR Error when sending message to topic ${topic} with key: ${byteCount(record.key)}, value: ${byteCount(record.value)} with error: ${err.message}\n`)
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
  let stopping = false
  process.once('SIGINT', () => { stopping = true; lines.close() })
  process.once('SIGTERM', () => { stopping = true; lines.close() })
  let lineNumber = 0
  try {
    for await (const line of lines) {
      lineNumber++
      const record = parseLine(topic, line, lineNumber, reader)
      if (flags.has('sync')) {
        await producer.send(record).catch(err => onError(record, err as Error))
        continue
      }
      if (!producer.hasRoom) await producer.waitForRoom()
      producer.send(record).catch(err => onError(record, err as Error))
      if (stopping) break
    }
  } finally {
    await producer.close()
  }
  return failures > 0 ? 1 : 0
}

function readerConfig (flags: ParsedFlags): ReaderConfig {
  const p = new Map(flags.all('property').map(kv => keyValue('property', kv)))
  const bool = (k: string): boolean => {
    const v = p.get(k)
    if (v === undefined) return false
    if (v.trim().toLowerCase() !== 'true' && v.trim().toLowerCase() !== 'false') throw new UsageError(`Option property: ${k} must be true or false, got '${v}'`)
    return v.trim().toLowerCase() === 'true'
  }
  const config: ReaderConfig = {
    parseKey: bool('parse.key'),
    keySeparator: p.get('key.separator') ?? '\t',
    parseHeaders: bool('parse.headers'),
    headersDelimiter: p.get('headers.delimiter') ?? '\t',
    headersSeparator: p.get('headers.separator') ?? ',',
    headersKeySeparator: p.get('headers.key.separator') ?? ':',
    nullMarker: p.get('null.marker'),
    ignoreError: bool('ignore.error'),
  }
  for (const k of ['key.separator', 'headers.delimiter', 'headers.separator', 'headers.key.separator'] as const) {
    if (p.get(k) === '') throw new UsageError(`Option property: ${k} must not be empty`)
  }
  return config
}

/** Kafka's LineMessageReader: [headers<delimiter>][key<separator>]value. */
export function parseLine (topic: string, line: string, lineNumber: number, c: ReaderConfig): ProducerRecord {
  let rest = line
  const nulled = (s: string): string | null => (c.nullMarker !== undefined && s === c.nullMarker ? null : s)
  const headers: Array<{ key: string, value: string | null }> = []
  if (c.parseHeaders) {
    const at = rest.indexOf(c.headersDelimiter)
    if (at < 0) {
      if (!c.ignoreError) throw new Error(`No headers delimiter found on line number ${lineNumber}: '${line}'`)
    } else {
      for (const h of rest.slice(0, at).split(c.headersSeparator).filter(s => s !== '')) {
        const k = h.indexOf(c.headersKeySeparator)
        if (k < 0) headers.push({ key: h, value: null })
        else headers.push({ key: h.slice(0, k), value: nulled(h.slice(k + c.headersKeySeparator.length)) })
      }
      rest = rest.slice(at + c.headersDelimiter.length)
    }
  }
  let key: string | null = null
  if (c.parseKey) {
    const at = rest.indexOf(c.keySeparator)
    if (at < 0) {
      if (!c.ignoreError) throw new Error(`No key separator found on line number ${lineNumber}: '${line}'`)
    } else {
      key = nulled(rest.slice(0, at))
      rest = rest.slice(at + c.keySeparator.length)
    }
  }
  return { topic, key, value: nulled(rest), headers }
}

function byteCount (v: Buffer | string | null | undefined): string {
  if (v === null || v === undefined) return 'null'
  return `${Buffer.byteLength(v)} bytes`
}

if (isMain(import.meta.url)) runTool(tool, main)
