import { Connection } from '../client/connection.js'
import { FetchSessionHandler, fetchTopics, forgottenTopics, partitionKey, type FetchRequestData } from '../client/fetch-session-handler.js'
import type { ClientSecurity } from '../config/listener-security.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js'
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../protocol/messages/offset-for-leader-epoch.js'
import type { Decoded, Infer } from '../protocol/schema/index.js'
import type { Logger } from '../logger.js'
import type { AppendResult } from '../storage/partition-log.js'
import type { Partition } from './partition.js'
import type { ReplicationQuotaManager } from './replication-quota-manager.js'

export interface FetcherOptions {
  brokerId: number
  clientId: string
  /** The inter-broker listener's protocol, TLS keys and this broker's SASL login. */
  security: ClientSecurity
  fetchWaitMaxMs: number
  fetchMaxBytes: number
  fetchResponseMaxBytes: number
  requestTimeoutMs: number
  log: Logger
  /** Bytes of the leader's batches appended here (for ReplicationBytesInPerSec). */
  onReplicated: (bytes: number) => void
  /**
   * A partition's log start offset followed the leader's (DeleteRecords there): checkpoint it. The
   * next fetch, which tells the leader the new log start offset, waits for it, so that the leader's
   * DeleteRecords answer still means every replica has it on disk.
   */
  onLogStartOffsetMoved: () => Promise<void>
  /** follower.replication.throttled.rate over this broker's throttled replicas. */
  quota: ReplicationQuotaManager
}

const RETRY_BACKOFF_MS = 200
// Fetch v11 and OffsetForLeaderEpoch v3: the newest non-flexible versions, with leader epochs and replicaId.
const FETCH_VERSION = 11
const EPOCH_VERSION = 3

interface Fetched { partition: Partition, truncated: boolean }

/**
 * Replicates the partitions this broker follows from one leader (Kafka's ReplicaFetcherThread),
 * over an ordinary Kafka connection, as Kafka's NetworkClient does. A partition joins "to be
 * truncated": first OffsetForLeaderEpoch for its latest epoch, truncation of the divergent tail
 * (KIP-101/279), then fetches from its log end, appending the leader's batches unchanged. Fetches
 * are incremental within a fetch session, as Kafka's fetcher threads' are (KIP-227).
 */
export class FollowerFetcher {
  private readonly partitions = new Map<Partition, Fetched>()
  private connection?: Connection
  private running = false
  private wake?: () => void
  /** The fetch session with the leader (KIP-227): partitions whose log end did not move are not re-sent. */
  private readonly session = new FetchSessionHandler()
  /**
   * Kafka's FetcherLagMetrics: how far each partition was behind the leader's high watermark after
   * its last answer, kept while it is followed here.
   */
  private readonly lags = new Map<Partition, number>()

  constructor (readonly leaderId: number, private readonly address: () => { host: string, port: number } | undefined, private readonly options: FetcherOptions) {}

  get size (): number { return this.partitions.size }

  /** The largest lag over the partitions followed (what Kafka's ReplicaFetcherManager MaxLag takes the max of). */
  get maxLag (): number {
    let max = 0
    for (const lag of this.lags.values()) max = Math.max(max, lag)
    return max
  }

  add (partition: Partition): void {
    this.partitions.set(partition, { partition, truncated: false })
    this.wake?.()
    if (!this.running) void this.run()
  }

  remove (partition: Partition): void {
    this.partitions.delete(partition)
    this.lags.delete(partition)
  }

  stop (): void {
    this.partitions.clear()
    this.lags.clear()
    this.running = false
    this.connection?.close()
    this.wake?.()
  }

  private async run (): Promise<void> {
    this.running = true
    while (this.running && this.partitions.size > 0) {
      try {
        const connection = await this.connect()
        const toTruncate = [...this.partitions.values()].filter(f => !f.truncated)
        if (toTruncate.length > 0) await this.truncate(connection, toTruncate)
        else await this.fetch(connection)
      } catch (err) {
        this.options.log.debug('replica fetch failed; retrying', { leaderId: this.leaderId, error: (err as Error).message })
        this.connection?.close()
        this.connection = undefined
        await this.pause(RETRY_BACKOFF_MS)
      }
    }
    this.running = false
  }

  /** Waits `ms`, or less if a partition is added or the fetcher stops. */
  private async pause (ms: number): Promise<void> {
    await new Promise<void>(resolve => { this.wake = resolve; setTimeout(resolve, ms).unref() })
  }

  private isThrottled (p: Partition): boolean {
    return !p.isr.includes(this.options.brokerId) && this.options.quota.isThrottled(p.topic, p.partition)
  }

  private async connect (): Promise<Connection> {
    if (this.connection?.isOpen === true) return this.connection
    const address = this.address()
    if (address === undefined) throw new Error(`leader ${this.leaderId} is not registered`)
    const c = new Connection(address, { clientId: this.options.clientId, connectTimeoutMs: 5000, requestTimeoutMs: this.options.requestTimeoutMs, security: this.options.security })
    await c.connect()
    this.connection = c
    return c
  }

  /**
   * Whether `f` is still the partition's entry: one removed and re-added (a new leader epoch) while
   * a request for it was in flight has a new entry, and the answer, given for the old epoch, must
   * not be applied to it (Kafka's AbstractFetcherThread applies an answer only while the partition's
   * fetch state still has the leader epoch the request was sent with).
   */
  private isCurrent (f: Fetched): boolean {
    return this.partitions.get(f.partition) === f
  }

  /** KIP-279: truncate to min(leader's end of our latest epoch, our own end of the epoch it answers with). */
  private async truncate (connection: Connection, fetched: Fetched[]): Promise<void> {
    const byTopic = groupByTopic(fetched.map(f => f.partition))
    const sentFor = byKey(fetched)
    const response = await connection.send(OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, EPOCH_VERSION, {
      replicaId: this.options.brokerId,
      topics: [...byTopic].map(([topic, ps]) => ({
        topic,
        partitions: ps.map(p => ({ partition: p.partition, currentLeaderEpoch: p.leaderEpoch, leaderEpoch: p.log.leaderEpochCache.latestEpoch })),
      })),
    })
    for (const t of response.topics) {
      for (const r of t.partitions) {
        const f = sentFor.get(partitionKey(t.topic, r.partition))
        if (f === undefined || !this.isCurrent(f)) continue
        if (r.errorCode !== ErrorCode.NONE) continue // the metadata will move this partition; retry meanwhile
        const partition = f.partition
        const log = partition.log
        let target: number
        if (r.endOffset < 0) target = log.highWatermark // the leader has no epoch information: fall back to the HW
        else {
          const ownEnd = log.leaderEpochCache.endOffsetFor(r.leaderEpoch, log.logEndOffset).endOffset
          target = Math.min(r.endOffset, ownEnd < 0 ? log.logEndOffset : ownEnd, log.logEndOffset)
        }
        if (target < log.logEndOffset) {
          this.options.log.info('truncating divergent log tail', { topic: t.topic, partition: r.partition, from: log.logEndOffset, to: target, leaderEpoch: r.leaderEpoch })
          try {
            log.truncateTo(target)
          } catch (err) {
            log.maybeHandleIoError('truncating', err) // the ReplicaManager takes the partition away from us
            continue
          }
        }
        f.truncated = true
      }
    }
    // Entries replaced meanwhile ask again at once; only the leader's errors wait for new metadata.
    if (fetched.every(f => !f.truncated && this.isCurrent(f))) throw new Error('no partition could be truncated yet')
  }

  private async fetch (connection: Connection): Promise<void> {
    // Kafka's ReplicaFetcherThread.shouldFollowerThrottle: a throttled replica catching up (out of
    // the ISR) is left out of the fetch while the follower's quota is exceeded.
    const quota = this.options.quota
    const exceeded = quota.isQuotaExceeded()
    const entries = [...this.partitions.values()].filter(f => !(exceeded && this.isThrottled(f.partition)))
    if (entries.length === 0) {
      await this.pause(Math.min(quota.msUntilAvailable(), this.options.fetchWaitMaxMs))
      return
    }
    const { sent, request } = this.buildFetch(entries)
    let fetched
    try {
      fetched = await connection.sendReleasable(FetchRequest, FetchResponse, FETCH_VERSION, request, { timeoutMs: this.options.requestTimeoutMs + this.options.fetchWaitMaxMs })
    } catch (err) {
      this.session.handleError()
      throw err
    }
    // The records are copied into the logs below: the response's frame then goes back to the pool.
    let movedLogStart
    try {
      movedLogStart = this.apply(entries, sent, fetched.response)
    } finally {
      fetched.release()
    }
    if (movedLogStart) await this.options.onLogStartOffsetMoved()
  }

  /**
   * The Fetch for `entries`: with a session, only what changed since the last one. A function of
   * its own, so that the fetch positions built for every partition are garbage before the fetch
   * waits on the leader (an async function keeps its locals across an await): in an idle cluster
   * they would otherwise reach V8's old generation, thousands on every fetch.
   */
  private buildFetch (entries: Fetched[]): { sent: FetchRequestData, request: Infer<typeof FetchRequest> } {
    const sent = this.session.build(entries.map(({ partition: p }) => ({ topic: p.topic, partition: p.partition, currentLeaderEpoch: p.leaderEpoch, fetchOffset: p.log.logEndOffset, logStartOffset: p.log.logStartOffset, partitionMaxBytes: this.options.fetchMaxBytes })), true)
    const request = {
      replicaId: this.options.brokerId,
      maxWaitMs: this.options.fetchWaitMaxMs,
      minBytes: 1,
      maxBytes: this.options.fetchResponseMaxBytes,
      isolationLevel: 0,
      sessionId: sent.sessionId,
      sessionEpoch: sent.sessionEpoch,
      topics: fetchTopics(sent.toSend),
      forgottenTopicsData: forgottenTopics(sent.toForget),
      rackId: '',
    }
    return { sent, request }
  }

  /** Appends a fetch's answers to the logs; true when a log start offset moved. */
  private apply (entries: Fetched[], sent: FetchRequestData, response: Decoded<typeof FetchResponse>): boolean {
    // A session error (the leader restarted or evicted it): the next fetch is a full one.
    if (!this.session.handleResponse(sent, response)) return false
    const sentFor = byKey(entries)
    let failures = 0
    let movedLogStart = false
    for (const t of response.responses) {
      for (const r of t.partitions) {
        const f = sentFor.get(partitionKey(t.topic, r.partitionIndex))
        if (f === undefined || !this.isCurrent(f)) continue
        const partition = f.partition
        const log = partition.log
        if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          // Our log end is below the leader's log start (retention moved it): start over there.
          if (log.logEndOffset < r.logStartOffset) {
            try {
              log.truncateFullyAndStartAt(r.logStartOffset)
            } catch (err) {
              log.maybeHandleIoError('truncating', err) // the ReplicaManager takes the partition away from us
            }
          } else this.partitions.set(partition, { partition, truncated: false })
          continue
        }
        if (r.errorCode !== ErrorCode.NONE) { failures++; continue }
        if (r.records !== null && r.records.length > 0) {
          let appended: AppendResult
          try {
            appended = log.appendAsFollower(r.records)
          } catch (err) {
            log.maybeHandleIoError('appending replicated records', err) // the ReplicaManager takes the partition away from us
            continue
          }
          if (appended.errorCode !== 0) {
            this.options.log.warn('replica append failed', { topic: t.topic, partition: r.partitionIndex, reason: appended.reason })
            this.partitions.set(partition, { partition, truncated: false })
            continue
          }
          this.options.onReplicated(r.records.length)
          if (this.isThrottled(partition)) this.options.quota.record(r.records.length)
        }
        log.highWatermark = Math.min(r.highWatermark, log.logEndOffset)
        this.lags.set(partition, Math.max(0, r.highWatermark - log.logEndOffset))
        // Kafka's ReplicaFetcherThread.processPartitionData: the follower takes the leader's log start
        // offset (DeleteRecords, retention there), up to its own high watermark.
        if (r.logStartOffset > log.logStartOffset && log.highWatermark > log.logStartOffset) {
          try {
            log.deleteRecordsBefore(Math.min(r.logStartOffset, log.highWatermark))
          } catch (err) {
            log.maybeHandleIoError('deleting records', err) // the ReplicaManager takes the partition away from us
            continue
          }
          movedLogStart = true
        }
      }
    }
    if (failures > 0 && failures === entries.length) throw new Error('every partition failed; waiting for new metadata')
    return movedLogStart
  }
}

/** The entries a request was sent for, by partitionKey, to match the answer's partitions with. */
function byKey (entries: Fetched[]): Map<string, Fetched> {
  return new Map(entries.map(f => [partitionKey(f.partition.topic, f.partition.partition), f]))
}

function groupByTopic (partitions: Partition[]): Map<string, Partition[]> {
  const out = new Map<string, Partition[]>()
  for (const p of partitions) {
    const list = out.get(p.topic)
    if (list === undefined) out.set(p.topic, [p])
    else list.push(p)
  }
  return out
}
