import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { FetchSessionHandler, type FetchPartitionRequest, type FetchRequestData } from './fetch-session-handler.js'

function at (topic: string, partition: number, fetchOffset: number): FetchPartitionRequest {
  return { topic, partition, fetchOffset, partitionMaxBytes: 1024, currentLeaderEpoch: -1, logStartOffset: -1 }
}

function answer (sessionId: number, partitions: Array<[string, number]> = [], errorCode = 0): { errorCode: number, sessionId: number, responses: Array<{ topic: string, partitions: Array<{ partitionIndex: number }> }> } {
  return { errorCode, sessionId, responses: partitions.map(([topic, partitionIndex]) => ({ topic, partitions: [{ partitionIndex }] })) }
}

function sentNames (data: FetchRequestData): { id: number, epoch: number, send: string[], forget: string[] } {
  return { id: data.sessionId, epoch: data.sessionEpoch, send: data.toSend.map(p => `${p.topic}-${p.partition}@${p.fetchOffset}`), forget: data.toForget.map(p => `${p.topic}-${p.partition}`) }
}

/** A handler with an open session 7 over a-0@0 and a-1@0; the next fetch carries epoch 1. */
function openSession (): FetchSessionHandler {
  const handler = new FetchSessionHandler()
  const first = handler.build([at('a', 0, 0), at('a', 1, 0)], true)
  assert.deepEqual(sentNames(first), { id: 0, epoch: 0, send: ['a-0@0', 'a-1@0'], forget: [] }, 'the first fetch is full and asks for a session')
  assert.equal(handler.handleResponse(first, answer(7, [['a', 0], ['a', 1]])), true)
  return handler
}

test('after a full fetch opened session 7, fetches send only what was added or moved, and forget what is no longer wanted', () => {
  const handler = openSession()
  const second = handler.build([at('a', 0, 0), at('a', 1, 5), at('b', 0, 0)], true)
  assert.deepEqual(sentNames(second), { id: 7, epoch: 1, send: ['a-1@5', 'b-0@0'], forget: [] })
  assert.equal(handler.handleResponse(second, answer(7, [['b', 0]])), true)
  const third = handler.build([at('a', 1, 5), at('b', 0, 0)], true)
  assert.deepEqual(sentNames(third), { id: 7, epoch: 2, send: [], forget: ['a-0'] })
})

test('FETCH_SESSION_ID_NOT_FOUND (the broker restarted) starts a new session with a full fetch', () => {
  const handler = openSession()
  const lost = handler.build([at('a', 0, 3), at('a', 1, 0)], true)
  assert.equal(handler.handleResponse(lost, answer(0, [], ErrorCode.FETCH_SESSION_ID_NOT_FOUND)), false)
  assert.deepEqual(sentNames(handler.build([at('a', 0, 3), at('a', 1, 0)], true)), { id: 0, epoch: 0, send: ['a-0@3', 'a-1@0'], forget: [] })
})

test('INVALID_FETCH_SESSION_EPOCH, a failed request or an answer outside the session close it with a full fetch naming it', () => {
  for (const spoil of [
    (h: FetchSessionHandler, d: FetchRequestData) => h.handleResponse(d, answer(0, [], ErrorCode.INVALID_FETCH_SESSION_EPOCH)),
    (h: FetchSessionHandler) => { h.handleError(); return false },
    (h: FetchSessionHandler, d: FetchRequestData) => h.handleResponse(d, answer(7, [['zz', 9]])),
  ]) {
    const handler = openSession()
    assert.equal(spoil(handler, handler.build([at('a', 0, 0), at('a', 1, 0)], true)), false)
    assert.deepEqual(sentNames(handler.build([at('a', 0, 0)], true)), { id: 7, epoch: 0, send: ['a-0@0'], forget: [] })
  }
})

test('no session from the broker (session id 0 answered): every fetch stays full', () => {
  const handler = new FetchSessionHandler()
  const first = handler.build([at('a', 0, 0)], true)
  assert.equal(handler.handleResponse(first, answer(0, [['a', 0]])), true)
  assert.deepEqual(sentNames(handler.build([at('a', 0, 0)], true)), { id: 0, epoch: 0, send: ['a-0@0'], forget: [] })
})

test('a broker whose Fetch predates v7 is fetched from sessionless', () => {
  const handler = new FetchSessionHandler()
  const data = handler.build([at('a', 0, 4)], false)
  assert.deepEqual(sentNames(data), { id: 0, epoch: -1, send: ['a-0@4'], forget: [] })
  assert.equal(handler.handleResponse(data, answer(0, [['a', 0]])), true)
})
