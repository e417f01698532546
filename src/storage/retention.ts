/**
 * Which of a log's oldest segments retention may delete (cleanup.policy=delete): only whole,
 * non-active segments, oldest first, stopping at the first one that must stay (Kafka's
 * UnifiedLog.deleteOldSegments). A segment also stays while any of its offsets is at or above the
 * high watermark, so unreplicated data is never deleted.
 */
import type { LogConfig } from './log-config.js'

export interface RetentionSegment {
  readonly baseOffset: number
  readonly size: number
  largestTimestamp (): number
}

export type RetentionReason = 'retention.ms' | 'retention.bytes' | 'log-start-offset'

export interface RetentionContext {
  config: Pick<LogConfig, 'retention.ms' | 'retention.bytes'>
  nowMs: number
  highWatermark: number
  logStartOffset: number
}

/** The reasons for deleting segments[0], segments[1] ... — as many as may go. */
export function retentionBreaches (segments: readonly RetentionSegment[], context: RetentionContext): RetentionReason[] {
  const { config, nowMs, highWatermark, logStartOffset } = context
  const retentionMs = config['retention.ms']
  const retentionBytes = config['retention.bytes']
  let bytesOverLimit = retentionBytes < 0 ? -1 : segments.reduce((sum, s) => sum + s.size, 0) - retentionBytes
  const reasons: RetentionReason[] = []
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!
    const nextBaseOffset = segments[i + 1]!.baseOffset
    if (nextBaseOffset > highWatermark) break
    let reason: RetentionReason | null = null
    if (nextBaseOffset <= logStartOffset) reason = 'log-start-offset'
    else if (retentionMs >= 0 && nowMs - segment.largestTimestamp() > retentionMs) reason = 'retention.ms'
    else if (retentionBytes >= 0 && bytesOverLimit - segment.size >= 0) reason = 'retention.bytes'
    if (reason === null) break
    if (bytesOverLimit >= 0) bytesOverLimit -= segment.size
    reasons.push(reason)
  }
  return reasons
}
