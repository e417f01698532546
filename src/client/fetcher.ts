/**
 * The consumer's fetch loop (Java's Fetcher): at most one Fetch in flight per leader, covering the
 * assigned partitions led there that have nothing buffered. Answers are decoded as they arrive and
 * buffered per partition, so the next fetch is on the wire while the application works through
 * the last one (prefetch). Long poll: the broker holds a fetch up to fetch.max.wait.ms until
 * fetch.min.bytes are there. Each leader is fetched from in a fetch session (KIP-227), as Java's
 * consumer does: after the first fetch, only partitions added or moved are sent.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js'
import type { Decoded } from '../protocol/schema/index.js'
import { KafkaError } from '../errors.js'
import type { ConsumerConfig } from './client-config.js'
import { decodeFetchedRecords, type ConsumerRecord } from './fetched-records.js'
import { describeError, type KafkaClient } from './kafka-client.js'
import { fetchTopics, forgottenTopics, FetchSessions, isFetchSessionError, type FetchSessionHandler } from './fetch-session-handler.js'

/** v4 is the first that returns record batch v2; v13 moves to topic ids, which this client does not track. */
const FETCH_VERSIONS = { min: 4, max: 12 }

export interface PartitionState {
  topic: string
  partition: number
  /** Next offset to fetch; null until reset (auto.offset.reset or a seek). */
  fetchOffset: number | null
  /** Next offset to hand to the application. */
  position: number | null
  /** Decoded, not yet returned. */
  buffered: ConsumerRecord[]
  highWatermark: number
  /** Set by OFFSET_OUT_OF_RANGE: the consumer resets this partition before fetching again. */
  needsReset: boolean
  /** Java's KafkaConsumer.pause: neither fetched nor returned until resumed. */
  paused: boolean
}

export class Fetcher {
  /** The first non-retriable error of a fetch; poll throws it. */
  error?: KafkaError
  private readonly inFlight = new Set<number>()
  private waiters: Array<() => void> = []
  private retryAtMs = 0
  private readonly sessions = new FetchSessions()

  constructor (private readonly client: KafkaClient, private readonly config: ConsumerConfig, private readonly partitions: Map<string, PartitionState>) {}

  /** Sends a Fetch to every leader that has none in flight and partitions needing data. */
  sendFetches (): void {
    if (Date.now() < this.retryAtMs) return
    const byLeader = new Map<number, PartitionState[]>()
    const noLeader = new Set<string>()
    for (const p of this.partitions.values()) {
      if (p.fetchOffset === null || p.needsReset || p.paused || p.buffered.length > 0) continue
      const leader = this.client.metadata.leaderFor(p.topic, p.partition)
      if (leader === undefined) {
        noLeader.add(p.topic)
        continue
      }
      if (this.inFlight.has(leader.nodeId)) continue
      byLeader.set(leader.nodeId, [...(byLeader.get(leader.nodeId) ?? []), p])
    }
    for (const [nodeId, list] of byLeader) {
      this.inFlight.add(nodeId)
      void this.fetchFrom(nodeId, list).finally(() => {
        this.inFlight.delete(nodeId)
        this.notify()
      })
    }
    if (noLeader.size > 0) this.refreshSoon([...noLeader])
  }

  /** Resolves when a fetch completes, `wakeup` is called, or `timeoutMs` passes. */
  async waitForData (timeoutMs: number): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, timeoutMs)
      function done (): void { clearTimeout(timer); resolve() }
      this.waiters.push(done)
    })
  }

  notify (): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private async fetchFrom (nodeId: number, list: PartitionState[]): Promise<void> {
    const asked = new Map(list.map(p => [key(p.topic, p.partition), p.fetchOffset!]))
    let response
    try {
      response = await sendFetch(this.client, this.config, nodeId, list.map(p => ({ topic: p.topic, partition: p.partition, fetchOffset: p.fetchOffset! })), this.sessions.for(nodeId))
    } catch (err) {
      if (err instanceof KafkaError && isRetriable(err.code)) this.refreshSoon(list.map(p => p.topic))
      else this.error = asKafkaError(err)
      return
    }
    if (response.errorCode !== ErrorCode.NONE) {
      // A lost session is taken up by the next fetch, a full one (Java's Fetcher does not back off either).
      if (!isFetchSessionError(response.errorCode)) this.onPartitionError(list[0]!, response.errorCode, null)
      return
    }
    for (const t of response.responses) {
      for (const r of t.partitions) {
        const p = this.partitions.get(key(t.topic, r.partitionIndex))
        // a seek (or unassign) since this fetch was sent makes its answer stale
        if (p === undefined || p.fetchOffset !== asked.get(key(t.topic, r.partitionIndex))) continue
        if (r.errorCode !== ErrorCode.NONE) {
          this.onPartitionError(p, r.errorCode, null)
          continue
        }
        p.highWatermark = r.highWatermark
        if (r.records === null || r.records.length === 0) continue
        try {
          const decoded = await decodeFetchedRecords(p.topic, p.partition, r.records, p.fetchOffset, this.config['check.crcs'])
          if (p.fetchOffset !== asked.get(key(t.topic, r.partitionIndex))) continue
          p.buffered = decoded.records
          p.fetchOffset = decoded.nextOffset
        } catch (err) {
          this.error = new KafkaError(ErrorCode.CORRUPT_MESSAGE, `records of ${p.topic}-${p.partition} at offset ${p.fetchOffset} do not decode: ${(err as Error).message}`, { cause: err })
        }
      }
    }
  }

  private onPartitionError (p: PartitionState, code: number, message: string | null): void {
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      p.needsReset = true
      return
    }
    if (isRetriable(code)) {
      this.refreshSoon([p.topic])
      return
    }
    this.error = new KafkaError(code as ErrorCode, `fetch from ${p.topic}-${p.partition} failed: ${describeError(code, message)}`)
  }

  /** A leader moved or vanished: back off, refresh metadata, and fetch again. */
  private refreshSoon (topics: string[]): void {
    for (const t of topics) this.client.markStale(t)
    this.retryAtMs = Date.now() + this.config['retry.backoff.ms']
    void this.client.refreshMetadata([...new Set(topics)]).catch(() => {}).finally(() => this.notify())
  }
}

/**
 * One Fetch to `nodeId` for each partition at its offset, as the consumer's settings say, in the
 * broker's fetch session (KIP-227) when its Fetch version has them: the session's handler sends only
 * what changed since the last fetch, and the answer holds only partitions with news.
 */
export async function sendFetch (client: KafkaClient, config: ConsumerConfig, nodeId: number, wanted: Array<{ topic: string, partition: number, fetchOffset: number }>, session: FetchSessionHandler): Promise<Decoded<typeof FetchResponse>> {
  const maxWaitMs = config['fetch.max.wait.ms']
  const conn = await client.connectionTo(nodeId)
  const version = conn.version(FetchRequest, FETCH_VERSIONS.min, FETCH_VERSIONS.max)
  const partitionMaxBytes = config['max.partition.fetch.bytes']
  const sent = session.build(wanted.map(w => ({ ...w, partitionMaxBytes, currentLeaderEpoch: -1, logStartOffset: -1 })), version >= 7)
  let response
  try {
    response = await conn.send(FetchRequest, FetchResponse, version, {
      replicaId: -1,
      maxWaitMs,
      minBytes: config['fetch.min.bytes'],
      maxBytes: config['fetch.max.bytes'],
      isolationLevel: config['isolation.level'] === 'read_committed' ? 1 : 0,
      sessionId: sent.sessionId,
      sessionEpoch: sent.sessionEpoch,
      topics: fetchTopics(sent.toSend),
      forgottenTopicsData: forgottenTopics(sent.toForget),
      rackId: '',
    }, { timeoutMs: config['request.timeout.ms'] + maxWaitMs })
  } catch (err) {
    session.handleError()
    throw err
  }
  if (!session.handleResponse(sent, response) && response.errorCode === ErrorCode.NONE) {
    // partitions outside the session: nothing of it is used, and the next fetch is full
    return { ...response, responses: [] }
  }
  return response
}

export function key (topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

function asKafkaError (err: unknown): KafkaError {
  return err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message, { cause: err })
}
