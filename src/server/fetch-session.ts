/**
 * Incremental fetch sessions (KIP-227), as Kafka's FetchSession.scala has them: a FetchManager
 * turns each Fetch's session id and epoch into a FetchContext; sessions live in a bounded
 * FetchSessionCache. A full fetch (epoch 0) may open a session holding its partitions; later
 * incremental fetches (epoch 1, 2, ...) name only the partitions whose fetch parameters changed
 * (plus forgotten ones), and their answers carry only the partitions with something new: records,
 * a moved high watermark or log start offset, or an error. Epoch -1 is sessionless (session id 0)
 * or closes the named session.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import type { FetchResponse } from '../protocol/messages/fetch.js'

export const INVALID_SESSION_ID = 0
export const INITIAL_EPOCH = 0
export const FINAL_EPOCH = -1
/** Kafka's KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS: a session unused this long is stale. */
export const FETCH_SESSION_EVICTION_MS = 120_000

/** Kafka's FetchMetadata.nextEpoch: after MAX_INT comes 1 (0 would mean "new session"). */
export function nextEpoch (prev: number): number {
  if (prev < 0) return FINAL_EPOCH
  return prev === 0x7fffffff ? 1 : prev + 1
}

export type PartitionAnswer = FetchResponse['responses'][number]['partitions'][number]

/** A partition as a fetch names it: by topic id from v13 on (its name then unknown here if the id is), by name before. */
export interface TopicIdPartition { topicId: string, topic: string | undefined, partition: number }

/** What a fetch asks of one partition (FetchRequest's FetchPartition). */
export interface PartitionFetchData { fetchOffset: number, logStartOffset: number, partitionMaxBytes: number, currentLeaderEpoch: number, lastFetchedEpoch: number }

export interface FetchRequestPartition { tp: TopicIdPartition, data: PartitionFetchData }

export interface FetchAnswer { tp: TopicIdPartition, answer: PartitionAnswer }

export interface SessionResponse { errorCode: number, sessionId: number, answers: FetchAnswer[] }

function partitionKey (usesTopicIds: boolean, tp: TopicIdPartition): string {
  return `${usesTopicIds ? tp.topicId : tp.topic ?? ''}\u0000${tp.partition}`
}

/** One partition of a session: its last fetch parameters, and what the session last answered for it. */
export class CachedPartition {
  /** -1 after an error, so that the partition is answered again once the error is gone. */
  highWatermark = -1
  /** The leader's log start offset last sent (Kafka's localLogStartOffset). */
  logStartOffset = -1

  constructor (public tp: TopicIdPartition, public data: PartitionFetchData) {}

  /** Kafka's CachedPartition.maybeUpdateResponseData: whether the answer must be sent, remembering it when `update`. */
  maybeUpdateResponseData (answer: PartitionAnswer, update: boolean): boolean {
    let mustRespond = (answer.records?.length ?? 0) > 0
    if (this.highWatermark !== answer.highWatermark) {
      mustRespond = true
      if (update) this.highWatermark = answer.highWatermark
    }
    const logStartOffset = answer.logStartOffset ?? -1
    if (this.logStartOffset !== logStartOffset) {
      mustRespond = true
      if (update) this.logStartOffset = logStartOffset
    }
    if ((answer.preferredReadReplica ?? -1) >= 0) mustRespond = true
    if (answer.errorCode !== ErrorCode.NONE) {
      if (update) this.highWatermark = -1
      mustRespond = true
    }
    if ((answer.divergingEpoch?.epoch ?? -1) >= 0) mustRespond = true
    return mustRespond
  }
}

export class FetchSession {
  /** The partition count the cache accounts for; -1 while not in the cache. */
  cachedSize = -1

  constructor (
    readonly id: number,
    /** Opened by a follower: it may evict consumers' sessions (Kafka's privileged sessions). */
    readonly privileged: boolean,
    /** In fetch order; a partition that returned records moves to the end, so that the next fetch's byte limits start elsewhere. */
    readonly partitionMap: Map<string, CachedPartition>,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
    public lastUsedMs: number,
    /** The epoch the next incremental fetch must carry. */
    public epoch: number,
  ) {}

  get size (): number { return this.partitionMap.size }

  /** Kafka's FetchSession.update: adds or updates the partitions sent, removes the forgotten ones. */
  update (fetchData: FetchRequestPartition[], toForget: TopicIdPartition[]): { added: number, updated: number, removed: number } {
    let added = 0
    let updated = 0
    let removed = 0
    for (const { tp, data } of fetchData) {
      const key = partitionKey(this.usesTopicIds, tp)
      const cached = this.partitionMap.get(key)
      if (cached === undefined) {
        this.partitionMap.set(key, new CachedPartition(tp, data))
        added++
      } else {
        cached.data = data
        updated++
      }
    }
    for (const tp of toForget) {
      if (this.partitionMap.delete(partitionKey(this.usesTopicIds, tp))) removed++
    }
    return { added, updated, removed }
  }
}

/**
 * Kafka's FetchSessionCache: at most max.incremental.fetch.session.cache.slots sessions. When full,
 * a new session may evict (Kafka's tryEvict) the least recently used session if it has been unused
 * for FETCH_SESSION_EVICTION_MS; else the least valuable evictable one, ordered by (privileged, size,
 * id), if the new one is worth at least as much. Consumers' sessions become evictable by followers
 * at once and by anyone once older than FETCH_SESSION_EVICTION_MS; followers' only by age.
 */
export class FetchSessionCache {
  /** Insertion order is last-used order: touch re-inserts. */
  private readonly sessions = new Map<number, FetchSession>()
  private partitions = 0
  evictions = 0

  constructor (private readonly maxEntries: number, private readonly evictionMs = FETCH_SESSION_EVICTION_MS, private readonly random: () => number = Math.random) {}

  get size (): number { return this.sessions.size }
  /** Partitions cached over all sessions (Kafka's NumIncrementalFetchPartitionsCached). */
  get totalPartitions (): number { return this.partitions }

  get (sessionId: number): FetchSession | undefined { return this.sessions.get(sessionId) }

  /** A new session of the partitions `create` returns, or INVALID_SESSION_ID when there is no room. */
  maybeCreateSession (now: number, privileged: boolean, size: number, usesTopicIds: boolean, create: () => Map<string, CachedPartition>): number {
    if (this.sessions.size >= this.maxEntries && !this.tryEvict(privileged, size, now)) return INVALID_SESSION_ID
    const session = new FetchSession(this.newSessionId(), privileged, create(), usesTopicIds, now, now, nextEpoch(INITIAL_EPOCH))
    this.sessions.set(session.id, session)
    this.touch(session, now)
    return session.id
  }

  remove (sessionId: number): FetchSession | undefined {
    const session = this.sessions.get(sessionId)
    if (session === undefined) return undefined
    this.sessions.delete(sessionId)
    this.partitions -= session.cachedSize
    session.cachedSize = -1
    return session
  }

  /** Marks `session` used at `now` and accounts for its current size. */
  touch (session: FetchSession, now: number): void {
    this.sessions.delete(session.id)
    this.sessions.set(session.id, session)
    session.lastUsedMs = now
    if (session.cachedSize >= 0) this.partitions -= session.cachedSize
    session.cachedSize = session.size
    this.partitions += session.cachedSize
  }

  private tryEvict (privileged: boolean, size: number, now: number): boolean {
    const oldest = this.sessions.values().next().value as FetchSession | undefined
    if (oldest === undefined) return false
    if (now - oldest.lastUsedMs > this.evictionMs) {
      this.evict(oldest)
      return true
    }
    // The least valuable evictable session, by Kafka's EvictableKey order (privileged, size, id).
    let least: FetchSession | undefined
    for (const s of this.sessions.values()) {
      const old = now - s.creationMs > this.evictionMs
      if (!(old || (privileged && !s.privileged))) continue
      if (least === undefined || compareEvictable(s, least) < 0) least = s
    }
    if (least === undefined) return false
    // The new session (id 0 in Kafka's key) must not be worth less than the one it evicts.
    if (compareKeys(privileged, size, 0, least.privileged, least.cachedSize, least.id) < 0) return false
    this.evict(least)
    return true
  }

  private evict (session: FetchSession): void {
    this.remove(session.id)
    this.evictions++
  }

  /** Kafka's newSessionId: random, positive and unused. */
  private newSessionId (): number {
    for (;;) {
      const id = 1 + Math.floor(this.random() * 0x7ffffffe)
      if (!this.sessions.has(id)) return id
    }
  }
}

function compareEvictable (a: FetchSession, b: FetchSession): number {
  return compareKeys(a.privileged, a.cachedSize, a.id, b.privileged, b.cachedSize, b.id)
}

function compareKeys (aPrivileged: boolean, aSize: number, aId: number, bPrivileged: boolean, bSize: number, bId: number): number {
  if (aPrivileged !== bPrivileged) return aPrivileged ? 1 : -1
  if (aSize !== bSize) return aSize - bSize
  return aId - bId
}

/** How one Fetch is served: which partitions to read with which parameters, and what to answer. */
export interface FetchContext {
  /** The partitions to read: those of the request, or an incremental fetch's whole session. */
  readonly partitions: FetchRequestPartition[]
  /** The answer to send for what was read (every partition of `partitions`, in order). */
  updateAndGenerateResponseData: (answers: FetchAnswer[]) => SessionResponse
  /** An answer without partitions for a fetch throttled by its quota. */
  throttledResponse: () => SessionResponse
  /**
   * Whether `partitions[index]`, with nothing new to read, would be left out of the answer anyway:
   * an incremental fetch's partition whose high watermark and log start offset are those last
   * sent. The fetch then builds no answer for it: a follower's idle session of thousands of
   * partitions is read twice per fetch (Kafka's CachedPartition.maybeUpdateResponseData decides the same after reading).
   */
  isUnchanged: (index: number, highWatermark: number, logStartOffset: number) => boolean
}

/** A session id or epoch the cache does not know: the error alone, nothing read. */
class SessionErrorContext implements FetchContext {
  readonly partitions: FetchRequestPartition[] = []
  constructor (private readonly errorCode: ErrorCode) {}
  updateAndGenerateResponseData (): SessionResponse { return { errorCode: this.errorCode, sessionId: INVALID_SESSION_ID, answers: [] } }
  throttledResponse (): SessionResponse { return this.updateAndGenerateResponseData() }
  isUnchanged (): boolean { return false }
}

class SessionlessFetchContext implements FetchContext {
  constructor (readonly partitions: FetchRequestPartition[]) {}
  updateAndGenerateResponseData (answers: FetchAnswer[]): SessionResponse { return { errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, answers } }
  throttledResponse (): SessionResponse { return { errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, answers: [] } }
  isUnchanged (): boolean { return false }
}

/** A full fetch that asks for a session: one is created with what this answer sends, if the cache has room. */
class FullFetchContext implements FetchContext {
  constructor (private readonly cache: FetchSessionCache, private readonly now: () => number, readonly partitions: FetchRequestPartition[], private readonly usesTopicIds: boolean, private readonly fromFollower: boolean) {}

  updateAndGenerateResponseData (answers: FetchAnswer[]): SessionResponse {
    const sessionId = this.cache.maybeCreateSession(this.now(), this.fromFollower, answers.length, this.usesTopicIds, () => {
      const map = new Map<string, CachedPartition>()
      for (let i = 0; i < answers.length; i++) {
        const { tp, answer } = answers[i]!
        const cached = new CachedPartition(tp, this.partitions[i]!.data)
        // What was sent, as an incremental fetch remembers it: an error is answered again once gone.
        cached.maybeUpdateResponseData(answer, true)
        map.set(partitionKey(this.usesTopicIds, tp), cached)
      }
      return map
    })
    return { errorCode: ErrorCode.NONE, sessionId, answers }
  }

  throttledResponse (): SessionResponse { return { errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, answers: [] } }
  /** A full fetch answers every partition: the session is created from the answers. */
  isUnchanged (): boolean { return false }
}

class IncrementalFetchContext implements FetchContext {
  readonly partitions: CachedPartition[]

  constructor (private readonly session: FetchSession, private readonly requestEpoch: number) {
    // The cached partitions themselves, not copies: a follower's fetch of an idle session waits up
    // to its max wait, long enough for thousands of copies per fetch to reach V8's old generation.
    this.partitions = Array.from(session.partitionMap.values())
  }

  updateAndGenerateResponseData (answers: FetchAnswer[]): SessionResponse {
    // Another fetch of the same session since this one began (a duplicate): Kafka answers this way.
    if (this.session.epoch !== nextEpoch(this.requestEpoch)) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: this.session.id, answers: [] }
    const map = this.session.partitionMap
    const sent: FetchAnswer[] = []
    for (const a of answers) {
      const key = partitionKey(this.session.usesTopicIds, a.tp)
      const cached = map.get(key)
      if (cached === undefined || !cached.maybeUpdateResponseData(a.answer, true)) continue
      sent.push(a)
      if ((a.answer.records?.length ?? 0) > 0) {
        map.delete(key)
        map.set(key, cached)
      }
    }
    return { errorCode: ErrorCode.NONE, sessionId: this.session.id, answers: sent }
  }

  throttledResponse (): SessionResponse {
    const errorCode = this.session.epoch !== nextEpoch(this.requestEpoch) ? ErrorCode.INVALID_FETCH_SESSION_EPOCH : ErrorCode.NONE
    return { errorCode, sessionId: this.session.id, answers: [] }
  }

  isUnchanged (index: number, highWatermark: number, logStartOffset: number): boolean {
    const cached = this.partitions[index]!
    return cached.highWatermark === highWatermark && cached.logStartOffset === logStartOffset
  }
}

/** Kafka's FetchManager: the FetchContext of each Fetch. */
export class FetchManager {
  constructor (readonly cache: FetchSessionCache, private readonly now: () => number = Date.now) {}

  /**
   * `resolveTopic` names a topic id (v13+ sessions cache partitions whose id was unknown when
   * added; the name may be known now).
   */
  newContext (version: number, sessionId: number, epoch: number, isFollower: boolean, fetchData: FetchRequestPartition[], toForget: TopicIdPartition[], resolveTopic: (topicId: string) => string | undefined): FetchContext {
    if (version < 7) return new SessionlessFetchContext(fetchData)
    if (epoch === INITIAL_EPOCH || epoch === FINAL_EPOCH) {
      // A full fetch closes the session it names.
      if (sessionId !== INVALID_SESSION_ID) this.cache.remove(sessionId)
      if (epoch === FINAL_EPOCH) return new SessionlessFetchContext(fetchData)
      return new FullFetchContext(this.cache, this.now, fetchData, version >= 13, isFollower)
    }
    const session = this.cache.get(sessionId)
    if (session === undefined) return new SessionErrorContext(ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
    if (session.epoch !== epoch) return new SessionErrorContext(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
    if (session.usesTopicIds !== (version >= 13)) return new SessionErrorContext(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR)
    session.update(fetchData, toForget)
    if (session.size === 0) {
      // Every partition forgotten: the session closes and this fetch is answered sessionless.
      this.cache.remove(session.id)
      return new SessionlessFetchContext(fetchData)
    }
    if (session.usesTopicIds) {
      for (const cached of session.partitionMap.values()) {
        if (cached.tp.topic === undefined) cached.tp = { ...cached.tp, topic: resolveTopic(cached.tp.topicId) }
      }
    }
    this.cache.touch(session, this.now())
    session.epoch = nextEpoch(session.epoch)
    return new IncrementalFetchContext(session, epoch)
  }
}
