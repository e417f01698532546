/**
 * kafka-dump-log: reads a partition's files offline and prints them as Kafka's DumpLogSegments
 * does: a segment's batches (and with --deep-iteration or --print-data-log their records), an
 * offset or time index's entries checked against the segment beside it, a producer-state
 * snapshot's producers, a transaction index's aborted transactions. The broker need not run;
 * nothing is written.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import { basename } from 'node:path'
import { UsageError } from '../errors.js'
import { readInt64 } from '../protocol/primitives/int64.js'
import { Reader } from '../protocol/primitives/reader.js'
import { compressionName, decompressAsync } from '../protocol/records/compression.js'
import { readEndTransactionMarker } from '../protocol/records/end-transaction-marker.js'
import { BATCH_HEADER_BYTES, RecordView } from '../protocol/records/record.js'
import { LOG_OVERHEAD, RecordBatch } from '../protocol/records/record-batch.js'
import { firstSeqOf } from '../storage/producer-state-entry.js'
import { readProducerSnapshot } from '../storage/producer-snapshot-file.js'
import { TransactionIndex } from '../storage/transaction-index.js'
import { isMain, parseFlags, runTool, type ParsedFlags, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'kafka-dump-log',
  summary: 'This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.',
  flags: [
    { name: 'files', arg: 'String: file1, file2, ...', description: 'REQUIRED: The comma separated list of data and index log files to be dumped.' },
    { name: 'print-data-log', description: 'If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.' },
    { name: 'deep-iteration', description: 'If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.' },
    { name: 'index-sanity-check', description: 'If set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not.' },
    { name: 'verify-index-only', description: 'If set, just verify the index log without printing its content.' },
    { name: 'max-message-size', arg: 'Integer: size', description: 'Size of largest message. (default: 5242880)' },
  ],
}

/** Bytes of an offset index entry (relative offset, position) and of a time index entry (timestamp, relative offset). */
const OFFSET_ENTRY = 8
const TIME_ENTRY = 12

export async function main (argv: string[]): Promise<number> {
  const flags = parseFlags(tool, argv)
  const files = flags.require('files').split(',').map(f => f.trim()).filter(f => f !== '')
  const maxMessageSize = flags.number('max-message-size', 5_242_880)
  let failed = false
  for (const file of files) {
    process.stdout.write(`Dumping ${file}\n`)
    const name = basename(file)
    const baseOffset = offsetFromFileName(name)
    if (name.endsWith('.log')) await dumpLog(file, baseOffset, flags, maxMessageSize)
    else if (name.endsWith('.index') || name.endsWith('.timeindex')) failed = !dumpIndex(file, baseOffset, name.endsWith('.index'), flags) || failed
    else if (name.endsWith('.snapshot')) dumpSnapshot(file)
    else if (name.endsWith('.txnindex')) dumpTxnIndex(file)
    else process.stderr.write(`Ignoring unknown file ${file}\n`)
  }
  return failed ? 1 : 0
}

/** Kafka's UnifiedLog.offsetFromFile: the 20-digit offset the file is named after. */
function offsetFromFileName (name: string): number {
  const digits = /^(\d{20})\./.exec(name)?.[1]
  if (digits === undefined) throw new UsageError(`${name} is not named <20-digit offset>.<kind> as a partition's files are`)
  return Number(digits)
}

/** A segment file read batch by batch, never whole: segments run to a gigabyte. */
class SegmentFile {
  private readonly fd: number
  readonly size: number

  constructor (path: string) {
    this.fd = openSync(path, 'r')
    this.size = fstatSync(this.fd).size
  }

  read (position: number, length: number): Buffer {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, this.size - position)))
    readSync(this.fd, buf, 0, buf.length, position)
    return buf
  }

  /** The whole batch at `position`, or null where none fits (the end, or bytes that are no batch). */
  batchAt (position: number, maxMessageSize: number): RecordBatch | null {
    const head = this.read(position, LOG_OVERHEAD + 5)
    if (head.length < LOG_OVERHEAD + 5) return null
    const size = head.readInt32BE(8) + LOG_OVERHEAD
    if (head.readInt8(16) !== 2 || size < BATCH_HEADER_BYTES || size > maxMessageSize + LOG_OVERHEAD || position + size > this.size) return null
    return new RecordBatch(this.read(position, size))
  }

  close (): void { closeSync(this.fd) }
}

async function dumpLog (file: string, baseOffset: number, flags: ParsedFlags, maxMessageSize: number): Promise<void> {
  const printContents = flags.has('print-data-log')
  const deep = printContents || flags.has('deep-iteration')
  const segment = new SegmentFile(file)
  try {
    process.stdout.write(`Log starting offset: ${baseOffset}\n`)
    let position = 0
    for (let batch = segment.batchAt(0, maxMessageSize); batch !== null; batch = segment.batchAt(position, maxMessageSize)) {
      process.stdout.write(batchLine(batch, position) + '\n')
      if (deep) for (const line of await recordLines(batch, printContents)) process.stdout.write(line + '\n')
      position += batch.sizeInBytes
    }
    if (position < segment.size) process.stdout.write(`Found ${segment.size - position} invalid bytes at the end of ${basename(file)}\n`)
  } finally {
    segment.close()
  }
}

function batchLine (b: RecordBatch, position: number): string {
  const deleteHorizon = (b.attributes & 0x40) !== 0 ? `OptionalLong[${b.firstTimestamp}]` : 'OptionalLong.empty'
  return `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.recordsCount} baseSequence: ${b.baseSequence} lastSequence: ${b.lastSequence} ` +
    `producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} isTransactional: ${b.isTransactional} ` +
    `isControl: ${b.isControl} deleteHorizonMs: ${deleteHorizon} position: ${position} ${timestampType(b)}: ${b.maxTimestamp} size: ${b.sizeInBytes} ` +
    `magic: ${b.magic} compresscodec: ${compressionName(b.compressionCodec)} crc: ${b.crc} isvalid: ${b.isValidCrc()}`
}

function timestampType (b: RecordBatch): string { return b.timestampType === 1 ? 'LogAppendTime' : 'CreateTime' }

/** DumpLogSegments' record lines: `| offset: ...`, the marker of a control record, and with --print-data-log key and payload as UTF-8. */
async function recordLines (b: RecordBatch, printContents: boolean): Promise<string[]> {
  const body = b.buffer.subarray(BATCH_HEADER_BYTES)
  const records = b.compressionCodec === 0 ? body : await decompressAsync(b.compressionCodec, body)
  const marker = b.isControl ? readEndTransactionMarker(b) : null
  const reader = new Reader(records)
  const view = new RecordView()
  const lines: string[] = []
  for (let i = 0; i < b.recordsCount && reader.remaining > 0; i++) {
    view.read(reader)
    const timestamp = b.timestampType === 1 ? b.maxTimestamp : b.firstTimestamp + view.timestampDelta
    const sequence = b.baseSequence < 0 ? -1 : (b.baseSequence + view.offsetDelta) % 2 ** 31
    let line = `| offset: ${b.baseOffset + view.offsetDelta} ${timestampType(b)}: ${timestamp} keySize: ${view.keyLength} valueSize: ${view.valueLength} ` +
      `sequence: ${sequence} headerKeys: [${view.headerCount === 0 ? '' : view.headers().map(h => h.key).join(',')}]`
    if (marker !== null) line += ` endTxnMarker: ${marker.commit ? 'COMMIT' : 'ABORT'} coordinatorEpoch: ${marker.coordinatorEpoch}`
    if (printContents && !b.isControl) {
      if (view.keyLength >= 0) line += ` key: ${view.buf.toString('utf8', view.keyStart, view.keyStart + view.keyLength)}`
      if (view.valueLength >= 0) line += ` payload: ${view.buf.toString('utf8', view.valueStart, view.valueStart + view.valueLength)}`
    }
    lines.push(line)
  }
  return lines
}

/**
 * An index's entries, each checked against the segment beside it as DumpLogSegments does: an
 * offset index entry must point at the batch whose last offset it names, time index timestamps
 * must not go back. Entries end at the first one equal to the base offset after the first (an index
 * file is preallocated with zeros). False when a check failed.
 */
function dumpIndex (file: string, baseOffset: number, isOffsetIndex: boolean, flags: ParsedFlags): boolean {
  const data = readFileSync(file)
  const entryBytes = isOffsetIndex ? OFFSET_ENTRY : TIME_ENTRY
  const entries: Array<{ offset: number, position: number, timestamp: number }> = []
  for (let at = 0; at + entryBytes <= data.length; at += entryBytes) {
    const entry = isOffsetIndex
      ? { offset: baseOffset + data.readInt32BE(at), position: data.readInt32BE(at + 4), timestamp: -1 }
      : { offset: baseOffset + data.readInt32BE(at + 8), position: -1, timestamp: readInt64(data, at) }
    if (entries.length > 0 && entry.offset === baseOffset) break
    entries.push(entry)
  }
  if (flags.has('index-sanity-check')) {
    const problem = data.length % entryBytes !== 0
      ? `Index file ${basename(file)} is corrupt, found ${data.length} bytes which is neither positive nor a multiple of ${entryBytes}.`
      : entries.some((e, i) => i > 0 && e.offset < entries[i - 1]!.offset) ? `Corrupt index found, index file (${file}) has offsets that go back.` : undefined
    if (problem !== undefined) {
      process.stderr.write(`${problem}\n`)
      return false
    }
    process.stdout.write(`${file} passed sanity check.\n`)
    return true
  }
  const mismatches: string[] = []
  const segmentPath = file.replace(/\.(time)?index$/, '.log')
  let segment: SegmentFile | undefined
  try {
    segment = new SegmentFile(segmentPath)
  } catch {
    process.stderr.write(`No segment ${segmentPath} beside the index: its entries are not checked\n`)
  }
  try {
    let previous = -Infinity
    for (const e of entries) {
      if (isOffsetIndex && segment !== undefined) {
        const lastOffset = segment.batchAt(e.position, Number.MAX_SAFE_INTEGER)?.lastOffset ?? -1
        if (lastOffset !== e.offset) mismatches.push(`  Index offset: ${e.offset}, log offset: ${lastOffset}`)
      }
      if (!isOffsetIndex && e.timestamp <= previous) mismatches.push(`  Index timestamp: ${e.timestamp}, Previously indexed timestamp: ${previous}`)
      previous = e.timestamp
      if (!flags.has('verify-index-only')) process.stdout.write(isOffsetIndex ? `offset: ${e.offset} position: ${e.position}\n` : `timestamp: ${e.timestamp} offset: ${e.offset}\n`)
    }
  } finally {
    segment?.close()
  }
  if (mismatches.length > 0) process.stdout.write(`${isOffsetIndex ? 'Mismatches' : 'Found timestamp mismatch'} in :${file}\n${mismatches.join('\n')}\n`)
  return mismatches.length === 0
}

function dumpSnapshot (file: string): void {
  for (const e of readProducerSnapshot(file)) {
    const first = e.batchMetadata[0]
    const txn = e.currentTxnFirstOffset < 0 ? 'OptionalLong.empty' : `OptionalLong[${e.currentTxnFirstOffset}]`
    process.stdout.write(`producerId: ${e.producerId} producerEpoch: ${e.producerEpoch} coordinatorEpoch: ${e.coordinatorEpoch} currentTxnFirstOffset: ${txn} lastTimestamp: ${e.lastTimestamp} ` +
      (first === undefined ? '' : `firstSequence: ${firstSeqOf(first)} lastSequence: ${first.lastSeq} lastOffset: ${first.lastOffset} offsetDelta: ${first.offsetDelta} timestamp: ${first.timestamp}`) + '\n')
  }
}

function dumpTxnIndex (file: string): void {
  for (const t of new TransactionIndex(file).all) {
    process.stdout.write(`version: 0 producerId: ${t.producerId} firstOffset: ${t.firstOffset} lastOffset: ${t.lastOffset} lastStableOffset: ${t.lastStableOffset}\n`)
  }
}

if (isMain(import.meta.url)) runTool(tool, main)
