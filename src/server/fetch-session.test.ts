import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { FETCH_SESSION_EVICTION_MS, FetchManager, FetchSessionCache, INVALID_SESSION_ID, nextEpoch, type FetchAnswer, type FetchContext, type FetchRequestPartition, type PartitionAnswer, type TopicIdPartition } from './fetch-session.js'

const ID = 'AAAAAAAAAAAAAAAAAAAAAA'

function tp (topic: string, partition: number, topicId = ID): TopicIdPartition {
  return { topic, topicId, partition }
}

function wants (topic: string, partition: number, fetchOffset = 0): FetchRequestPartition {
  return { tp: tp(topic, partition), data: { fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 } }
}

function answer (partition: number, fields: Partial<PartitionAnswer> = {}): PartitionAnswer {
  return { partitionIndex: partition, errorCode: 0, highWatermark: 10, lastStableOffset: 10, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records: Buffer.alloc(0), ...fields }
}

/** Answers every partition the context reads, with `fields` for the ones named. */
function respond (context: FetchContext, fields: Record<string, Partial<PartitionAnswer>> = {}): ReturnType<FetchContext['updateAndGenerateResponseData']> {
  const answers: FetchAnswer[] = context.partitions.map(p => ({ tp: p.tp, answer: answer(p.tp.partition, fields[`${p.tp.topic ?? ''}-${p.tp.partition}`]) }))
  return context.updateAndGenerateResponseData(answers)
}

function names (answers: FetchAnswer[]): string[] {
  return answers.map(a => `${a.tp.topic ?? ''}-${a.tp.partition}`)
}

function manager (slots = 1000): { fetches: FetchManager, cache: FetchSessionCache, clock: { now: number } } {
  const clock = { now: 1_000_000 }
  const cache = new FetchSessionCache(slots)
  return { fetches: new FetchManager(cache, () => clock.now), cache, clock }
}

const noNames = (): string | undefined => undefined

test('session id 0 with epoch -1 is sessionless: every partition answered, no session made', () => {
  const { fetches, cache } = manager()
  const context = fetches.newContext(12, 0, -1, false, [wants('a', 0), wants('a', 1)], [], noNames)
  const out = respond(context)
  assert.equal(out.sessionId, INVALID_SESSION_ID)
  assert.deepEqual(names(out.answers), ['a-0', 'a-1'])
  assert.equal(cache.size, 0)
  assert.equal(respond(fetches.newContext(6, 0, 0, false, [wants('a', 0)], [], noNames)).sessionId, 0, 'Fetch before v7 has no sessions')
})

test('a full fetch opens a session; incremental fetches read the whole session and answer only partitions with news', () => {
  const { fetches, cache } = manager()
  const full = respond(fetches.newContext(12, 0, 0, false, [wants('a', 0), wants('a', 1), wants('b', 0)], [], noNames))
  assert.notEqual(full.sessionId, INVALID_SESSION_ID)
  assert.deepEqual(names(full.answers), ['a-0', 'a-1', 'b-0'], 'a full fetch answers everything')
  assert.equal(cache.size, 1)
  assert.equal(cache.totalPartitions, 3)

  // epoch 1 sends nothing: the broker reads the 3 cached partitions at their cached offsets
  const inc = fetches.newContext(12, full.sessionId, 1, false, [], [], noNames)
  assert.deepEqual(inc.partitions.map(p => `${p.tp.topic ?? ''}-${p.tp.partition}@${p.data.fetchOffset}`), ['a-0@0', 'a-1@0', 'b-0@0'])
  const out = respond(inc, { 'a-1': { records: Buffer.alloc(50) }, 'b-0': { highWatermark: 11 } })
  assert.equal(out.sessionId, full.sessionId)
  assert.deepEqual(names(out.answers), ['a-1', 'b-0'], 'records and a moved high watermark are news; a-0 is unchanged')

  // a-1 moved to the end (it returned records); b-0's high watermark is now the cached one
  const next = fetches.newContext(12, full.sessionId, 2, false, [wants('a', 1, 7)], [], noNames)
  assert.deepEqual(next.partitions.map(p => `${p.tp.topic ?? ''}-${p.tp.partition}@${p.data.fetchOffset}`), ['a-0@0', 'b-0@0', 'a-1@7'])
  assert.deepEqual(names(respond(next, { 'b-0': { highWatermark: 11 }, 'a-0': { logStartOffset: 3 } }).answers), ['a-0'], 'a moved log start offset is news, an unchanged high watermark is not')
})

test('only an incremental context lets a partition with nothing new go unread: the one whose high watermark and log start are those last sent', () => {
  const { fetches } = manager()
  const full = fetches.newContext(12, 0, 0, false, [wants('a', 0), wants('a', 1)], [], noNames)
  assert.equal(full.isUnchanged(0, 10, 0), false, 'a full fetch answers every partition')
  const { sessionId } = respond(full, { 'a-1': { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER } })
  assert.equal(fetches.newContext(12, 0, -1, false, [wants('a', 0)], [], noNames).isUnchanged(0, 10, 0), false, 'sessionless')
  const inc = fetches.newContext(12, sessionId, 1, false, [], [], noNames)
  assert.equal(inc.isUnchanged(0, 10, 0), true, 'a-0 as sent')
  assert.equal(inc.isUnchanged(0, 11, 0), false, 'a moved high watermark')
  assert.equal(inc.isUnchanged(0, 10, 2), false, 'a moved log start offset')
  assert.equal(inc.isUnchanged(1, 10, 0), false, 'a-1 was last answered with an error')
  // a-1 answered without the error: from now on it may go unread too
  respond(inc)
  assert.equal(fetches.newContext(12, sessionId, 2, false, [], [], noNames).isUnchanged(1, 10, 0), true)
})

test('an error is always answered, and the partition again once the error is gone', () => {
  const { fetches } = manager()
  const { sessionId } = respond(fetches.newContext(12, 0, 0, false, [wants('a', 0)], [], noNames))
  const err = { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }
  assert.deepEqual(names(respond(fetches.newContext(12, sessionId, 1, false, [], [], noNames), { 'a-0': err }).answers), ['a-0'])
  assert.deepEqual(names(respond(fetches.newContext(12, sessionId, 2, false, [], [], noNames), { 'a-0': err }).answers), ['a-0'])
  assert.deepEqual(names(respond(fetches.newContext(12, sessionId, 3, false, [], [], noNames)).answers), ['a-0'], 'the same high watermark as before the error, sent again')
  assert.deepEqual(names(respond(fetches.newContext(12, sessionId, 4, false, [], [], noNames)).answers), [])
})

test('incremental fetches add partitions and forget others; forgetting all closes the session', () => {
  const { fetches, cache } = manager()
  const { sessionId } = respond(fetches.newContext(12, 0, 0, false, [wants('a', 0), wants('a', 1)], [], noNames))
  const added = fetches.newContext(12, sessionId, 1, false, [wants('c', 0)], [tp('a', 0)], noNames)
  assert.deepEqual(added.partitions.map(p => `${p.tp.topic ?? ''}-${p.tp.partition}`), ['a-1', 'c-0'])
  assert.deepEqual(names(respond(added).answers), ['c-0'], 'a new partition has news (its high watermark was never sent)')
  assert.equal(cache.totalPartitions, 2)
  const closing = fetches.newContext(12, sessionId, 2, false, [], [tp('a', 1), tp('c', 0)], noNames)
  assert.equal(respond(closing).sessionId, INVALID_SESSION_ID)
  assert.equal(cache.size, 0)
  assert.equal(cache.totalPartitions, 0)
})

test('session errors: unknown id, wrong epoch, topic ids switched on or off; a full fetch closes the session it names', () => {
  const { fetches, cache } = manager()
  const { sessionId } = respond(fetches.newContext(12, 0, 0, false, [wants('a', 0)], [], noNames))
  const unknown = respond(fetches.newContext(12, sessionId + 1, 1, false, [], [], noNames))
  assert.deepEqual([unknown.errorCode, unknown.sessionId, unknown.answers.length], [ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0, 0])
  assert.equal(respond(fetches.newContext(12, sessionId, 5, false, [], [], noNames)).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH)
  assert.equal(respond(fetches.newContext(13, sessionId, 1, false, [], [], noNames)).errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR)
  assert.equal(respond(fetches.newContext(12, sessionId, 1, false, [], [], noNames)).errorCode, ErrorCode.NONE, 'errors leave the session as it was')

  const reopened = respond(fetches.newContext(12, sessionId, 0, false, [wants('a', 0)], [], noNames))
  assert.notEqual(reopened.sessionId, sessionId)
  assert.equal(cache.size, 1, 'the old session closed, a new one opened')
  respond(fetches.newContext(12, reopened.sessionId, -1, false, [wants('a', 0)], [], noNames))
  assert.equal(cache.size, 0, 'epoch -1 closes it')
})

test('a duplicate of an incremental fetch answered after a newer one gets INVALID_FETCH_SESSION_EPOCH', () => {
  const { fetches } = manager()
  const { sessionId } = respond(fetches.newContext(12, 0, 0, false, [wants('a', 0)], [], noNames))
  const first = fetches.newContext(12, sessionId, 1, false, [], [], noNames)
  const second = fetches.newContext(12, sessionId, 2, false, [], [], noNames)
  assert.equal(respond(second).errorCode, ErrorCode.NONE)
  assert.equal(respond(first).errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH)
  assert.equal(first.throttledResponse().errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH)
})

test('v13+ sessions are keyed by topic id and name a partition once its id is known', () => {
  const { fetches } = manager()
  const known = new Map<string, string>()
  const byId = (topicId: string): string | undefined => known.get(topicId)
  const p = { tp: { topicId: 'T1', topic: undefined, partition: 0 }, data: wants('x', 0).data }
  const { sessionId } = respond(fetches.newContext(13, 0, 0, false, [p], [], byId))
  known.set('T1', 'late')
  const inc = fetches.newContext(13, sessionId, 1, false, [], [], byId)
  assert.deepEqual(inc.partitions.map(q => q.tp), [{ topicId: 'T1', topic: 'late', partition: 0 }])
  const forgot = fetches.newContext(13, sessionId, 2, false, [], [{ topicId: 'T1', topic: 'late', partition: 0 }], byId)
  assert.equal(respond(forgot).sessionId, INVALID_SESSION_ID, 'forgotten by id')
})

test('a full cache: consumers cannot evict young sessions; followers evict consumers; stale and old small sessions go', () => {
  const { fetches, cache, clock } = manager(2)
  const open = (follower: boolean, partitions: number): number => respond(fetches.newContext(12, 0, 0, follower, Array.from({ length: partitions }, (_, i) => wants('t', i)), [], noNames)).sessionId
  const consumer = open(false, 2)
  const follower = open(true, 1)
  assert.equal(open(false, 5), INVALID_SESSION_ID, 'no room, and every session is younger than the eviction time')
  assert.equal(cache.evictions, 0)
  const follower2 = open(true, 1)
  assert.notEqual(follower2, INVALID_SESSION_ID, 'a follower evicts a consumer\'s session')
  assert.equal(cache.get(consumer), undefined)
  assert.ok(cache.get(follower) !== undefined)

  // follower2 keeps fetching; follower goes quiet past the eviction time: it is stale
  clock.now += FETCH_SESSION_EVICTION_MS / 2
  respond(fetches.newContext(12, follower2, 1, true, [], [], noNames))
  clock.now += FETCH_SESSION_EVICTION_MS / 2 + 1
  const consumer2 = open(false, 1)
  assert.notEqual(consumer2, INVALID_SESSION_ID, 'a stale session is evicted by anyone')
  assert.equal(cache.get(follower), undefined)

  // past the eviction time since creation, a bigger consumer session evicts a smaller one, not a bigger one
  clock.now += FETCH_SESSION_EVICTION_MS + 1
  respond(fetches.newContext(12, follower2, 2, true, [], [], noNames))
  respond(fetches.newContext(12, consumer2, 1, false, [], [], noNames))
  assert.equal(open(false, 0), INVALID_SESSION_ID, 'a session of 0 partitions is worth less than one of 1')
  const bigger = open(false, 3)
  assert.notEqual(bigger, INVALID_SESSION_ID)
  assert.equal(cache.get(consumer2), undefined, 'the smallest unprivileged session went first')
  assert.equal(cache.evictions, 3)
})

test('epochs wrap from MAX_INT to 1, never to 0 (which would mean a new session)', () => {
  assert.equal(nextEpoch(0), 1)
  assert.equal(nextEpoch(0x7fffffff), 1)
  assert.equal(nextEpoch(-1), -1)
})
