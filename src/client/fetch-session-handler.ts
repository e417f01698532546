/**
 * The fetching side of incremental fetch sessions (KIP-227), after Java's FetchSessionHandler: one
 * per broker fetched from, with at most one Fetch in flight. The first fetch is full (epoch 0) and
 * asks the broker for a session; while the broker keeps it, each next fetch names only the
 * partitions added or whose fetch parameters changed, and lists the ones no longer wanted as
 * forgotten; the answer carries only partitions with news. A session error, a failed request or
 * an answer naming partitions outside the session start over with a full fetch.
 */
import { ErrorCode } from '../protocol/error-codes.js'

const INVALID_SESSION_ID = 0
const INITIAL_EPOCH = 0
const FINAL_EPOCH = -1

/** One partition as a fetch asks for it (FetchRequest's FetchPartition, topic by name). */
export interface FetchPartitionRequest {
  topic: string
  partition: number
  fetchOffset: number
  partitionMaxBytes: number
  currentLeaderEpoch: number
  logStartOffset: number
}

export interface FetchRequestData {
  sessionId: number
  sessionEpoch: number
  /** Every partition for a full fetch; for an incremental one the added and changed ones. */
  toSend: FetchPartitionRequest[]
  toForget: Array<{ topic: string, partition: number }>
  /**
   * Whether toSend is the whole session (a full or sessionless fetch) rather than changes to it.
   * Only the changes are kept while the fetch waits, never a copy of a session of thousands: a
   * follower's fetch waits up to replica.fetch.wait.max.ms, long enough for such a copy to be
   * promoted to V8's old generation on every fetch of an idle cluster.
   */
  full: boolean
}

/** The parts of a FetchResponse the handler reads. */
export interface FetchResponseSummary {
  errorCode: number
  sessionId: number
  responses: Array<{ topic: string, partitions: Array<{ partitionIndex: number }> }>
}

/** A top-level Fetch error of the session itself: the handler has already made the next fetch a full one. */
export function isFetchSessionError (code: number): boolean {
  return code === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || code === ErrorCode.INVALID_FETCH_SESSION_EPOCH || code === ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR
}

export function partitionKey (topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

function sameRequest (a: FetchPartitionRequest, b: FetchPartitionRequest): boolean {
  return a.fetchOffset === b.fetchOffset && a.partitionMaxBytes === b.partitionMaxBytes &&
    a.currentLeaderEpoch === b.currentLeaderEpoch && a.logStartOffset === b.logStartOffset
}

export class FetchSessionHandler {
  private sessionId = INVALID_SESSION_ID
  /** The epoch of the next fetch: INITIAL_EPOCH makes it full (and asks for a new session). */
  private epoch = INITIAL_EPOCH
  private partitions = new Map<string, FetchPartitionRequest>()

  /** The next Fetch for `wanted`; sessionless (id 0, epoch -1) when the broker's Fetch version predates sessions (v7). */
  build (wanted: FetchPartitionRequest[], sessionsSupported: boolean): FetchRequestData {
    // What is sent is kept (until the answer, and in the session) as copies made here, so that none
    // of `wanted` outlives this call: a caller builds every partition's request for each fetch,
    // nearly all dead at once, and if some lived on, V8 would allocate every one of them in its old
    // generation (allocation-site pretenuring), garbage there on every fetch of an idle cluster.
    if (!sessionsSupported) return { sessionId: INVALID_SESSION_ID, sessionEpoch: FINAL_EPOCH, toSend: wanted.map(copy), toForget: [], full: true }
    if (this.epoch === INITIAL_EPOCH) return { sessionId: this.sessionId, sessionEpoch: INITIAL_EPOCH, toSend: wanted.map(copy), toForget: [], full: true }
    const toSend: FetchPartitionRequest[] = []
    let kept = 0
    for (const p of wanted) {
      const previous = this.partitions.get(partitionKey(p.topic, p.partition))
      if (previous === undefined) toSend.push(copy(p))
      else {
        kept++
        if (!sameRequest(previous, p)) toSend.push(copy(p))
      }
    }
    const toForget: Array<{ topic: string, partition: number }> = []
    if (kept < this.partitions.size) {
      const wantedKeys = new Set(wanted.map(p => partitionKey(p.topic, p.partition)))
      for (const [key, previous] of this.partitions) if (!wantedKeys.has(key)) toForget.push({ topic: previous.topic, partition: previous.partition })
    }
    return { sessionId: this.sessionId, sessionEpoch: this.epoch, toSend, toForget, full: false }
  }

  /**
   * Takes the answer to `sent`. False when it is not to be used: a session error (the next fetch
   * is full), or partitions the fetch did not hold.
   */
  handleResponse (sent: FetchRequestData, response: FetchResponseSummary): boolean {
    if (sent.sessionEpoch === FINAL_EPOCH) return response.errorCode === ErrorCode.NONE
    if (response.errorCode !== ErrorCode.NONE) {
      // The broker lost the session (restart, eviction): start a new one. Otherwise close ours with the next full fetch.
      if (response.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) this.sessionId = INVALID_SESSION_ID
      this.epoch = INITIAL_EPOCH
      return false
    }
    // The session as this fetch leaves it. An answer naming a partition outside it is not used; the
    // next fetch is then full, and its answer starts the session's partitions over.
    if (sent.full) this.partitions = new Map()
    for (const p of sent.toForget) this.partitions.delete(partitionKey(p.topic, p.partition))
    for (const p of sent.toSend) this.partitions.set(partitionKey(p.topic, p.partition), p)
    for (const t of response.responses) {
      for (const p of t.partitions) {
        if (!this.partitions.has(partitionKey(t.topic, p.partitionIndex))) {
          this.epoch = INITIAL_EPOCH
          return false
        }
      }
    }
    if (response.sessionId === INVALID_SESSION_ID) {
      // No session (the broker's cache is full) or it was closed: the next fetch is full again.
      this.sessionId = INVALID_SESSION_ID
      this.epoch = INITIAL_EPOCH
    } else {
      this.epoch = sent.sessionEpoch === INITIAL_EPOCH || response.sessionId !== this.sessionId ? 1 : nextEpoch(this.epoch)
      this.sessionId = response.sessionId
    }
    return true
  }

  /** The Fetch failed without an answer: the broker may or may not have taken it, so the next one is full. */
  handleError (): void {
    this.epoch = INITIAL_EPOCH
  }
}

function copy (p: FetchPartitionRequest): FetchPartitionRequest {
  return { topic: p.topic, partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch, logStartOffset: p.logStartOffset }
}

function nextEpoch (prev: number): number {
  return prev === 0x7fffffff ? 1 : prev + 1
}

/** A FetchSessionHandler per broker. */
export class FetchSessions {
  private readonly byNode = new Map<number, FetchSessionHandler>()

  for (nodeId: number): FetchSessionHandler {
    let handler = this.byNode.get(nodeId)
    if (handler === undefined) {
      handler = new FetchSessionHandler()
      this.byNode.set(nodeId, handler)
    }
    return handler
  }
}

/** The partitions of a fetch grouped by topic, as FetchRequest lists them. */
export function fetchTopics (partitions: FetchPartitionRequest[]): Array<{ topic: string, partitions: Array<{ partition: number, currentLeaderEpoch: number, fetchOffset: number, logStartOffset: number, partitionMaxBytes: number }> }> {
  const byTopic = new Map<string, Array<{ partition: number, currentLeaderEpoch: number, fetchOffset: number, logStartOffset: number, partitionMaxBytes: number }>>()
  for (const p of partitions) {
    let list = byTopic.get(p.topic)
    if (list === undefined) byTopic.set(p.topic, list = [])
    list.push({ partition: p.partition, currentLeaderEpoch: p.currentLeaderEpoch, fetchOffset: p.fetchOffset, logStartOffset: p.logStartOffset, partitionMaxBytes: p.partitionMaxBytes })
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }))
}

/** A fetch's forgotten partitions grouped by topic (ForgottenTopicsData). */
export function forgottenTopics (partitions: Array<{ topic: string, partition: number }>): Array<{ topic: string, partitions: number[] }> {
  const byTopic = new Map<string, number[]>()
  for (const p of partitions) {
    let list = byTopic.get(p.topic)
    if (list === undefined) byTopic.set(p.topic, list = [])
    list.push(p.partition)
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }))
}
