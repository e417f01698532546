/**
 * The gateway's fetches, shared by all its subscriptions. Subscriptions hold positions, not
 * records: they ask here for the records of a partition at an offset, and one Fetch answers every
 * subscription at or near that offset (one fetch and one CRC check and inflate for 100 browser
 * tabs reading the same topic, not 100). Answers are kept as bytes, in chunks (one partition of
 * one Fetch answer), in a cache bounded by gateway.fetch.cache.bytes across the whole gateway, the
 * least recently read dropped first; a subscription that cannot send (no credit, a stalled socket)
 * holds nothing but its positions, so what 100 stalled sockets cost is their queues.
 *
 * Fetching follows the consumer's rules (src/client/fetcher.ts, Java's Fetcher): at most one Fetch
 * in flight per leader, long-polled with fetch.max.wait.ms; a leader move refreshes metadata and
 * retries. Offsets someone waits for go first; reading ahead (the chunk after the one a
 * subscription reads) only while the cache is under its budget.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import type { Logger } from '../logger.js'
import { consumerSchema, parseClientConfig, type ClientProperties, type ConsumerConfig } from '../client/client-config.js'
import { fetchedBatches, type FetchedBatch } from '../client/fetched-records.js'
import { key, sendFetch } from '../client/fetcher.js'
import { FetchSessions } from '../client/fetch-session-handler.js'
import { describeError, KafkaClient } from '../client/kafka-client.js'

/** One partition's records from one Fetch answer: they stand for every offset from `fromOffset` to `nextOffset`. */
export interface FetchedChunk {
  readonly topic: string
  readonly partition: number
  readonly fromOffset: number
  readonly nextOffset: number
  readonly batches: readonly FetchedBatch[]
  readonly bytes: number
}

/** Waits for a partition's records: told once, when they are cached or will not come (`error`). */
export interface FetchWaiter {
  fetched: (topic: string, partition: number, offset: number, error?: KafkaError) => void
}

interface Feed {
  readonly topic: string
  readonly partition: number
  chunks: FetchedChunk[]
  /** Offsets asked for and not cached, with who waits for each (none: a read-ahead). */
  readonly wanted: Map<number, Set<FetchWaiter>>
  inFlight: boolean
}

export class SharedFetch {
  readonly client: KafkaClient
  private readonly config: ConsumerConfig
  private readonly feeds = new Map<string, Feed>()
  /** Every cached chunk, least recently read first. */
  private readonly lru = new Set<FetchedChunk>()
  private cachedBytes = 0
  private readonly leadersInFlight = new Set<number>()
  /** One fetch session per leader (KIP-227): the feeds of a busy gateway are not all re-sent on every fetch. */
  private readonly sessions = new FetchSessions()
  private retryAtMs = 0
  /** Topics whose metadata this gateway has asked for. */
  private readonly lookedUp = new Set<string>()
  private scheduled?: NodeJS.Immediate | NodeJS.Timeout
  private closed = false

  constructor (consumerProps: ClientProperties, private readonly budgetBytes: number, private readonly log: Logger) {
    this.config = parseClientConfig(consumerSchema, consumerProps).values
    this.client = new KafkaClient(this.config)
  }

  /** The cached chunk holding `offset` of a partition, if any (it counts as read, for the cache's order). */
  chunkAt (topic: string, partition: number, offset: number): FetchedChunk | undefined {
    const chunk = this.feeds.get(key(topic, partition))?.chunks.find(c => c.fromOffset <= offset && offset < c.nextOffset)
    if (chunk !== undefined) {
      this.lru.delete(chunk)
      this.lru.add(chunk)
    }
    return chunk
  }

  /**
   * Asks for a partition's records at `offset`: `waiter` is told when they are cached. Without a
   * waiter it is a read-ahead, fetched only while the cache has room. Already cached: nothing to do.
   */
  want (topic: string, partition: number, offset: number, waiter?: FetchWaiter): void {
    const k = key(topic, partition)
    let feed = this.feeds.get(k)
    if (feed === undefined) {
      feed = { topic, partition, chunks: [], wanted: new Map(), inFlight: false }
      this.feeds.set(k, feed)
    } else if (feed.chunks.some(c => c.fromOffset <= offset && offset < c.nextOffset)) {
      if (waiter !== undefined) queueMicrotask(() => waiter.fetched(topic, partition, offset))
      return
    }
    let waiters = feed.wanted.get(offset)
    if (waiters === undefined) {
      waiters = new Set()
      feed.wanted.set(offset, waiters)
    }
    if (waiter !== undefined) waiters.add(waiter)
    this.schedule()
  }

  /** `waiter` is gone: it waits for nothing, and what only it waited for is no longer fetched. */
  forget (waiter: FetchWaiter): void {
    for (const feed of this.feeds.values()) {
      for (const [offset, waiters] of feed.wanted) {
        if (waiters.delete(waiter) && waiters.size === 0) feed.wanted.delete(offset)
      }
      this.dropIfIdle(feed)
    }
  }

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.scheduled as NodeJS.Timeout)
    clearImmediate(this.scheduled as NodeJS.Immediate)
    await this.client.close()
  }

  /** Fetches once the current turn of the event loop is done, so asks made together share a Fetch. */
  private schedule (delayMs = 0): void {
    if (this.scheduled !== undefined || this.closed) return
    const run = (): void => {
      this.scheduled = undefined
      this.sendFetches()
    }
    this.scheduled = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run)
  }

  private sendFetches (): void {
    const waitMs = this.retryAtMs - Date.now()
    if (waitMs > 0) return this.schedule(waitMs)
    const byLeader = new Map<number, Array<{ feed: Feed, offset: number, waited: boolean }>>()
    const noLeader = new Set<string>()
    for (const feed of this.feeds.values()) {
      if (feed.inFlight) continue
      const next = this.nextOffsetToFetch(feed)
      if (next === undefined) continue
      const leader = this.client.metadata.leaderFor(feed.topic, feed.partition)
      if (leader === undefined) {
        noLeader.add(feed.topic)
        continue
      }
      if (this.leadersInFlight.has(leader.nodeId)) continue
      byLeader.set(leader.nodeId, [...(byLeader.get(leader.nodeId) ?? []), { feed, ...next }])
    }
    for (const [nodeId, list] of byLeader) {
      // the broker fills fetch.max.bytes in the order asked: offsets someone waits for before read-aheads
      list.sort((a, b) => Number(b.waited) - Number(a.waited))
      this.leadersInFlight.add(nodeId)
      for (const { feed } of list) feed.inFlight = true
      void this.fetchFrom(nodeId, list).finally(() => {
        this.leadersInFlight.delete(nodeId)
        for (const { feed } of list) {
          feed.inFlight = false
          this.dropIfIdle(feed)
        }
        this.schedule()
      })
    }
    // a topic this gateway has not looked up yet is not worth a back-off; a known one without a leader is
    if (noLeader.size > 0) this.refreshSoon([...noLeader], [...noLeader].some(t => this.lookedUp.has(t)))
  }

  /** The lowest offset someone waits for; else the lowest read-ahead, if the cache has room. */
  private nextOffsetToFetch (feed: Feed): { offset: number, waited: boolean } | undefined {
    let waited: number | undefined
    let ahead: number | undefined
    for (const [offset, waiters] of feed.wanted) {
      if (waiters.size > 0) waited = Math.min(waited ?? offset, offset)
      else ahead = Math.min(ahead ?? offset, offset)
    }
    if (waited !== undefined) return { offset: waited, waited: true }
    return ahead !== undefined && this.cachedBytes < this.budgetBytes ? { offset: ahead, waited: false } : undefined
  }

  private async fetchFrom (nodeId: number, list: Array<{ feed: Feed, offset: number }>): Promise<void> {
    let response
    try {
      response = await sendFetch(this.client, this.config, nodeId, list.map(({ feed, offset }) => ({ topic: feed.topic, partition: feed.partition, fetchOffset: offset })), this.sessions.for(nodeId))
    } catch (err) {
      if (this.closed) return
      if (err instanceof KafkaError && isRetriable(err.code)) return this.refreshSoon(list.map(({ feed }) => feed.topic), true)
      for (const { feed, offset } of list) this.fail(feed, offset, asKafkaError(err))
      return
    }
    const asked = new Map(list.map(({ feed, offset }) => [key(feed.topic, feed.partition), { feed, offset }]))
    for (const t of response.responses) {
      for (const r of t.partitions) {
        const a = asked.get(key(t.topic, r.partitionIndex))
        if (a === undefined) continue
        const code = r.errorCode !== ErrorCode.NONE ? r.errorCode : response.errorCode
        if (code !== ErrorCode.NONE) {
          if (code !== ErrorCode.OFFSET_OUT_OF_RANGE && isRetriable(code)) this.refreshSoon([a.feed.topic], true)
          else this.fail(a.feed, a.offset, new KafkaError(code as ErrorCode, `fetch from ${t.topic}-${r.partitionIndex} at offset ${a.offset} failed: ${describeError(code)}`))
          continue
        }
        try {
          const { batches, nextOffset } = await fetchedBatches(t.topic, r.partitionIndex, r.records ?? Buffer.alloc(0), a.offset, this.config['check.crcs'])
          this.cache(a.feed, a.offset, nextOffset, batches, r.highWatermark)
        } catch (err) {
          this.fail(a.feed, a.offset, new KafkaError(ErrorCode.CORRUPT_MESSAGE, `records of ${t.topic}-${r.partitionIndex} at offset ${a.offset} do not decode: ${(err as Error).message}`, { cause: err }))
        }
      }
    }
  }

  private cache (feed: Feed, fromOffset: number, nextOffset: number, batches: FetchedBatch[], highWatermark: number): void {
    if (nextOffset <= fromOffset) {
      // Nothing came: those waiting stay asked (the next Fetch long-polls at the end of the log, or
      // gets what fetch.max.bytes left no room for this time); a read-ahead at the end goes
      if (highWatermark <= fromOffset) for (const [offset, waiters] of feed.wanted) if (waiters.size === 0) feed.wanted.delete(offset)
      return
    }
    let bytes = 0
    for (const b of batches) bytes += b.records.length
    const chunk: FetchedChunk = { topic: feed.topic, partition: feed.partition, fromOffset, nextOffset, batches, bytes }
    feed.chunks.push(chunk)
    this.lru.add(chunk)
    this.cachedBytes += bytes
    const ready: Array<[number, Set<FetchWaiter>]> = []
    for (const [offset, waiters] of feed.wanted) {
      if (offset >= fromOffset && offset < nextOffset) {
        feed.wanted.delete(offset)
        ready.push([offset, waiters])
      }
    }
    // Someone reads this partition, so the next Fetch asks for what follows, even before they ask:
    // otherwise a Fetch sent between now and their asking leaves it out, and it waits behind that
    // Fetch's long poll (up to fetch.max.wait.ms) at the end of the log
    if (ready.some(([, waiters]) => waiters.size > 0) && !feed.wanted.has(nextOffset)) feed.wanted.set(nextOffset, new Set())
    for (const [offset, waiters] of ready) for (const w of waiters) w.fetched(feed.topic, feed.partition, offset)
    this.evict()
  }

  /** Least recently read first, down to the budget; never the chunk just cached (it has readers). */
  private evict (): void {
    for (const chunk of this.lru) {
      if (this.cachedBytes <= this.budgetBytes || this.lru.size === 1) return
      this.lru.delete(chunk)
      this.cachedBytes -= chunk.bytes
      const feed = this.feeds.get(key(chunk.topic, chunk.partition))
      if (feed === undefined) continue
      feed.chunks = feed.chunks.filter(c => c !== chunk)
      this.dropIfIdle(feed)
    }
  }

  private fail (feed: Feed, offset: number, error: KafkaError): void {
    const waiters = feed.wanted.get(offset)
    feed.wanted.delete(offset)
    for (const w of waiters ?? []) w.fetched(feed.topic, feed.partition, offset, error)
    this.dropIfIdle(feed)
  }

  private dropIfIdle (feed: Feed): void {
    if (feed.chunks.length === 0 && feed.wanted.size === 0 && !feed.inFlight) this.feeds.delete(key(feed.topic, feed.partition))
  }

  /** A leader moved or vanished (back off first), or a topic is new here: refresh metadata, and fetch again. */
  private refreshSoon (topics: string[], backOff: boolean): void {
    for (const t of topics) {
      this.client.markStale(t)
      this.lookedUp.add(t)
    }
    if (backOff) this.retryAtMs = Date.now() + this.config['retry.backoff.ms']
    this.client.refreshMetadata([...new Set(topics)])
      .catch((err: unknown) => this.log.debug('metadata refresh failed', { topics, error: (err as Error).message }))
      .finally(() => this.schedule())
  }
}

function asKafkaError (err: unknown): KafkaError {
  return err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message, { cause: err })
}
