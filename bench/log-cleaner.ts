/**
 * A compaction pass over a log of offset-commit-like records (keys ~60 B, values ~40 B, batches of
 * 20, --keys distinct keys): how long the pass takes in all, and the longest the event loop waited
 * for a turn meanwhile (what every request on the broker would wait), beside the time the same
 * records took to append.
 *
 *   node dist/bench/log-cleaner.js [--mb 110] [--keys 10000] [--dir /tmp]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../src/logger.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { defaultLogConfig } from '../src/storage/log-config.js'
import { PartitionLog } from '../src/storage/partition-log.js'
import { parseArgs, say } from './support/bench-cli.js'

const args = parseArgs(process.argv.slice(2))
const mb = Number(args.mb ?? 110)
const keys = Number(args.keys ?? 10_000)
const root = mkdtempSync(join(args.dir ?? tmpdir(), 'log-cleaner-'))

try {
  // __consumer_offsets' segment size (offsets.topic.segment.bytes): the first 100 MB is one segment to clean
  const log = PartitionLog.open(join(root, 't-0'), { ...defaultLogConfig, 'cleanup.policy': ['compact'], 'segment.bytes': 100 * 1024 * 1024 }, silentLogger(), {})
  let n = 0
  const appendStart = performance.now()
  while (log.size < mb * 1024 * 1024) {
    const records = Array.from({ length: 20 }, () => ({ key: `group-${n % keys}-topic-partition-${'x'.repeat(32)}`, value: `offset-${n++}-metadata-${'y'.repeat(23)}`, timestamp: Date.now() }))
    log.appendAsLeader(buildRecordBatch({ records }), 0)
    if (n % 200_000 === 0) say(`  appended ${n} records, ${(log.size / 1048576).toFixed(0)} MB`)
  }
  log.highWatermark = log.logEndOffset
  say(`log-cleaner: ${n} records, ${(log.size / 1048576).toFixed(0)} MB over ${keys} keys appended in ${(performance.now() - appendStart).toFixed(0)} ms`)
  let done = false
  let turns = 0
  let longestMs = 0
  let last = performance.now()
  const start = last
  const pass = log.compact().finally(() => { done = true })
  while (!done) {
    await new Promise(resolve => setImmediate(resolve))
    const now = performance.now()
    longestMs = Math.max(longestMs, now - last)
    last = now
    turns++
  }
  const result = await pass
  say(`compaction: ${(performance.now() - start).toFixed(0)} ms in all, ${result?.segmentsCleaned ?? 0} segments cleaned, ${result?.recordsRemoved ?? 0} records removed; ` +
    `the event loop had ${turns} turns meanwhile, the longest wait for one ${longestMs.toFixed(1)} ms`)
  log.close()
} finally {
  rmSync(root, { recursive: true, force: true })
}
