import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache, PartitionMetadata } from '../cluster/metadata-cache.js'
import type { ZkClient } from '../cluster/zk-session.js'
import { topicLogConfig, type LogConfig } from '../storage/log-config.js'
import { isIoError } from '../storage/log-dir-failure-channel.js'
import type { LogManager } from '../storage/log-manager.js'
import type { PartitionLog } from '../storage/partition-log.js'
import { systemScheduler, type Scheduler } from '../scheduler.js'
import { FollowerFetcher } from './follower-fetcher.js'
import { IsrChangePropagator, writeIsr } from './isr-writer.js'
import { OfflineReplicas } from './offline-replicas.js'
import { Partition, type DeleteRecordsResult } from './partition.js'
import { ReplicationQuotaManager, throttledPartitions } from './replication-quota-manager.js'
import { ErrorCode } from '../protocol/error-codes.js'

/** How long one turn of the event loop may spend applying partition states (applyInSlices). */
const STATE_SLICE_MS = 20

/** The purgatories of Kafka that waitForData stands in for: acks=all produces, long-poll fetches. */
export type DelayedOperation = 'Produce' | 'Fetch' | 'DeleteRecords'

/**
 * Counts for the broker's metrics, kept as plain numbers (no per-event metrics work): Kafka's
 * ReplicaManager meters IsrShrinksPerSec and IsrExpandsPerSec (ISR changes this broker made as
 * leader), BrokerTopicStats' ReplicationBytesInPerSec (bytes its followers appended), and each
 * DelayedOperationPurgatory's PurgatorySize (requests parked in waitForData now).
 */
export interface ReplicaStats {
  isrShrinks: number
  isrExpands: number
  replicationBytesIn: number
  purgatorySize: Record<DelayedOperation, number>
}

/**
 * The partitions this broker hosts (Kafka's ReplicaManager): it follows the metadata cache, opening
 * a log when the broker becomes a replica, switching roles when the controller moves leadership,
 * and deleting logs of deleted topics. Partitions in a failed log dir go offline.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Map<number, Partition>>()
  private readonly offline: OfflineReplicas
  private stopped = false
  /** False from the start of this broker's controlled shutdown (stopFollowing). */
  private following = true
  private readonly fetchers = new Map<number, FollowerFetcher>()
  private readonly isrWrites = new Set<Partition>()
  private readonly isrChanges: IsrChangePropagator
  private cancelIsrExpiration?: () => void
  /** Partition states not applied yet, past a slice's budget (applyInSlices), by `<topic>-<partition>`. */
  private readonly pendingStates = new Map<string, PartitionMetadata>()
  /** When the current turn of the event loop started applying states; undefined between turns. */
  private sliceStartMs?: number
  /** Told once a partition's state has been applied here (now or in a later slice): its role is current. */
  private readonly appliedListeners = new Set<(topic: string, partition: number) => void>()
  readonly stats: ReplicaStats = { isrShrinks: 0, isrExpands: 0, replicationBytesIn: 0, purgatorySize: { Produce: 0, Fetch: 0, DeleteRecords: 0 } }
  /** Replication throttles (Kafka's ReplicationQuotaManagers): what this leader sends to, and this follower fetches for, catching-up replicas. */
  readonly leaderQuota: ReplicationQuotaManager
  readonly followerQuota: ReplicationQuotaManager

  constructor (
    private readonly brokerId: number,
    private readonly logManager: LogManager,
    private readonly metadata: MetadataCache,
    private readonly zk: ZkClient,
    private config: KafkaConfig,
    private readonly log: Logger,
    /** The clock of follower lag (replica.lag.time.max.ms) and the timer of the ISR checks. */
    private readonly scheduler: Scheduler = systemScheduler,
  ) {
    this.isrChanges = new IsrChangePropagator(zk, log)
    this.offline = new OfflineReplicas(brokerId, logManager.logDirFailureChannel, zk, log)
    const window = { samples: config.values['replication.quota.window.num'], windowMs: config.values['replication.quota.window.size.seconds'] * 1000 }
    this.leaderQuota = new ReplicationQuotaManager(window, scheduler.now)
    this.followerQuota = new ReplicationQuotaManager(window, scheduler.now)
    this.updateQuotas()
  }

  start (): void {
    // Kafka's isr-expiration task: lagging followers are checked every replica.lag.time.max.ms / 2.
    this.scheduleIsrExpiration(Math.max(10, Math.floor(this.config.values['replica.lag.time.max.ms'] / 2)))
    // Log dirs that failed at start-up first, so that their partitions are never opened elsewhere.
    const failures = this.logManager.logDirFailureChannel
    failures.on('offline', (logDir: string) => this.handleLogDirFailure(logDir))
    for (const logDir of failures.offlineLogDirs) this.handleLogDirFailure(logDir)
    // With every log dir back, a previous run's record of offline replicas goes.
    if (failures.offlineLogDirs.length === 0) this.offline.propagate(false)
    this.logManager.deleteStrayLogs((topic, partition, topicId) => {
      const t = this.metadata.topic(topic)
      return t !== undefined && (topicId === null || topicId === t.topicId) && t.partitions.get(partition)?.replicas.includes(this.brokerId) === true
    })
    this.metadata.on('partition', (p: PartitionMetadata) => this.applyInSlices(p))
    this.metadata.on('topicDeleted', (topic: string) => this.onTopicDeleted(topic))
    this.metadata.on('topicConfig', (topic: string) => this.onTopicConfig(topic))
    for (const t of this.metadata.topics()) this.updateThrottledReplicas(t.name)
    for (const t of this.metadata.topics()) for (const p of t.partitions.values()) if (p.stateVersion >= 0) this.applyInSlices(p)
  }

  /**
   * Applies a partition's state now, unless this turn of the event loop has already spent
   * STATE_SLICE_MS applying states: then it waits, with the rest, for the next turns. A ZooKeeper
   * reply may carry thousands of new partitions, each a log to create (files, a directory): applied
   * in one turn they held the event loop for seconds, long enough for the ZooKeeper session to
   * expire (its pings could not go out) and for every request to wait. States are live objects of
   * the metadata cache, so a waiting one is applied as it is when its turn comes.
   */
  private applyInSlices (state: PartitionMetadata): void {
    // A state read from ZooKeeper before stop() may arrive after it: it must not open a log or start a fetcher.
    if (this.stopped) return
    const key = `${state.topic}-${state.partition}`
    if (this.pendingStates.size === 0) {
      const now = performance.now()
      if (this.sliceStartMs === undefined) {
        this.sliceStartMs = now
        setImmediate(() => { this.sliceStartMs = undefined })
      }
      if (now - this.sliceStartMs < STATE_SLICE_MS) return this.onPartitionState(state)
      setImmediate(() => this.applyPending())
    }
    this.pendingStates.set(key, state)
  }

  private applyPending (): void {
    const start = performance.now()
    for (const [key, state] of this.pendingStates) {
      this.pendingStates.delete(key)
      if (this.stopped) return
      // A topic deleted (or deleted and created again) meanwhile has new objects, or none.
      if (this.metadata.partition(state.topic, state.partition) === state) this.onPartitionState(state)
      if (performance.now() - start >= STATE_SLICE_MS && this.pendingStates.size > 0) {
        setImmediate(() => this.applyPending())
        return
      }
    }
  }

  stop (): void {
    this.stopped = true
    this.offline.stop()
    this.cancelIsrExpiration?.()
    this.isrChanges.stop()
    for (const f of this.fetchers.values()) f.stop()
    this.fetchers.clear()
  }

  /**
   * This broker is in controlled shutdown: it follows no partition under a new leader epoch, as in
   * Kafka, where the controller sends a shutting-down broker StopReplica for the partitions it
   * follows and no LeaderAndIsr for the partitions it leaves (KafkaController.doControlledShutdown).
   * Otherwise the state that takes it out of an ISR would start a fetcher at the new epoch, whose
   * first fetch puts it back into that ISR just before it exits, and acks=all produce would wait
   * for it until replica.lag.time.max.ms. Fetchers at the old epochs keep it in sync meanwhile;
   * the leaders fence them (FENCED_LEADER_EPOCH) once the controller has moved on.
   */
  stopFollowing (): void {
    this.following = false
  }

  /** A follower fetched: track it, and let it rejoin the ISR once it has caught up. */
  followerFetched (partition: Partition, replicaId: number, fetchOffset: number, logStartOffset = -1): void {
    partition.updateFollowerFetchState(replicaId, fetchOffset, this.scheduler.now(), logStartOffset)
    const expanded = partition.isrToExpand(replicaId, this.metadata.hasAliveBroker)
    if (expanded !== undefined) this.changeIsr(partition, expanded, 'expand')
  }

  private scheduleIsrExpiration (periodMs: number): void {
    this.cancelIsrExpiration = this.scheduler.schedule(() => {
      this.scheduleIsrExpiration(periodMs) // first: a check that throws must not end the checks
      this.shrinkIsrs()
    }, periodMs)
  }

  private shrinkIsrs (): void {
    const now = this.scheduler.now()
    const lagMs = this.config.values['replica.lag.time.max.ms']
    for (const p of this.hostedPartitions()) {
      const shrunk = p.isrToShrink(now, lagMs)
      if (shrunk !== undefined) this.changeIsr(p, shrunk, 'shrink')
    }
  }

  private changeIsr (partition: Partition, isr: number[], kind: 'expand' | 'shrink'): void {
    if (this.isrWrites.has(partition)) return // one write at a time per partition
    this.isrWrites.add(partition)
    const before = partition.isr
    const controllerEpoch = this.metadata.partition(partition.topic, partition.partition)?.controllerEpoch ?? 0
    writeIsr(this.zk, partition, isr, controllerEpoch, this.isrChanges).then(version => {
      if (version === undefined) return
      partition.isrWritten(isr, version)
      if (kind === 'expand') this.stats.isrExpands++
      else this.stats.isrShrinks++
      this.log.info(kind === 'expand' ? 'ISR expanded' : 'ISR shrunk', { topic: partition.topic, partition: partition.partition, from: before, to: isr, leaderEpoch: partition.leaderEpoch })
    }, (err: unknown) => {
      this.log.warn('ISR change failed', { topic: partition.topic, partition: partition.partition, error: (err as Error).message })
    }).finally(() => this.isrWrites.delete(partition))
  }

  /** The log dirs and the logs each holds (DescribeLogDirs). */
  logsByDir (): ReturnType<LogManager['logsByDir']> {
    return this.logManager.logsByDir()
  }

  /**
   * DeleteRecords on partitions led here (Kafka's deleteRecordsOnLocalLog), then one log start
   * offset checkpoint for the lot (an fsync'd write per partition would take seconds on a request
   * naming thousands of them), written before the results are given.
   */
  async deleteRecordsOnLeader (deletions: ReadonlyArray<{ partition: Partition, offset: number }>): Promise<DeleteRecordsResult[]> {
    const results = deletions.map(d => d.partition.deleteRecordsOnLeader(d.offset))
    if (results.some(r => r.errorCode === ErrorCode.NONE)) await this.logManager.checkpointLogStartOffsets()
    return results
  }

  partition (topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topic)?.get(partition)
  }

  /** Whether this broker's replica is in a failed log dir: requests for it get KAFKA_STORAGE_ERROR. */
  isOffline (topic: string, partition: number): boolean {
    return this.offline.has(topic, partition)
  }

  hostedPartitions (): Partition[] {
    return [...this.partitions.values()].flatMap(m => [...m.values()])
  }

  /** Replicas this broker holds in failed log dirs (Kafka's OfflineReplicaCount). */
  get offlineReplicaCount (): number {
    return this.offline.count
  }

  /**
   * Waits until any of these partitions gets an append or a new high watermark, or the timeout,
   * counted in `purgatory` meanwhile. With `until`, an append only ends the wait once `until()`
   * holds (Kafka's DelayedOperation.tryComplete): a waiter checked on every change of a busy
   * partition then costs a call, not a new timer and listener each time.
   */
  async waitForData (partitions: readonly Partition[], timeoutMs: number, purgatory: DelayedOperation, until?: () => boolean): Promise<void> {
    if (timeoutMs <= 0 || partitions.length === 0) return
    this.stats.purgatorySize[purgatory]++
    // One listener for all the partitions, no closure per partition: a follower's fetch of an idle
    // session of thousands waits here for its max wait, long enough for such garbage to reach V8's
    // old generation on every fetch.
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        for (const p of partitions) p.offAppend(onAppend)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      const onAppend = until === undefined ? done : () => { if (until()) done() }
      for (const p of partitions) p.onAppend(onAppend)
    })
    this.stats.purgatorySize[purgatory]--
  }

  /**
   * `listener` runs after each partition state this broker applies: who follows leadership (the
   * coordinators) must ask then, not on the metadata event, which may come before the state is
   * applied (applyInSlices).
   */
  onStateApplied (listener: (topic: string, partition: number) => void): () => void {
    this.appliedListeners.add(listener)
    return () => this.appliedListeners.delete(listener)
  }

  private onPartitionState (state: PartitionMetadata): void {
    this.applyState(state)
    for (const listener of this.appliedListeners) listener(state.topic, state.partition)
  }

  private applyState (state: PartitionMetadata): void {
    if (!state.replicas.includes(this.brokerId)) return this.stopReplica(state.topic, state.partition)
    if (this.isOffline(state.topic, state.partition)) return
    let partition = this.partition(state.topic, state.partition)
    if (partition === undefined) {
      const topic = this.metadata.topic(state.topic)
      if (topic === undefined) return
      let log: PartitionLog
      try {
        log = this.logManager.getOrCreateLog(state.topic, state.partition, topic.topicId, this.logConfigFor(state.topic))
      } catch (err) {
        if (!isIoError(err)) throw err
        this.markOffline(state.topic, state.partition) // its log dir just failed: the controller is being told
        return
      }
      partition = new Partition(state.topic, state.partition, topic.topicId, log, this.brokerId)
      partition.minInsyncReplicas = this.minInsyncReplicasFor(state.topic)
      let byNumber = this.partitions.get(state.topic)
      if (byNumber === undefined) this.partitions.set(state.topic, byNumber = new Map())
      byNumber.set(state.partition, partition)
    }
    let roleChanged: boolean
    try {
      roleChanged = partition.applyState(state, this.scheduler.now())
    } catch (err) {
      partition.log.maybeHandleIoError('changing role', err)
      return
    }
    if (!roleChanged) return
    this.log.info(partition.isLeader ? 'became leader' : 'became follower', { topic: state.topic, partition: state.partition, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr })
    this.stopFetching(partition)
    if (!partition.isLeader && partition.leaderId >= 0 && this.following) this.fetcherFor(partition.leaderId).add(partition)
  }

  /**
   * Kafka's ReplicaFetcherManager MaxLag: the most records any partition followed here is behind
   * its leader's high watermark, as of its last fetch answer.
   */
  get maxLag (): number {
    let max = 0
    for (const f of this.fetchers.values()) max = Math.max(max, f.maxLag)
    return max
  }

  private fetcherFor (leaderId: number): FollowerFetcher {
    let fetcher = this.fetchers.get(leaderId)
    if (fetcher === undefined) {
      const v = this.config.values
      const listener = this.config.interBrokerListenerName
      fetcher = new FollowerFetcher(leaderId, () => this.metadata.broker(leaderId)?.endpoints.find(e => e.listenerName === listener), {
        security: this.config.interBrokerSecurity,
        brokerId: this.brokerId,
        clientId: `broker-${this.brokerId}-fetcher-${leaderId}`,
        fetchWaitMaxMs: v['replica.fetch.wait.max.ms'],
        fetchMaxBytes: v['replica.fetch.max.bytes'],
        fetchResponseMaxBytes: v['replica.fetch.response.max.bytes'],
        requestTimeoutMs: 30_000,
        log: this.log.child({ fetcherFor: leaderId }),
        onReplicated: bytes => { this.stats.replicationBytesIn += bytes },
        onLogStartOffsetMoved: async () => await this.logManager.checkpointLogStartOffsets(),
        quota: this.followerQuota,
      })
      this.fetchers.set(leaderId, fetcher)
    }
    return fetcher
  }

  private stopFetching (partition: Partition): void {
    for (const [leaderId, f] of this.fetchers) {
      f.remove(partition)
      if (f.size === 0) { f.stop(); this.fetchers.delete(leaderId) }
    }
  }

  private onTopicDeleted (topic: string): void {
    if (this.offline.deleteTopic(topic)) this.offline.propagate(false)
    this.updateThrottledReplicas(topic)
    const byNumber = this.partitions.get(topic)
    if (byNumber === undefined) return
    for (const p of [...byNumber.values()]) this.deletePartition(p)
    this.log.info('deleted logs of deleted topic', { topic, partitions: byNumber.size })
  }

  /**
   * This broker is no longer a replica (a reassignment moved the partition away): it stops
   * following and deletes its log, as Kafka's StopReplica with deletePartition does.
   */
  private stopReplica (topic: string, partition: number): void {
    const hosted = this.partition(topic, partition)
    if (hosted === undefined) return
    this.deletePartition(hosted)
    this.log.info('stopped replica and deleted its log: no longer a replica', { topic, partition })
  }

  private deletePartition (p: Partition): void {
    const byNumber = this.partitions.get(p.topic)
    byNumber?.delete(p.partition)
    if (byNumber?.size === 0) this.partitions.delete(p.topic)
    this.stopFetching(p)
    this.logManager.deleteLog(p.topic, p.partition)
  }

  /**
   * Kafka's ReplicaManager.handleLogDirFailure: every partition in the failed log dir stops being
   * served and replicated, and the controller is told, so that it moves their leadership to other
   * ISR members and takes this replica out of their ISRs.
   */
  private handleLogDirFailure (logDir: string): void {
    const partitions = this.logManager.handleLogDirFailure(logDir)
    for (const { topic, partition } of partitions) this.markOffline(topic, partition)
    this.log.warn('stopped serving and replicating the partitions of a failed log dir', { logDir, partitions: partitions.map(p => `${p.topic}-${p.partition}`) })
    this.offline.propagate(true)
  }

  private markOffline (topic: string, partition: number): void {
    this.offline.add(topic, partition)
    const hosted = this.partition(topic, partition)
    if (hosted === undefined) return
    this.partitions.get(topic)?.delete(partition)
    this.stopFetching(hosted)
    hosted.markOffline()
  }

  /**
   * A dynamic broker config changed (Kafka's DynamicLogConfig.reconfigure): every hosted log takes
   * the broker's new log.* defaults where its topic has no override.
   */
  reconfigure (config: KafkaConfig): void {
    this.config = config
    this.updateQuotas()
    for (const topic of this.partitions.keys()) this.onTopicConfig(topic)
  }

  /** The dynamic leader/follower.replication.throttled.rate (Kafka's DynamicReplicationConfig). */
  private updateQuotas (): void {
    this.leaderQuota.updateQuota(this.config.values['leader.replication.throttled.rate'])
    this.followerQuota.updateQuota(this.config.values['follower.replication.throttled.rate'])
  }

  private onTopicConfig (topic: string): void {
    this.updateThrottledReplicas(topic)
    const byNumber = this.partitions.get(topic)
    if (byNumber === undefined) return
    const logConfig = this.logConfigFor(topic)
    for (const p of byNumber.values()) {
      p.log.updateConfig(logConfig)
      p.minInsyncReplicas = logConfig['min.insync.replicas']
    }
  }

  /**
   * Kafka's TopicConfigHandler: the replicas of this broker that the topic throttles, kept for
   * every topic (not only hosted ones), since a reassignment sets them before its replicas exist.
   */
  private updateThrottledReplicas (topic: string): void {
    const config = this.metadata.topic(topic)?.config ?? {}
    const parse = (key: string): string[] => (config[key] ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
    this.leaderQuota.markThrottled(topic, throttledPartitions(parse('leader.replication.throttled.replicas'), this.brokerId))
    this.followerQuota.markThrottled(topic, throttledPartitions(parse('follower.replication.throttled.replicas'), this.brokerId))
  }

  private minInsyncReplicasFor (topic: string): number {
    return this.logConfigFor(topic)['min.insync.replicas']
  }

  /** The broker's log.* defaults with the topic's overrides from /config/topics/<t>. */
  logConfigFor (topic: string): LogConfig {
    return topicLogConfig(this.config, this.metadata.topic(topic)?.config ?? {})
  }
}
