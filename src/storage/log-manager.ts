/**
 * Every partition log of this broker, across its log dirs (Kafka's LogManager).
 *
 *   LogManager.open(options)                      opens each `<topic>-<partition>` dir under each log dir,
 *                                                 recovering those without a clean shutdown
 *   startup() / shutdown()                        periodic retention, cleaner, flush and checkpoint tasks; a
 *                                                 clean shutdown flushes, writes checkpoints and `.kafka_cleanshutdown`
 *   setCleanerBackoffMs(ms)                       log.cleaner.backoff.ms changed (a dynamic broker config)
 *   setProducerIdExpirationMs(ms)                 producer.id.expiration.ms changed (a dynamic broker config)
 *   getLog(topic, partition) / getOrCreateLog(topic, partition, topicId, config) / deleteLog(topic, partition)
 *   allLogs() / runRetention() / runCleaner() / flushDirtyLogs() / writeCheckpoints() / checkpointLogStartOffsets()
 *   removeExpiredProducers()                      forget producers idle for producer.id.expiration.ms
 *   liveLogDirs / handleLogDirFailure(logDir)     the log dirs still in use; forget a failed one's logs
 *
 * Per log dir it keeps Kafka's `recovery-point-offset-checkpoint`, `replication-offset-checkpoint`
 * (high watermarks) and `log-start-offset-checkpoint`. An I/O error in a log dir, at start-up or
 * later, takes that dir offline through the LogDirFailureChannel instead of failing the broker,
 * as long as one log dir is left.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import { CheckpointFile, readOffsetCheckpoint, writeOffsetCheckpoint, writeOffsetCheckpointAsync } from './checkpoint-file.js'
import type { LogConfig } from './log-config.js'
import { isIoError, LogDirFailureChannel } from './log-dir-failure-channel.js'
import { readPartitionMetadata, writePartitionMetadata } from './partition-metadata-file.js'
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, PartitionLog } from './partition-log.js'

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown'
const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint'
const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'
const PARTITION_DIR = /^(.+)-(\d+)$/
type CheckpointPick = (log: PartitionLog) => number
const ALL_CHECKPOINTS: Array<[name: string, pick: CheckpointPick]> = [
  [RECOVERY_POINT_CHECKPOINT, log => log.recoveryPoint],
  [REPLICATION_OFFSET_CHECKPOINT, log => log.highWatermark],
  [LOG_START_OFFSET_CHECKPOINT, log => log.logStartOffset],
]
/** Kafka's producer.id.expiration.check.interval.ms (an internal config), at its default. */
const PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000

/** Injectable timers, so tests drive the periodic tasks without waiting. */
export interface LogManagerTimers {
  setInterval (task: () => void, intervalMs: number): unknown
  clearInterval (handle: unknown): void
}

export interface LogManagerOptions {
  logDirs: string[]
  /**
   * The config of each topic whose logs are found on disk, read before they are loaded (Kafka's
   * LogManager.loadLogs with fetchTopicConfigOverrides): the topic's overrides over the broker's
   * defaults, so recovery, retention and the cleaner never run on defaults it does not have.
   */
  logConfig: (topic: string) => LogConfig
  logger: Logger
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs?: number
  /** log.cleaner.backoff.ms: how often the cleaner looks for a log to compact. */
  cleanerBackoffMs?: number
  /** log.flush.scheduler.interval.ms: how often each log's flush.ms is checked. */
  flushCheckIntervalMs?: number
  /** log.flush.offset.checkpoint.interval.ms */
  checkpointIntervalMs?: number
  /** producer.id.expiration.ms */
  producerIdExpirationMs?: number
  now?: () => number
  timers?: LogManagerTimers
  /** Shared with whoever checks log dirs before the LogManager (meta.properties); else its own. */
  logDirFailureChannel?: LogDirFailureChannel
}

const realTimers: LogManagerTimers = {
  setInterval: (task, ms) => setInterval(task, ms).unref(),
  clearInterval: handle => clearInterval(handle as NodeJS.Timeout),
}

export class LogManager {
  private readonly logs = new Map<string, { log: PartitionLog, logDir: string }>()
  private readonly logger: Logger
  private readonly now: () => number
  private readonly timers: LogManagerTimers
  private readonly handles: unknown[] = []
  private cleanerHandle: unknown
  private cleanerRun?: Promise<unknown>
  private cleanerBackoffMs: number
  private producerIdExpirationMs: number
  /** The last checkpoint write started (each starts when the one before is done). */
  private checkpointsWritten: Promise<void> = Promise.resolve()
  /** A write queued behind it: it reads the offsets when it starts, so it also serves whatever is asked for meanwhile. */
  private queuedCheckpoints?: { files: Map<string, CheckpointPick>, written: Promise<void> }
  readonly logDirFailureChannel: LogDirFailureChannel

  static open (options: LogManagerOptions): LogManager {
    return new LogManager(options)
  }

  private constructor (private readonly options: LogManagerOptions) {
    this.logger = options.logger.child({ component: 'log-manager' })
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? realTimers
    this.cleanerBackoffMs = options.cleanerBackoffMs ?? 15_000
    this.producerIdExpirationMs = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS
    this.logDirFailureChannel = options.logDirFailureChannel ?? new LogDirFailureChannel(this.logger)
    // Each topic's config is asked for once, whatever the number of its logs and log dirs.
    const configs = new Map<string, LogConfig>()
    for (const logDir of this.liveLogDirs) {
      this.guard(logDir, 'loading logs', () => this.loadLogDir(logDir, configs))
      // A dir that failed half-way keeps none of its logs open.
      if (this.logDirFailureChannel.hasOfflineLogDir(logDir)) this.handleLogDirFailure(logDir)
    }
    // Kafka halts here: a broker without any usable log dir has nothing to serve.
    if (this.liveLogDirs.length === 0) throw new Error(`none of the log dirs ${options.logDirs.join(', ')} can be used: every one failed (see the log for why)`)
  }

  /** The log dirs not taken offline by an I/O error. */
  get liveLogDirs (): string[] {
    return this.options.logDirs.filter(dir => !this.logDirFailureChannel.hasOfflineLogDir(dir))
  }

  /**
   * Kafka's LogManager.handleLogDirFailure: forgets every log in the failed dir (its files closed
   * without a write) and answers the partitions the dir holds: those it had open, and whatever
   * partition directories it still lists (a dir that failed at start-up had none open).
   */
  handleLogDirFailure (logDir: string): Array<{ topic: string, partition: number }> {
    const names = new Set<string>()
    for (const [name, entry] of [...this.logs]) {
      if (entry.logDir !== logDir) continue
      this.logs.delete(name)
      entry.log.closeHandlers()
      names.add(name)
    }
    try {
      for (const name of readdirSync(logDir)) if (PARTITION_DIR.test(name)) names.add(name)
    } catch (err) {
      this.logger.warn('cannot list the partitions of a failed log dir', { logDir, error: (err as Error).message })
    }
    return [...names].map(name => {
      const [, topic, partition] = PARTITION_DIR.exec(name)!
      return { topic: topic!, partition: Number(partition) }
    })
  }

  /** Starts the periodic retention, cleaner, flush and checkpoint tasks. */
  startup (): void {
    const every = (ms: number, task: () => void): void => { this.handles.push(this.timers.setInterval(task, ms)) }
    every(this.options.retentionCheckIntervalMs ?? 300_000, () => this.runRetention())
    every(this.options.flushCheckIntervalMs ?? 1000, () => this.flushDirtyLogs())
    every(this.options.checkpointIntervalMs ?? 60_000, () => { void this.writeCheckpoints() })
    every(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, () => this.removeExpiredProducers())
    this.cleanerHandle = this.timers.setInterval(() => this.cleanerTick(), this.cleanerBackoffMs)
  }

  /** log.cleaner.backoff.ms changed (Kafka's LogCleaner.reconfigure): the cleaner's next pass is that far off. */
  setCleanerBackoffMs (ms: number): void {
    if (ms === this.cleanerBackoffMs) return
    this.cleanerBackoffMs = ms
    if (this.cleanerHandle === undefined) return
    this.timers.clearInterval(this.cleanerHandle)
    this.cleanerHandle = this.timers.setInterval(() => this.cleanerTick(), ms)
  }

  /** producer.id.expiration.ms changed: every log expires its producers by the new value from now on. */
  setProducerIdExpirationMs (ms: number): void {
    this.producerIdExpirationMs = ms
    for (const log of this.allLogs()) log.producerStateManager.producerIdExpirationMs = ms
  }

  /** Forgets, in every log, producers idle for producer.id.expiration.ms. */
  removeExpiredProducers (): number {
    const nowMs = this.now()
    let removed = 0
    for (const log of this.allLogs()) removed += log.removeExpiredProducers(nowMs)
    if (removed > 0) this.logger.info('expired idle producer ids', { producers: removed })
    return removed
  }

  getLog (topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(`${topic}-${partition}`)?.log
  }

  allLogs (): PartitionLog[] {
    return [...this.logs.values()].map(entry => entry.log)
  }

  /** Every configured log dir with the logs it holds; an offline dir holds none (DescribeLogDirs). */
  logsByDir (): Array<{ logDir: string, offline: boolean, logs: PartitionLog[] }> {
    return this.options.logDirs.map(logDir => ({
      logDir,
      offline: this.logDirFailureChannel.hasOfflineLogDir(logDir),
      logs: [...this.logs.values()].filter(entry => entry.logDir === logDir).map(entry => entry.log),
    }))
  }

  /** The existing log (with `config` applied) or a new one in the log dir holding the fewest partitions. */
  getOrCreateLog (topic: string, partition: number, topicId: string, config: LogConfig): PartitionLog {
    const key = `${topic}-${partition}`
    const existing = this.logs.get(key)
    const logDir = existing?.logDir ?? this.leastLoadedLogDir()
    try {
      if (existing !== undefined) {
        const stored = readPartitionMetadata(existing.log.dir)
        if (stored !== null && stored.topicId !== topicId) {
          throw new Error(`partition ${key} on disk belongs to topic id ${stored.topicId}, not ${topicId}`)
        }
        if (stored === null) writePartitionMetadata(existing.log.dir, topicId)
        existing.log.updateConfig(config)
        return existing.log
      }
      const log = PartitionLog.open(join(logDir, key), config, this.options.logger, { hadCleanShutdown: true, now: this.now, logDirFailureChannel: this.logDirFailureChannel, producerIdExpirationMs: this.producerIdExpirationMs })
      writePartitionMetadata(log.dir, topicId)
      this.logs.set(key, { log, logDir })
      this.logger.info('created log', { topicPartition: key, logDir, topicId })
      return log
    } catch (err) {
      // The caller learns it from the I/O error it gets; the dir goes offline for everyone.
      if (isIoError(err)) this.logDirFailureChannel.maybeAddOfflineLogDir(logDir, existing === undefined ? 'creating a log' : 'writing partition.metadata', err)
      throw err
    }
  }

  deleteLog (topic: string, partition: number): void {
    const key = `${topic}-${partition}`
    const entry = this.logs.get(key)
    if (entry === undefined) return
    this.logs.delete(key)
    entry.log.delete()
  }

  /**
   * Deletes logs the cluster no longer has here (Kafka's stray logs): topics deleted while this
   * broker was down, re-created under a new topic id, or partitions moved away.
   */
  deleteStrayLogs (belongsHere: (topic: string, partition: number, topicId: string | null) => boolean): number {
    let deleted = 0
    for (const [key, entry] of [...this.logs]) {
      const { topic, partition, dir } = entry.log
      const topicId = readPartitionMetadata(dir)?.topicId ?? null
      if (belongsHere(topic, partition, topicId)) continue
      this.logs.delete(key)
      entry.log.delete()
      this.logger.info('deleted stray log', { topicPartition: key, topicId })
      deleted++
    }
    return deleted
  }

  /** Deletes retention-breached segments of every log; returns how many went. */
  runRetention (): number {
    let deleted = 0
    for (const { log, logDir } of [...this.logs.values()]) this.guard(logDir, 'deleting segments', () => { deleted += log.deleteRetentionBreachedSegments() })
    if (deleted > 0) this.logger.info('retention deleted segments', { segments: deleted })
    return deleted
  }

  /**
   * Compacts the dirtiest log whose cleanup.policy has 'compact' and whose dirty ratio exceeds its
   * min.cleanable.dirty.ratio, or that holds dirty records older than its max.compaction.lag.ms
   * whatever its ratio (Kafka's LogCleanerManager.grabFilthiestCompactedLog, KIP-354): one log per
   * run, as Kafka's single cleaner thread does. Returns that log, or null.
   */
  async runCleaner (): Promise<PartitionLog | null> {
    const nowMs = this.now()
    const candidates = this.allLogs()
      .filter(log => log.logConfig['cleanup.policy'].includes('compact'))
      .map(log => ({ log, ...log.cleanableState(nowMs) }))
      .filter(c => (c.compactionDelayMs > 0 && c.cleanableBytes > 0) || c.dirtyRatio > c.log.logConfig['min.cleanable.dirty.ratio'])
      .sort((a, b) => b.dirtyRatio - a.dirtyRatio)
    for (const { log } of candidates) {
      try {
        // null: nothing below the high watermark to clean yet; try the next dirtiest.
        if (await log.compact(nowMs) !== null) return log
      } catch (err) {
        if (isIoError(err)) {
          log.maybeHandleIoError('cleaning the log', err)
          return log
        }
        // Kafka marks the partition uncleanable; here the next run retries.
        this.logger.error('log cleaning failed', { topicPartition: `${log.topic}-${log.partition}`, err })
        return log
      }
    }
    return null
  }

  /** Resolves once no run of the cleaner is under way. */
  async whenCleanerIdle (): Promise<void> {
    await this.cleanerRun
  }

  /** A run of the cleaner unless the last one is still going (a pass over a large log takes several backoffs' worth of slices). */
  private cleanerTick (): void {
    if (this.cleanerRun !== undefined) return
    this.cleanerRun = this.runCleaner()
      .catch((err: unknown) => this.logger.error('log cleaner run failed', { error: (err as Error).stack }))
      .finally(() => { this.cleanerRun = undefined })
  }

  /** fsyncs each log whose flush.ms has passed. */
  flushDirtyLogs (): void {
    for (const { log, logDir } of [...this.logs.values()]) this.guard(logDir, 'flushing', () => log.maybeFlush())
  }

  /**
   * Writes the recovery point, high watermark and log start offset checkpoints of every log dir,
   * off the event loop (Kafka writes them from its scheduler threads, not its request handlers):
   * each is two fsyncs, which held every request on this broker for 15-60 ms once a minute.
   */
  async writeCheckpoints (): Promise<void> {
    await this.checkpointAsync(ALL_CHECKPOINTS)
  }

  /**
   * Writes only the log start offset checkpoint of every log dir (Kafka's checkpointLogStartOffsets):
   * after DeleteRecords, so that records deleted on request stay deleted across a crash.
   */
  async checkpointLogStartOffsets (): Promise<void> {
    await this.checkpointAsync([[LOG_START_OFFSET_CHECKPOINT, log => log.logStartOffset]])
  }

  /** Clean shutdown: stop the tasks, flush and close every log, write checkpoints and the marker. */
  async shutdown (): Promise<void> {
    for (const handle of this.handles.splice(0)) this.timers.clearInterval(handle)
    if (this.cleanerHandle !== undefined) this.timers.clearInterval(this.cleanerHandle)
    this.cleanerHandle = undefined
    // The last checkpoints must be the ones written below, not a periodic write landing after them.
    await this.checkpointsWritten.catch(() => {})
    for (const { log, logDir } of [...this.logs.values()]) this.guard(logDir, 'closing', () => log.close())
    // a pass under way stops at its next slice once its log is closed, and removes its .cleaned file
    await this.whenCleanerIdle()
    this.checkpoint(ALL_CHECKPOINTS)
    // An offline dir gets no marker: its logs are recovered at the next start.
    for (const logDir of this.liveLogDirs) this.guard(logDir, 'writing the clean shutdown marker', () => writeFileSync(join(logDir, CLEAN_SHUTDOWN_FILE), ''))
    this.logger.info('log manager shut down cleanly', { logs: this.logs.size, offlineLogDirs: this.logDirFailureChannel.offlineLogDirs })
  }

  /**
   * Runs work on one log dir's files, unless the dir is offline; an I/O error takes the dir offline
   * (Kafka's maybeHandleIOException) instead of escaping. Any other error is a bug and escapes.
   */
  private guard (logDir: string, action: string, work: () => void): void {
    if (this.logDirFailureChannel.hasOfflineLogDir(logDir)) return
    try {
      work()
    } catch (err) {
      if (!isIoError(err)) throw err
      this.logDirFailureChannel.maybeAddOfflineLogDir(logDir, action, err)
    }
  }

  /** Each checkpoint file of each live log dir, with one offset per log in that dir. */
  private checkpoint (files: Array<[name: string, pick: CheckpointPick]>): void {
    for (const logDir of this.liveLogDirs) {
      this.guard(logDir, 'writing checkpoints', () => {
        for (const [name, pick] of files) writeOffsetCheckpoint(new CheckpointFile(join(logDir, name), 3), this.checkpointEntries(logDir, pick))
      })
    }
  }

  /** The same as checkpoint(), off the event loop, one write at a time; requests made while one waits to start join it. */
  private async checkpointAsync (files: Array<[name: string, pick: CheckpointPick]>): Promise<void> {
    const queued = this.queuedCheckpoints
    if (queued !== undefined) {
      for (const [name, pick] of files) queued.files.set(name, pick)
      return await queued.written
    }
    const next = { files: new Map(files), written: Promise.resolve() }
    next.written = this.checkpointsWritten.catch(() => {}).then(async () => {
      this.queuedCheckpoints = undefined
      for (const logDir of this.liveLogDirs) {
        // Offsets as of now, when the write starts (the dir may have failed while this one waited).
        const written = [...next.files].map(async ([name, pick]) => await writeOffsetCheckpointAsync(new CheckpointFile(join(logDir, name), 3), this.checkpointEntries(logDir, pick)))
        try {
          await Promise.all(written)
        } catch (err) {
          if (!isIoError(err)) throw err
          this.logDirFailureChannel.maybeAddOfflineLogDir(logDir, 'writing checkpoints', err)
        }
      }
    })
    this.queuedCheckpoints = next
    this.checkpointsWritten = next.written
    await next.written
  }

  private checkpointEntries (logDir: string, pick: CheckpointPick): Array<{ topic: string, partition: number, offset: number }> {
    const entries: Array<{ topic: string, partition: number, offset: number }> = []
    for (const { log, logDir: dir } of this.logs.values()) if (dir === logDir) entries.push({ topic: log.topic, partition: log.partition, offset: pick(log) })
    return entries
  }

  private loadLogDir (logDir: string, configs: Map<string, LogConfig>): void {
    const startMs = this.now()
    mkdirSync(logDir, { recursive: true })
    const marker = join(logDir, CLEAN_SHUTDOWN_FILE)
    const hadCleanShutdown = existsSync(marker)
    const recoveryPoints = readOffsetCheckpoint(new CheckpointFile(join(logDir, RECOVERY_POINT_CHECKPOINT), 3))
    const highWatermarks = readOffsetCheckpoint(new CheckpointFile(join(logDir, REPLICATION_OFFSET_CHECKPOINT), 3))
    const logStartOffsets = readOffsetCheckpoint(new CheckpointFile(join(logDir, LOG_START_OFFSET_CHECKPOINT), 3))
    const names = readdirSync(logDir).filter(name => PARTITION_DIR.test(name) && statSync(join(logDir, name)).isDirectory())
    this.logger.info('loading logs', { logDir, partitions: names.length, hadCleanShutdown })
    for (const [i, name] of names.entries()) {
      const topic = PARTITION_DIR.exec(name)![1]!
      let config = configs.get(topic)
      if (config === undefined) configs.set(topic, config = this.options.logConfig(topic))
      const log = PartitionLog.open(join(logDir, name), config, this.options.logger, {
        hadCleanShutdown,
        recoveryPoint: recoveryPoints.get(name),
        highWatermark: highWatermarks.get(name),
        logStartOffset: logStartOffsets.get(name),
        now: this.now,
        logDirFailureChannel: this.logDirFailureChannel,
        producerIdExpirationMs: this.producerIdExpirationMs,
      })
      this.logs.set(name, { log, logDir })
      if ((i + 1) % 100 === 0) this.logger.info('loading logs progress', { logDir, loaded: i + 1, partitions: names.length })
    }
    // From here on a crash is unclean again (Kafka deletes the marker once the logs are loaded).
    rmSync(marker, { force: true })
    this.logger.info('loaded logs', { logDir, partitions: names.length, durationMs: this.now() - startMs })
  }

  private leastLoadedLogDir (): string {
    const live = this.liveLogDirs
    // One log dir, the usual case, needs no count: counting every log for each new one is quadratic in partitions.
    if (live.length === 1) return live[0]!
    const counts = new Map(live.map(dir => [dir, 0]))
    for (const { logDir } of this.logs.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1)
    const least = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]
    if (least === undefined) throw new Error('every log dir is offline')
    return least[0]
  }
}
