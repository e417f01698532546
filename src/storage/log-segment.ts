/**
 * One segment of a partition log: `<baseOffset 20 digits>.log` holding batches exactly as appended,
 * with its sparse `.index` and `.timeindex` (Kafka's LogSegment, OffsetIndex, TimeIndex). Appends and reads are
 * synchronous positional I/O on one file descriptor; the indexes live in memory and reach disk on
 * persist (roll, flush, close), loaded lazily for segments that were not touched since start-up.
 */
import { closeSync, constants, fsync, fsyncSync, ftruncateSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { readInt64 } from '../protocol/primitives/int64.js'
import { LOG_OVERHEAD, MAGIC_V2, RECORD_BATCH_HEADER_BYTES, type RecordBatch, recordBatches, wholeBatchSizeAt } from '../protocol/records/record-batch.js'
import { decodeRecordBatch } from '../protocol/records/record.js'
import { fileSize, readAt, scanBatches, type ScanResult } from './batch-scanner.js'
import type { LogConfig } from './log-config.js'
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from './offset-index.js'
import { TIME_INDEX_ENTRY_BYTES, TimeIndex, type TimestampOffset } from './time-index.js'
import { TransactionIndex } from './transaction-index.js'

/** A batch header up to its lastOffsetDelta: what a scan for an offset needs. */
const LAST_OFFSET_DELTA_END = 27

export interface SegmentRecovery { validBytes: number, truncatedBytes: number, nextOffset: number }

export class LogSegment {
  readonly offsetIndex: OffsetIndex
  readonly timeIndex: TimeIndex
  /** The aborted transactions whose marker is in this segment (read_committed fetches). */
  readonly txnIndex: TransactionIndex
  private fd: number
  private sizeBytes: number
  private indexesLoaded = false
  private bytesSinceLastIndexEntry = 0
  private maxTimestampAndOffset: TimestampOffset | null = null
  /** The first batch's timestamp, which segment.ms counts from (Kafka's rollingBasedTimestamp). */
  private rollingBasedTimestamp: number | null = null

  /** Opens (or creates) the segment files for `baseOffset` in `dir`. */
  constructor (readonly dir: string, readonly baseOffset: number, private readonly config: LogConfig, readonly createdMs: number) {
    this.fd = openSync(segmentFileName(dir, baseOffset, '.log'), constants.O_RDWR | constants.O_CREAT)
    this.sizeBytes = fileSize(this.fd)
    const indexBytes = config['segment.index.bytes']
    this.offsetIndex = new OffsetIndex(segmentFileName(dir, baseOffset, '.index'), baseOffset, Math.max(1, Math.floor(indexBytes / OFFSET_INDEX_ENTRY_BYTES)))
    this.timeIndex = new TimeIndex(segmentFileName(dir, baseOffset, '.timeindex'), baseOffset, Math.max(1, Math.floor(indexBytes / TIME_INDEX_ENTRY_BYTES)))
    this.txnIndex = new TransactionIndex(segmentFileName(dir, baseOffset, '.txnindex'))
  }

  get path (): string { return segmentFileName(this.dir, this.baseOffset, '.log') }
  get size (): number { return this.sizeBytes }

  /** Loads both indexes; false if either failed its sanity check and was rebuilt from the log. */
  ensureIndexesLoaded (): boolean {
    if (this.indexesLoaded) return true
    this.indexesLoaded = true
    if (this.offsetIndex.load(this.sizeBytes) && this.timeIndex.load(this.sizeBytes)) return true
    this.recover()
    return false
  }

  /**
   * Appends batches whose offsets are final. One index entry per index.interval.bytes, naming a
   * batch's last offset and its start position (Kafka's LogSegment.append).
   */
  append (batches: Buffer): void {
    this.ensureIndexesLoaded()
    const start = this.sizeBytes
    try {
      let written = 0
      while (written < batches.length) written += writeSync(this.fd, batches, written, batches.length - written, start + written)
    } catch (err) {
      ftruncateSync(this.fd, start)
      throw err
    }
    let position = start
    for (const batch of recordBatches(batches)) {
      this.indexBatch(batch, position)
      position += batch.sizeInBytes
    }
    this.sizeBytes = position
  }

  /**
   * Whole batches from the one holding startOffset, stopping before maxBytes would be exceeded
   * (the first batch is returned whole regardless when minOneMessage) and before any batch that
   * reaches maxOffset (exclusive). null when no batch in this segment ends at or after startOffset.
   * `allocate` gives the buffers read into (a Fetch's, released once its response is written).
   */
  read (startOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean, allocate?: (size: number) => Buffer): Buffer | null {
    this.ensureIndexesLoaded()
    const size = this.sizeBytes
    let chunkStart = this.offsetIndex.lookup(startOffset).position
    // One read usually covers the scan from the index entry and the answer.
    let chunk = readAt(this.fd, chunkStart, Math.min(size - chunkStart, maxBytes + this.config['index.interval.bytes'] + LOG_OVERHEAD), allocate)
    let at = 0
    for (;;) {
      if (chunkStart + at >= size) return null
      if (chunk.length - at < LAST_OFFSET_DELTA_END) {
        chunkStart += at
        chunk = readAt(this.fd, chunkStart, Math.min(size - chunkStart, Math.max(maxBytes, 4096)), allocate)
        at = 0
        if (chunk.length < LAST_OFFSET_DELTA_END) return null
      }
      if (lastOffsetAt(chunk, at) >= startOffset) break
      at += chunk.readInt32BE(at + 8) + LOG_OVERHEAD
    }
    if (lastOffsetAt(chunk, at) >= maxOffset) return Buffer.alloc(0)
    const firstSize = chunk.readInt32BE(at + 8) + LOG_OVERHEAD
    const wanted = Math.min(size - chunkStart - at, Math.max(maxBytes, minOneMessage ? firstSize : 0))
    if (chunk.length - at < wanted) {
      chunkStart += at
      chunk = readAt(this.fd, chunkStart, wanted, allocate)
      at = 0
    }
    let end = at
    for (;;) {
      const batchSize = wholeBatchSizeAt(chunk, end)
      if (batchSize === 0 || lastOffsetAt(chunk, end) >= maxOffset) break
      if (end + batchSize - at > maxBytes && !(minOneMessage && end === at)) break
      end += batchSize
    }
    return chunk.subarray(at, end)
  }

  /**
   * Visits every batch from the start (the log cleaner); the batch is a view valid only during
   * the call. Stops when visit returns false.
   */
  /** Visits the batches from byte `from` on while `visit` says go on; where the scan stopped, and why. */
  forEachBatch (visit: (batch: RecordBatch) => boolean, from = 0): ScanResult {
    return scanBatches(this.fd, from, this.sizeBytes, batch => visit(batch))
  }

  /**
   * The first record at or after `timestamp` with an offset >= startingOffset (ListOffsets). The
   * indexes find the batch; Kafka answers with the record, so that one batch is decoded (and
   * inflated): ListOffsets is rare, and never on the produce or fetch path.
   */
  findOffsetByTimestamp (timestamp: number, startingOffset: number): TimestampOffset | null {
    this.ensureIndexesLoaded()
    const indexed = this.timeIndex.lookup(timestamp)
    const from = this.offsetIndex.lookup(Math.max(indexed.offset, startingOffset)).position
    let found: { position: number, size: number } | null = null
    scanBatches(this.fd, from, this.sizeBytes, (batch, position) => {
      if (batch.lastOffset < startingOffset || batch.effectiveMaxTimestamp < timestamp) return true
      found = { position, size: batch.sizeInBytes }
      return false
    })
    if (found === null) return null
    const { position, size } = found as { position: number, size: number }
    const record = decodeRecordBatch(readAt(this.fd, position, size), undefined, false).records
      .find(r => r.offset >= startingOffset && r.timestamp >= timestamp)
    return record === undefined ? null : { offset: record.offset, timestamp: record.timestamp }
  }

  /**
   * Re-reads every batch (sizes, magic, CRC, offsets), rebuilds both indexes and truncates the file
   * at the first invalid batch (Kafka's LogSegment.recover).
   */
  recover (): SegmentRecovery {
    this.indexesLoaded = true
    this.offsetIndex.reset()
    this.timeIndex.reset()
    this.bytesSinceLastIndexEntry = 0
    this.maxTimestampAndOffset = null
    this.rollingBasedTimestamp = null
    const fileBytes = fileSize(this.fd)
    let nextOffset = this.baseOffset
    const result = scanBatches(this.fd, 0, fileBytes, (batch, position) => {
      const valid = batch.magic === MAGIC_V2 && batch.baseOffset >= nextOffset && batch.lastOffsetDelta >= 0 &&
        batch.lastOffset - this.baseOffset <= 0x7fffffff && batch.isValidCrc()
      if (!valid) return false
      this.indexBatch(batch, position)
      nextOffset = batch.nextOffset
      return true
    })
    if (result.position < fileBytes) ftruncateSync(this.fd, result.position)
    this.sizeBytes = result.position
    // Aborts whose marker went with the tail go too; the log replay appends those it finds again.
    this.txnIndex.truncateTo(nextOffset)
    this.persistIndexes(false)
    return { validBytes: result.position, truncatedBytes: fileBytes - result.position, nextOffset }
  }

  /**
   * The offset after the last batch, found by scanning from the last index entry; also restores
   * what appends need (largest timestamp, rolling timestamp) for a segment that becomes active.
   */
  readNextOffset (): number {
    this.ensureIndexesLoaded()
    const last = this.offsetIndex.lastEntry()
    this.maxTimestampAndOffset = this.timeIndex.lastEntry()
    this.bytesSinceLastIndexEntry = this.sizeBytes - last.position
    this.rollingBasedTimestamp = this.sizeBytes >= RECORD_BATCH_HEADER_BYTES ? this.firstBatchTimestamp() : null
    let nextOffset = this.baseOffset
    scanBatches(this.fd, last.position, this.sizeBytes, batch => {
      this.noteTimestamp(batch)
      nextOffset = batch.nextOffset
      return true
    })
    return nextOffset
  }

  /** Drops every batch holding an offset >= offset; returns the new next offset, or null if nothing was dropped. */
  truncateTo (offset: number): number | null {
    this.ensureIndexesLoaded()
    let cut: { position: number, baseOffset: number } | null = null
    scanBatches(this.fd, this.offsetIndex.lookup(offset).position, this.sizeBytes, (batch, position) => {
      if (batch.lastOffset < offset) return true
      cut = { position, baseOffset: batch.baseOffset }
      return false
    })
    if (cut === null) return null
    const { position, baseOffset } = cut
    ftruncateSync(this.fd, position)
    this.sizeBytes = position
    this.offsetIndex.truncateTo(baseOffset)
    this.timeIndex.truncateTo(baseOffset)
    this.txnIndex.truncateTo(baseOffset)
    this.readNextOffset()
    return Math.min(offset, baseOffset)
  }

  /** The largest timestamp in the segment, for time retention; the file's mtime if it has none. */
  largestTimestamp (): number {
    const ts = this.maxTimestampAndOffset?.timestamp ?? this.timeIndex.lastEntry()?.timestamp ?? -1
    return ts >= 0 ? ts : statSync(this.path).mtimeMs
  }

  /** The first batch's max timestamp, or -1 if empty (Kafka's LogSegment.getFirstBatchTimestamp, for max.compaction.lag.ms). */
  firstBatchTimestamp (): number {
    return this.sizeBytes >= RECORD_BATCH_HEADER_BYTES ? effectiveMaxTimestampAt(readAt(this.fd, 0, RECORD_BATCH_HEADER_BYTES)) : -1
  }

  /**
   * segment.ms counts from the first batch's timestamp to the incoming one's, else from creation to
   * now (Kafka's timeWaitedForRoll), so old producer timestamps do not roll on every append.
   */
  timeWaitedForRollMs (nowMs: number, messageTimestamp: number): number {
    return this.rollingBasedTimestamp !== null && this.rollingBasedTimestamp >= 0
      ? messageTimestamp - this.rollingBasedTimestamp
      : nowMs - this.createdMs
  }

  /** Called when a newer segment takes over appends: the final time index entry, indexes trimmed to size. */
  onBecomeInactive (): void {
    if (this.maxTimestampAndOffset !== null) this.timeIndex.maybeAppend(this.maxTimestampAndOffset.timestamp, this.maxTimestampAndOffset.offset)
    this.persistIndexes(false)
  }

  flush (): void {
    fsyncSync(this.fd)
    this.persistIndexes(true)
  }

  /** fsync off the event loop (on roll), indexes written first; errors after close are moot. */
  flushAsync (): Promise<void> {
    this.persistIndexes(false)
    return new Promise(resolve => fsync(this.fd, () => resolve()))
  }

  close (): void {
    if (this.fd < 0) return
    this.persistIndexes(false)
    closeSync(this.fd)
    this.fd = -1
  }

  /** Closes the file without writing anything: its log dir failed (Kafka's LogSegment.closeHandlers). */
  closeHandlers (): void {
    if (this.fd < 0) return
    closeSync(this.fd)
    this.fd = -1
  }

  delete (): void {
    if (this.fd >= 0) closeSync(this.fd)
    this.fd = -1
    rmSync(this.path, { force: true })
    this.offsetIndex.delete()
    this.timeIndex.delete()
    this.txnIndex.delete()
  }

  /**
   * An empty segment's indexes get no files (a missing index loads as empty: OffsetIndex.load);
   * recovery, which resets them unread, used to create both for every idle log, 20,000 file
   * creations in the restart after a kill -9 of a broker with 10,000 partitions, most of its time.
   * A segment with data keeps them even without entries, so that a clean load trusts them.
   */
  private persistIndexes (fsync: boolean): void {
    if (!this.indexesLoaded) return
    this.offsetIndex.persist(fsync, this.sizeBytes > 0)
    this.timeIndex.persist(fsync, this.sizeBytes > 0)
  }

  private indexBatch (batch: RecordBatch, position: number): void {
    this.noteTimestamp(batch)
    if (this.rollingBasedTimestamp === null) this.rollingBasedTimestamp = batch.effectiveMaxTimestamp
    if (this.bytesSinceLastIndexEntry > this.config['index.interval.bytes']) {
      this.offsetIndex.append(batch.lastOffset, position)
      const max = this.maxTimestampAndOffset!
      this.timeIndex.maybeAppend(max.timestamp, max.offset)
      this.bytesSinceLastIndexEntry = 0
    }
    this.bytesSinceLastIndexEntry += batch.sizeInBytes
  }

  private noteTimestamp (batch: RecordBatch): void {
    const timestamp = batch.effectiveMaxTimestamp
    if (this.maxTimestampAndOffset === null || timestamp > this.maxTimestampAndOffset.timestamp) {
      this.maxTimestampAndOffset = { timestamp, offset: batch.lastOffset }
    }
  }
}

/** `<dir>/<baseOffset as 20 digits><suffix>`, Kafka's segment file naming. */
export function segmentFileName (dir: string, baseOffset: number, suffix: '.log' | '.index' | '.timeindex' | '.txnindex' | '.snapshot'): string {
  return join(dir, String(baseOffset).padStart(20, '0') + suffix)
}

function lastOffsetAt (buf: Buffer, at: number): number {
  return readInt64(buf, at) + buf.readInt32BE(at + 23)
}

function effectiveMaxTimestampAt (header: Buffer): number {
  return Math.max(readInt64(header, 27), readInt64(header, 35))
}
