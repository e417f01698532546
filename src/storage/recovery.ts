/**
 * Loading a partition directory's segments and, after an unclean shutdown, recovering them (Kafka's
 * LogLoader): every segment from the one holding the recovery point onwards is re-read batch by
 * batch; the first invalid batch truncates its segment and every later segment is deleted.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import type { LogConfig } from './log-config.js'
import { LogSegment } from './log-segment.js'

const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex|txnindex|snapshot)$/
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
