/**
 * Loading a partition directory's segments and, after an unclean shutdown, recovering them (Kafka's
 * LogLoader): every segment from the one holding the recovery point onwards is re-read batch by
 * batch; the first invalid batch truncates its segment and every later segment is deleted.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import type { LogConfig } from './log-config.js'
import { LogSegment } from './log-segment.js'

/** Producer snapshots are not here: ProducerStateManager.removeStraySnapshots keeps the one past the last segment. */
const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex|txnindex)$/
const SWAP_NAME = /^(\d{20})\.log\.swap$/
/** Suffixes of files an interrupted operation left behind (deletion, compaction, a checkpoint write). */
const LEFTOVER_SUFFIXES = ['.deleted', '.cleaned', '.swap', '.tmp']

export interface RecoveryResult {
  segments: LogSegment[]
  recoveredSegments: number
  truncatedBytes: number
  deletedSegments: number
}

/** Opens every `<20 digits>.log` in `dir`, oldest first, after removing leftovers and orphaned index files. */
export function loadSegments (dir: string, config: LogConfig, nowMs: number, logger: Logger): LogSegment[] {
  completeSwaps(dir, logger)
  const names = readdirSync(dir)
  const logBaseOffsets = new Set<string>()
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name)
    if (match?.[2] === 'log') logBaseOffsets.add(match[1]!)
  }
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name)
    const orphan = match !== null && match[2] !== 'log' && !logBaseOffsets.has(match[1]!)
    if (orphan || LEFTOVER_SUFFIXES.some(suffix => name.endsWith(suffix))) {
      logger.info('deleting leftover file', { file: name })
      rmSync(join(dir, name), { force: true })
    }
  }
  return [...logBaseOffsets].map(Number).sort((a, b) => a - b).map(baseOffset => new LogSegment(dir, baseOffset, config, nowMs))
}

/** Recovers segments from the one holding recoveryPoint on; returns the segments that remain. */
export function recoverSegments (segments: LogSegment[], recoveryPoint: number, logger: Logger): RecoveryResult {
  let first = segments.findIndex(s => s.baseOffset > recoveryPoint) - 1
  if (first < -1) first = segments.length - 1
  first = Math.max(first, 0)
  let truncatedBytes = 0
  let recoveredSegments = 0
  for (let i = first; i < segments.length; i++) {
    const segment = segments[i]!
    const result = segment.recover()
    recoveredSegments++
    if (result.truncatedBytes === 0) continue
    truncatedBytes += result.truncatedBytes
    logger.warn('truncated invalid tail of segment', { baseOffset: segment.baseOffset, validBytes: result.validBytes, truncatedBytes: result.truncatedBytes })
    const later = segments.splice(i + 1)
    for (const dropped of later) {
      logger.warn('deleting segment after an invalid batch', { baseOffset: dropped.baseOffset, size: dropped.size })
      dropped.delete()
    }
    return { segments, recoveredSegments, truncatedBytes, deletedSegments: later.length }
  }
  return { segments, recoveredSegments, truncatedBytes, deletedSegments: 0 }
}

/**
 * A `<base>.log.swap` is a cleaned segment whose swap was interrupted after its commit point
 * (log-cleaner.ts): it replaces `<base>.log`; the old indexes go and are rebuilt on first use.
 */
function completeSwaps (dir: string, logger: Logger): void {
  for (const name of readdirSync(dir)) {
    const match = SWAP_NAME.exec(name)
    if (match === null) continue
    rmSync(join(dir, `${match[1]!}.index`), { force: true })
    rmSync(join(dir, `${match[1]!}.timeindex`), { force: true })
    renameSync(join(dir, name), join(dir, `${match[1]!}.log`))
    logger.info('completed interrupted segment swap', { file: name })
  }
}
