import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { FakeBroker, type FakeRequest } from '../client/support/fake-broker.js'
import { silentLogger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js'
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../protocol/messages/offset-for-leader-epoch.js'
import { buildTestBatch } from '../storage/support/sample-batch.js'
import { openTestLog, readAll } from '../storage/support/temp-log.js'
import { FollowerFetcher } from './follower-fetcher.js'
import { Partition } from './partition.js'
import { ReplicationQuotaManager } from './replication-quota-manager.js'

/**
 * Broker 2, its log holding `batches`, following leader 1 for t-0 at leader epoch 2, fetching from a
 * FakeBroker that plays the leader: `answer` replies to each request (or leaves it waiting);
 * `request(n)` resolves when the n-th request has arrived, by which time the fetcher has applied
 * every earlier answer.
 */
async function follow (t: TestContext, batches: Buffer[], answer: (req: FakeRequest, partition: Partition) => void): Promise<{ partition: Partition, fetcher: FollowerFetcher, replicatedBytes: () => number, logStartCheckpoints: () => number, request: (n: number) => Promise<FakeRequest> }> {
  const { log } = openTestLog(t)
  for (const batch of batches) log.appendAsFollower(batch)
  const partition = new Partition('t', 0, 'id', log, 2)
  partition.applyState({ topic: 't', partition: 0, replicas: [1, 2], leader: 1, leaderEpoch: 2, isr: [1, 2], controllerEpoch: 1, stateVersion: 0 }, 0)
  const waiting = new Map<number, (req: FakeRequest) => void>()
  const leader = await FakeBroker.start(req => {
    waiting.get(leader.requests.length)?.(req)
    answer(req, partition)
  })
  let replicatedBytes = 0
  let logStartCheckpoints = 0
  const fetcher = new FollowerFetcher(1, () => ({ host: '127.0.0.1', port: leader.port }), {
    brokerId: 2,
    clientId: 'broker-2-fetcher-1',
    security: { protocol: 'PLAINTEXT' },
    fetchWaitMaxMs: 500,
    fetchMaxBytes: 1 << 20,
    fetchResponseMaxBytes: 10 << 20,
    requestTimeoutMs: 30_000,
    log: silentLogger(),
    onReplicated: bytes => { replicatedBytes += bytes },
    onLogStartOffsetMoved: async () => { logStartCheckpoints++ },
    quota: new ReplicationQuotaManager({ samples: 11, windowMs: 1000 }),
  })
  t.after(async () => {
    fetcher.stop()
    await leader.stop()
  })
  const request = async (n: number): Promise<FakeRequest> => {
    const arrived = leader.requests[n - 1]
    return arrived ?? await new Promise(resolve => waiting.set(n, resolve))
  }
  fetcher.add(partition)
  return { partition, fetcher, replicatedBytes: () => replicatedBytes, logStartCheckpoints: () => logStartCheckpoints, request }
}

/** The leader's answer for t-0 to a Fetch. */
function fetchAnswer (partition: Partial<FetchResponse['responses'][number]['partitions'][number]>): FetchResponse {
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 0, logStartOffset: 0, abortedTransactions: null, records: null, ...partition }] }] }
}

test('KIP-279: the follower truncates to the smaller of the leader\'s and its own end of the epoch, then appends what it fetched', async t => {
  const fetched = buildTestBatch({ baseOffset: 3, recordCount: 4, partitionLeaderEpoch: 2, fill: 0x62 })
  // The follower's own log: epoch 0 up to offset 3, then a tail of epoch 1 the leader never had.
  const own = [0, 3, 5].map((baseOffset, i) => buildTestBatch({ baseOffset, recordCount: [3, 2, 1][i], partitionLeaderEpoch: Math.min(i, 1) }))
  const { partition, replicatedBytes, request } = await follow(t, own, (req, p) => {
    if (req.header.apiKey === OffsetForLeaderEpochRequest.apiKey) {
      // The leader never had epoch 1: the largest epoch it has below is 0, which it ended at 5.
      req.reply(OffsetForLeaderEpochResponse, { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 5 }] }] })
    } else if (req.header.apiKey === FetchRequest.apiKey && p.log.logEndOffset === 3) {
      req.reply(FetchResponse, fetchAnswer({ highWatermark: 6, records: fetched }))
    }
  })

  assert.equal((await request(1)).header.apiKey, OffsetForLeaderEpochRequest.apiKey, 'a joining partition first asks where its epoch ends')
  assert.equal((await request(3)).header.apiKey, FetchRequest.apiKey)
  assert.deepEqual(readAll(partition.log), [[0, 2], [3, 6]], 'truncated to 3 (its own end of epoch 0), not 5, then the leader\'s batch appended unchanged')
  assert.deepEqual(partition.log.leaderEpochCache.epochEntries, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 3 }])
  assert.equal(partition.log.highWatermark, 6, 'the leader\'s high watermark, within the log end')
  assert.equal(replicatedBytes(), fetched.length)
})

test('a follower whose log end is below the leader\'s log start starts its log over there', async t => {
  const { partition, request } = await follow(t, [buildTestBatch({ baseOffset: 0, recordCount: 3, partitionLeaderEpoch: 0 })], (req, p) => {
    if (req.header.apiKey === OffsetForLeaderEpochRequest.apiKey) {
      req.reply(OffsetForLeaderEpochResponse, { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 2, endOffset: 150 }] }] })
    } else if (req.header.apiKey === FetchRequest.apiKey && p.log.logEndOffset < 100) {
      req.reply(FetchResponse, fetchAnswer({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 150, logStartOffset: 100 }))
    }
  })

  await request(3)
  assert.equal(partition.log.logStartOffset, 100)
  assert.equal(partition.log.logEndOffset, 100)
})

test('a follower takes the leader\'s log start offset (DeleteRecords there), up to its own high watermark, and checkpoints it', async t => {
  const own = [0, 3].map(baseOffset => buildTestBatch({ baseOffset, recordCount: 3, partitionLeaderEpoch: 2 }))
  let answered = 0
  const { partition, logStartCheckpoints, request } = await follow(t, own, (req) => {
    if (req.header.apiKey === OffsetForLeaderEpochRequest.apiKey) {
      req.reply(OffsetForLeaderEpochResponse, { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 2, endOffset: 6 }] }] })
    } else if (req.header.apiKey === FetchRequest.apiKey && answered < 2) {
      // first a high watermark of 4 (below the leader's log start), then the leader's 5
      req.reply(FetchResponse, fetchAnswer({ highWatermark: answered++ === 0 ? 4 : 6, logStartOffset: 5 }))
    }
  })

  await request(3)
  assert.equal(partition.log.logStartOffset, 4, 'no further than its own high watermark')
  await request(4)
  assert.equal(partition.log.logStartOffset, 5)
  assert.equal(logStartCheckpoints(), 2)
})

/** The ReplicaManager's part in a new leader epoch for the same leader: the partition leaves the fetcher and joins it again. */
function rejoinAtEpoch (fetcher: FollowerFetcher, partition: Partition, leaderEpoch: number): void {
  fetcher.remove(partition)
  partition.applyState({ topic: 't', partition: 0, replicas: [1, 2], leader: 1, leaderEpoch, isr: [1, 2], controllerEpoch: 1, stateVersion: leaderEpoch }, 0)
  fetcher.add(partition)
}

function epochAnswer (endOffset: number): OffsetForLeaderEpochResponse {
  return { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 2, endOffset }] }] }
}

test('an OffsetForLeaderEpoch answer that arrives after the partition rejoined at a new leader epoch is dropped, and the partition asks again', async t => {
  const own = [0, 3].map(baseOffset => buildTestBatch({ baseOffset, recordCount: 3, partitionLeaderEpoch: 2 }))
  const { partition, fetcher, request } = await follow(t, own, () => {})

  const stale = await request(1)
  assert.equal(stale.header.apiKey, OffsetForLeaderEpochRequest.apiKey)
  rejoinAtEpoch(fetcher, partition, 3)
  // Under epoch 2 the leader's log matched all 6 records; under epoch 3 it ends epoch 2 at 3.
  stale.reply(OffsetForLeaderEpochResponse, epochAnswer(6))
  const again = await request(2)
  assert.equal(again.header.apiKey, OffsetForLeaderEpochRequest.apiKey, 'the answer for epoch 2 did not count as truncation for epoch 3')
  again.reply(OffsetForLeaderEpochResponse, epochAnswer(3))
  assert.equal((await request(3)).header.apiKey, FetchRequest.apiKey)
  assert.equal(partition.log.logEndOffset, 3, 'the divergent tail is gone')
})

test('a Fetch answer that arrives after the partition rejoined at a new leader epoch is not appended; the partition truncates first', async t => {
  const own = [buildTestBatch({ baseOffset: 0, recordCount: 3, partitionLeaderEpoch: 2 })]
  const { partition, fetcher, request } = await follow(t, own, req => {
    if (req.header.apiKey === OffsetForLeaderEpochRequest.apiKey) req.reply(OffsetForLeaderEpochResponse, epochAnswer(3))
  })

  const stale = await request(2)
  assert.equal(stale.header.apiKey, FetchRequest.apiKey)
  rejoinAtEpoch(fetcher, partition, 3)
  stale.reply(FetchResponse, fetchAnswer({ highWatermark: 6, records: buildTestBatch({ baseOffset: 3, recordCount: 3, partitionLeaderEpoch: 2 }) }))
  assert.equal((await request(3)).header.apiKey, OffsetForLeaderEpochRequest.apiKey, 'the rejoined partition asks where its epoch ends')
  assert.equal(partition.log.logEndOffset, 3, 'the records fetched for epoch 2 were not appended')
  assert.equal(partition.log.highWatermark, 0, 'nor the high watermark taken')
})

test('the fetcher\'s lag is how far the log end is behind the leader\'s high watermark after the last answer (FetcherLagMetrics)', async t => {
  const own = [buildTestBatch({ baseOffset: 0, recordCount: 3, partitionLeaderEpoch: 2 })]
  const answers = [
    fetchAnswer({ highWatermark: 9, records: buildTestBatch({ baseOffset: 3, recordCount: 2, partitionLeaderEpoch: 2 }) }),
    fetchAnswer({ highWatermark: 12, records: buildTestBatch({ baseOffset: 5, recordCount: 4, partitionLeaderEpoch: 2 }) }),
  ]
  const { fetcher, partition, request } = await follow(t, own, (req) => {
    if (req.header.apiKey === OffsetForLeaderEpochRequest.apiKey) req.reply(OffsetForLeaderEpochResponse, epochAnswer(3))
    else if (req.header.apiKey === FetchRequest.apiKey) {
      const answer = answers.shift()
      if (answer !== undefined) req.reply(FetchResponse, answer)
    }
  })
  assert.equal(fetcher.maxLag, 0, 'nothing answered yet')
  await request(3)
  assert.equal(partition.log.logEndOffset, 5)
  assert.equal(fetcher.maxLag, 4, 'high watermark 9, log end 5')
  await request(4)
  assert.equal(fetcher.maxLag, 3, 'high watermark 12, log end 9')
  fetcher.remove(partition)
  assert.equal(fetcher.maxLag, 0, 'a partition no longer followed has no lag here')
})
