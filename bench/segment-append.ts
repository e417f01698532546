/**
 * Segment append and read-back throughput through PartitionLog, beside a raw fs.writeSync loop of
 * the same bytes measured in the same run.
 *
 *   node dist/bench/segment-append.js [--mb 200] [--records 100] [--value-bytes 155] [--dir /tmp]
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../src/logger.js'
import { defaultLogConfig } from '../src/storage/log-config.js'
import { PartitionLog } from '../src/storage/partition-log.js'
import { buildTestBatch } from '../src/storage/support/sample-batch.js'

const args = parseArgs(process.argv.slice(2))
const totalBytes = Number(args.mb ?? 200) * 1024 * 1024
const recordCount = Number(args.records ?? 100)
const valueBytes = Number(args['value-bytes'] ?? 155)
let lastProgressMs = Date.now()
const root = mkdtempSync(join(args.dir ?? tmpdir(), 'segment-append-'))

// Distinct batches, reused round-robin: appendAsLeader validates (CRC) and re-stamps each one in place.
const batches = Array.from({ length: 64 }, (_, i) => buildTestBatch({ recordCount, valueBytes, fill: 0x41 + (i % 26), firstTimestamp: Date.now() }))
const batchBytes = batches[0]!.length
const batchCount = Math.ceil(totalBytes / batchBytes)
const mb = (batchCount * batchBytes) / (1024 * 1024)
console.log(`segment-append: ${batchCount} batches of ${batchBytes} bytes (${recordCount} records of ${valueBytes} bytes), ${mb.toFixed(0)} MB, in ${root}`)

try {
  const raw = measure('raw fs.writeSync', () => {
    const fd = openSync(join(root, 'raw.bin'), 'w')
    let position = 0
    for (let i = 0; i < batchCount; i++) {
      const batch = batches[i % batches.length]!
      position += writeSync(fd, batch, 0, batch.length, position)
      progress(i)
    }
    closeSync(fd)
  })
  settleDirtyPages(join(root, 'raw.bin'), true)

  const log = PartitionLog.open(join(root, 'bench-0'), defaultLogConfig, silentLogger())
  const latenciesNs = new Float64Array(batchCount)
  const append = measure('PartitionLog.appendAsLeader', () => {
    for (let i = 0; i < batchCount; i++) {
      const start = process.hrtime.bigint()
      const result = log.appendAsLeader(batches[i % batches.length]!, 0)
      latenciesNs[i] = Number(process.hrtime.bigint() - start)
      if (result.errorCode !== 0) throw new Error(`append failed: ${JSON.stringify(result)}`)
      progress(i)
    }
  })
  log.highWatermark = log.logEndOffset
  // Written pages reach the disk before reading, so reads do not compete with writeback.
  settleDirtyPages(join(root, 'bench-0', '00000000000000000000.log'), false)

  // Pass 1 is the first read of the data (V8 still warming up); pass 2 reads it again,
  // beside a raw readSync loop over the same file.
  const readPass = (name: string): { seconds: number, bytes: number } => {
    let bytes = 0
    const seconds = measure(name, () => {
      let offset = log.logStartOffset
      let i = 0
      while (offset < log.logEndOffset) {
        const result = log.read(offset, 1024 * 1024, log.highWatermark)
        if (result.errorCode !== 0 || result.records.length === 0) throw new Error(`read stalled at ${offset}`)
        bytes += result.records.length
        offset = nextOffsetAfter(result.records)
        progress(i++ * 64)
      }
    })
    return { seconds, bytes }
  }
  const read1 = readPass('PartitionLog.read pass 1 (1 MiB fetches)')
  const read2 = readPass('PartitionLog.read pass 2 (1 MiB fetches)')
  const rawRead = measure('raw readSync (1 MiB reads)', () => {
    const fd = openSync(join(root, 'bench-0', '00000000000000000000.log'), 'r')
    let position = 0
    for (;;) {
      const n = readSync(fd, Buffer.allocUnsafe(1024 * 1024), 0, 1024 * 1024, position)
      if (n === 0) break
      position += n
    }
    closeSync(fd)
  })
  log.close()

  const sorted = [...latenciesNs].sort((a, b) => a - b)
  const pct = (p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! / 1000).toFixed(1)
  const records = batchCount * recordCount
  console.log('')
  console.log(row('raw fs.writeSync', mb / raw, records / raw))
  console.log(row('appendAsLeader', mb / append, records / append) + `  p50 ${pct(0.5)} µs  p99 ${pct(0.99)} µs per batch`)
  console.log(row('raw readSync', mb / rawRead, records / rawRead))
  console.log(row('read pass 1', read1.bytes / (1024 * 1024) / read1.seconds, records / read1.seconds))
  console.log(row('read pass 2', read2.bytes / (1024 * 1024) / read2.seconds, records / read2.seconds))
} finally {
  rmSync(root, { recursive: true, force: true })
}

/**
 * fsyncs a file outside the timed phases (and deletes it) so that the next phase does not pay for
 * the previous phase's dirty pages: the kernel throttles writers while much is left to write back.
 */
function settleDirtyPages (path: string, remove: boolean): void {
  const fd = openSync(path, 'r+')
  fsyncSync(fd)
  closeSync(fd)
  if (remove) rmSync(path)
}

/** The offset after the last batch of a read: header fields only, as a consumer's fetch loop would. */
function nextOffsetAfter (records: Buffer): number {
  let position = 0
  let next = 0
  while (position < records.length) {
    next = records.readInt32BE(position) * 0x1_0000_0000 + records.readUInt32BE(position + 4) + records.readInt32BE(position + 23) + 1
    position += records.readInt32BE(position + 8) + 12
  }
  return next
}

function measure (name: string, run: () => void): number {
  const start = process.hrtime.bigint()
  run()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  console.log(`${name}: ${seconds.toFixed(2)} s`)
  return seconds
}

function progress (batchIndex: number): void {
  if ((batchIndex & 1023) !== 0 || Date.now() - lastProgressMs < 2000) return
  lastProgressMs = Date.now()
  console.log(`  ... ${((batchIndex * batchBytes) / (1024 * 1024)).toFixed(0)} MB`)
}

function row (name: string, mbPerSecond: number, recordsPerSecond: number): string {
  return `${name.padEnd(18)} ${mbPerSecond.toFixed(0).padStart(6)} MB/s  ${(recordsPerSecond / 1e6).toFixed(2).padStart(6)} M records/s`
}

function parseArgs (argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i += 2) out[argv[i]!.replace(/^--/, '')] = argv[i + 1] ?? ''
  return out
}
