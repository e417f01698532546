/**
 * Log compaction for cleanup.policy=compact (Kafka's LogCleaner, simplified; Kafka's
 * documentation, Log Compaction): over a log's cleanable segments (non-active, wholly below the high watermark) build
 * key → latest offset, then rewrite each segment keeping only the latest record per key.
 *
 *   cleanSegments(segments, count, config, nowMs, logOpen)  all of the below over the segments given (PartitionLog.compact)
 *   buildOffsetMap(segments, slices)                key (latin1 string of the bytes) → latest offset
 *   writeCleanedSegment(segment, map, options, slices)  `<base>.log.cleaned`, or null if nothing would go
 *   swapInCleanedSegment(segment, cleanedPath, config)  `.cleaned` → `.swap` → `.log`, indexes rebuilt
 *
 * Unlike Kafka this rebuilds the whole map each pass (no cleaner-offset-checkpoint, no memory
 * bound) and runs on the event loop, not a cleaner thread: in slices of SLICE_MS, so that a pass
 * over a large log does not hold every request of the broker (one 100 MB segment of offset
 * commits took 1.1 s in one piece). Appends, retention and truncation may come between slices:
 * they touch only the active segment or take segments away, and a pass stops, cleaning nothing
 * more, when it finds a segment it reads gone or the log closed. Offsets are preserved;
 * gaps appear where records went.
 */
import { closeSync, fsync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { promisify } from 'node:util'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { crc32c } from '../protocol/primitives/crc32c.js'
import type { RecordBatch } from '../protocol/records/record-batch.js'
import { BATCH_HEADER_BYTES, type ConsumerRecord, decodeRecordBatch, type DecodedBatch, recordSizeInBytes, writeBatchHeader, writeRecord } from '../protocol/records/record.js'
import type { LogConfig } from './log-config.js'
import { LogSegment, segmentFileName } from './log-segment.js'
import type { LogSegments } from './log-segments.js'

/** The state of one log that decides what the cleaner may take (Kafka's LogToClean inputs). */
export interface CleanerView {
  segments: LogSegments
  /** Where the last clean stopped: segments from here on hold records not yet compacted. */
  firstDirtyOffset: number
  highWatermark: number
  config: LogConfig
}

export interface CleanableState { dirtyRatio: number, cleanableBytes: number, compactionDelayMs: number }

/**
 * How many segments from the first the cleaner may clean now (Kafka's firstUncleanableDirtyOffset):
 * non-active ones wholly below the high watermark (a follower's tail may still be truncated), up
 * to the first dirty segment holding a record newer than min.compaction.lag.ms.
 */
export function cleanableSegmentCount (v: CleanerView, nowMs: number): number {
  const segments = v.segments.values
  const minLagMs = v.config['min.compaction.lag.ms']
  let count = 0
  while (count < segments.length - 1 && segments[count + 1]!.baseOffset <= v.highWatermark) {
    const segment = segments[count]!
    if (minLagMs > 0 && segment.baseOffset >= v.firstDirtyOffset && segment.largestTimestamp() > nowMs - minLagMs) break
    count++
  }
  return count
}

/**
 * Over the segments the cleaner may clean now: the bytes the last clean did not cover over all of
 * their bytes (Kafka's cleanableRatio), those bytes, and the KIP-354 compaction delay: how far
 * the first batch of the oldest dirty non-active segment is past max.compaction.lag.ms.
 */
export function cleanableState (v: CleanerView, nowMs: number): CleanableState {
  let total = 0
  let dirty = 0
  for (const segment of v.segments.values.slice(0, cleanableSegmentCount(v, nowMs))) {
    total += segment.size
    if (segment.baseOffset >= v.firstDirtyOffset) dirty += segment.size
  }
  let earliestDirtyMs = Infinity
  for (const segment of v.segments.inactive) {
    if (segment.baseOffset < v.firstDirtyOffset) continue
    const firstBatchMs = segment.firstBatchTimestamp()
    if (firstBatchMs > 0) earliestDirtyMs = Math.min(earliestDirtyMs, firstBatchMs)
  }
  const cleanUntilMs = nowMs - Math.max(v.config['max.compaction.lag.ms'], 0)
  return { dirtyRatio: total === 0 ? 0 : dirty / total, cleanableBytes: dirty, compactionDelayMs: earliestDirtyMs < cleanUntilMs ? cleanUntilMs - earliestDirtyMs : 0 }
}

export const CLEANED_SUFFIX = '.cleaned'
export const SWAP_SUFFIX = '.swap'

export interface CleanOptions {
  nowMs: number
  /** delete.retention.ms: tombstones in batches whose max timestamp is older than this go. */
  deleteRetentionMs: number
}

export interface SegmentCleanStats { bytesBefore: number, bytesAfter: number, recordsRemoved: number }

export interface CompactResult { segmentsCleaned: number, bytesBefore: number, bytesAfter: number, recordsRemoved: number, keys: number, cleanedUpTo: number }

/**
 * The pass's work in slices of SLICE_MS, a turn of the event loop given back between two; after
 * each turn `proceed` says whether the segments being read are still the log's.
 */
class Slices {
  private deadline = performance.now() + SLICE_MS
  constructor (readonly proceed: () => boolean) {}

  get expired (): boolean { return performance.now() > this.deadline }

  /** Gives the event loop a turn; false when the pass must stop. */
  async next (): Promise<boolean> {
    await nextTurn()
    this.deadline = performance.now() + SLICE_MS
    return this.proceed()
  }
}

/** Work between two turns of the event loop. */
const SLICE_MS = 10

/**
 * Cleans the first `count` of a log's segments (none of them active) against one map built over
 * all of them, replacing each rewritten one in `segments` as soon as it is swapped in, so a failure
 * part-way leaves the log's segments matching the files. Null when `proceed` stopped the pass: the
 * segments swapped in by then are clean, but the log's dirty offset must not move.
 */
export async function cleanSegments (segments: LogSegments, count: number, config: LogConfig, nowMs: number, logOpen: () => boolean): Promise<CompactResult | null> {
  const reading = segments.values.slice(0, count)
  const cleanedUpTo = segments.values[count]!.baseOffset
  const slices = new Slices(() => logOpen() && reading.every(s => segments.values.includes(s)))
  const map = await buildOffsetMap(reading, slices)
  if (map === null) return null
  const result: CompactResult = { segmentsCleaned: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0, keys: map.size, cleanedUpTo }
  for (const [i, segment] of reading.entries()) {
    const cleaned = await writeCleanedSegment(segment, map, { nowMs, deleteRetentionMs: config['delete.retention.ms'] }, slices)
    if (cleaned === undefined) return null
    if (cleaned === null) continue
    // its fsync gave the event loop a turn too
    if (!slices.proceed()) {
      rmSync(cleaned.path, { force: true })
      return null
    }
    const swapped = swapInCleanedSegment(segment, cleaned.path, config)
    segments.replace(segment, swapped)
    reading[i] = swapped
    result.segmentsCleaned++
    result.bytesBefore += cleaned.stats.bytesBefore
    result.bytesAfter += cleaned.stats.bytesAfter
    result.recordsRemoved += cleaned.stats.recordsRemoved
  }
  return result
}

/** Visits every batch of the segment within the pass's slices; false if the pass must stop (the segment may be closed by then). */
async function forEachBatchSliced (segment: LogSegment, visit: (batch: RecordBatch) => void, slices: Slices): Promise<boolean> {
  for (let from = 0; ;) {
    if (slices.expired && !await slices.next()) return false
    const scan = segment.forEachBatch(batch => {
      if (slices.expired) return false
      visit(batch)
      return true
    }, from)
    if (scan.stoppedBy !== 'stopped') return true
    from = scan.position
  }
}

/** Key bytes as a Map key: latin1 maps every byte to one char, so distinct keys stay distinct. */
function mapKey (key: Buffer): string { return key.toString('latin1') }

/** The latest offset of every non-null key in `segments`, oldest segment first; null if the pass must stop. */
async function buildOffsetMap (segments: readonly LogSegment[], slices: Slices): Promise<Map<string, number> | null> {
  const map = new Map<string, number>()
  for (const segment of segments) {
    const done = await forEachBatchSliced(segment, batch => {
      if (batch.isControl) return
      // A batch we cannot inflate (zstd has no synchronous binding) adds no keys: older records of
      // its keys then survive, which only keeps more than necessary.
      for (const record of decodeOrNull(batch)?.records ?? []) if (record.key !== null) map.set(mapKey(record.key), record.offset)
    }, slices)
    if (!done) return null
  }
  return map
}

/**
 * Writes `<segment>.log.cleaned` with the records the map still wants; null (and no file) when the
 * segment would come out unchanged, undefined (and no file) when the pass must stop. Batches
 * keeping every record are copied as they are (compression included); the others are rebuilt
 * uncompressed from their kept records.
 */
async function writeCleanedSegment (segment: LogSegment, map: ReadonlyMap<string, number>, options: CleanOptions, slices: Slices): Promise<{ path: string, stats: SegmentCleanStats } | null | undefined> {
  const path = segment.path + CLEANED_SUFFIX
  // Written as it goes, so memory stays at one batch; an unchanged result is removed again.
  const fd = openSync(path, 'w')
  let changed = false
  let recordsRemoved = 0
  let bytesAfter = 0
  const write = (buf: Buffer): void => {
    let written = 0
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written, bytesAfter + written)
    bytesAfter += buf.length
  }
  let done: boolean
  try {
    done = await forEachBatchSliced(segment, batch => {
      const bytes = batch.buffer.subarray(batch.position, batch.position + batch.sizeInBytes)
      const decoded = batch.isControl ? null : decodeOrNull(batch)
      if (decoded === null || !hasExactTimestamps(decoded)) {
        write(bytes)
        return
      }
      const tombstonesExpired = options.nowMs - batch.effectiveMaxTimestamp > options.deleteRetentionMs
      const kept = decoded.records.filter(r => {
        if (r.key === null) return true
        if (map.get(mapKey(r.key)) !== r.offset) return false
        return r.value !== null || !tombstonesExpired
      })
      recordsRemoved += decoded.records.length - kept.length
      if (kept.length === decoded.records.length) {
        write(bytes)
      } else {
        changed = true
        // An emptied batch goes entirely (Kafka may keep its header for producer state; no
        // idempotent-producer state is kept here).
        if (kept.length > 0) write(rebuildBatch(decoded, kept))
      }
    }, slices)
    // on the thread pool: tens of milliseconds for a large cleaned file
    if (done && changed) await promisify(fsync)(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(path, { force: true })
    throw err
  }
  closeSync(fd)
  if (!done || !changed) {
    rmSync(path, { force: true })
    return done ? null : undefined
  }
  return { path, stats: { bytesBefore: segment.size, bytesAfter, recordsRemoved } }
}

/**
 * Replaces the segment's data with the cleaned file and returns the segment reopened over it. The
 * rename to `.swap` is the commit point: recovery deletes a leftover `.cleaned` and completes a
 * `.swap` (loadSegments), rebuilding indexes that are missing.
 */
export function swapInCleanedSegment (segment: LogSegment, cleanedPath: string, config: LogConfig): LogSegment {
  const swapPath = segment.path + SWAP_SUFFIX
  renameSync(cleanedPath, swapPath)
  completeSwap(segment, swapPath)
  const cleaned = new LogSegment(segment.dir, segment.baseOffset, config, segment.createdMs)
  cleaned.recover()
  cleaned.onBecomeInactive()
  return cleaned
}

function completeSwap (segment: LogSegment, swapPath: string): void {
  segment.close()
  rmSync(segmentFileName(segment.dir, segment.baseOffset, '.index'), { force: true })
  rmSync(segmentFileName(segment.dir, segment.baseOffset, '.timeindex'), { force: true })
  renameSync(swapPath, segment.path)
}

/**
 * Kept records in a new uncompressed batch: baseOffset and baseTimestamp are the first kept
 * record's, offset deltas relative to it, lastOffsetDelta the last kept one's; epoch, producer and
 * transactional flag stay, the base sequence moves with the base offset (sequences follow offsets).
 */
function rebuildBatch (batch: DecodedBatch, kept: ConsumerRecord[]): Buffer {
  const baseOffset = kept[0]!.offset
  const baseTimestamp = kept[0]!.timestamp
  const logAppendTime = (batch.attributes & 0x08) !== 0
  let maxTimestamp = logAppendTime ? batch.maxTimestamp : -1
  let size = BATCH_HEADER_BYTES
  for (const r of kept) {
    size += recordSizeInBytes(r.timestamp - baseTimestamp, r.offset - baseOffset, r.key, r.value, r.headers)
    if (!logAppendTime) maxTimestamp = Math.max(maxTimestamp, r.timestamp)
  }
  const out = Buffer.allocUnsafe(size)
  let pos = BATCH_HEADER_BYTES
  for (const r of kept) pos = writeRecord(out, pos, r.timestamp - baseTimestamp, r.offset - baseOffset, r.key, r.value, r.headers)
  writeBatchHeader(out, {
    recordCount: kept.length,
    baseTimestamp,
    maxTimestamp,
    baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    logAppendTime,
    transactional: (batch.attributes & 0x10) !== 0,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence < 0 ? batch.baseSequence : batch.baseSequence + (baseOffset - batch.baseOffset),
  }, size - BATCH_HEADER_BYTES)
  // writeBatchHeader assumes dense deltas (lastOffsetDelta = count - 1); a cleaned batch has gaps.
  out.writeInt32BE(kept.at(-1)!.offset - baseOffset, 23)
  out.writeUInt32BE(crc32c(out, 21, size), 17)
  return out
}

/**
 * Whether the decoded timestamps are the records' own: int64s beyond 2^53 decode to the nearest
 * number (protocol/primitives/int64.ts), and a batch rebuilt from those would move its records'
 * timestamps, so such a batch is kept whole instead. Safe base and record timestamps, a safe
 * difference between them included, can only come from exact values.
 */
function hasExactTimestamps (batch: DecodedBatch): boolean {
  const safe = Number.isSafeInteger
  return safe(batch.baseTimestamp) && safe(batch.maxTimestamp) && batch.records.every(r => safe(r.timestamp) && safe(r.timestamp - batch.baseTimestamp))
}

function decodeOrNull (batch: RecordBatch): DecodedBatch | null {
  try {
    return decodeRecordBatch(batch.buffer.subarray(batch.position, batch.position + batch.sizeInBytes), undefined, false)
  } catch {
    return null
  }
}
