/**
 * Partition logs in temp dirs for storage tests, and readers of what they hold. Test-only.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../logger.js'
import { recordBatches } from '../../protocol/records/record-batch.js'
import { defaultLogConfig, type LogConfig } from '../log-config.js'
import { PartitionLog, type PartitionLogState } from '../partition-log.js'

/** A log in `<temp>/users-0`, closed and removed after the test; reopen() opens the same dir again. */
export function openTestLog (t: { after: (fn: () => void) => void }, config: Partial<LogConfig> = {}, state: PartitionLogState = {}): { log: PartitionLog, dir: string, reopen: (s?: PartitionLogState) => PartitionLog } {
  const full = { ...defaultLogConfig, ...config }
  return openInTempDir(t, (dir, s) => PartitionLog.open(dir, full, silentLogger(), s), state)
}

/**
 * What `open` opens (a PartitionLog, a LocalLog) in `<temp>/users-0`, closed and removed after the
 * test; reopen(state) opens the same dir again, and the test then closes that one.
 */
export function openInTempDir<L extends { close: () => void }, S> (t: { after: (fn: () => void) => void }, open: (dir: string, state?: S) => L, state: S): { log: L, dir: string, reopen: (s?: S) => L } {
  const root = mkdtempSync(join(tmpdir(), 'partition-log-'))
  const dir = join(root, 'users-0')
  let log = open(dir, state)
  t.after(() => {
    log.close()
    rmSync(root, { recursive: true, force: true })
  })
  return {
    log,
    dir,
    reopen: (s) => {
      log = open(dir, s)
      return log
    },
  }
}

/** Offsets of the batches a read returned: [baseOffset, lastOffset] pairs. */
export function batchRanges (records: Buffer): Array<[number, number]> {
  return [...recordBatches(records)].map(b => [b.baseOffset, b.lastOffset])
}

export function readAll (log: PartitionLog, from = log.logStartOffset): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  let offset = from
  while (offset < log.logEndOffset) {
    const result = log.read(offset, 1 << 20, log.logEndOffset)
    assert.equal(result.errorCode, 0)
    if (result.errorCode !== 0) break
    const got = batchRanges(result.records)
    assert.ok(got.length > 0, `read at ${offset} returned nothing`)
    ranges.push(...got)
    offset = got.at(-1)![1] + 1
  }
  return ranges
}
