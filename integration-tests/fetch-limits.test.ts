import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { waitForTopic, WireConnection } from './support/wire-connection.js'

const BATCH_BYTES = 100_000
const FETCH_MAX_BYTES = 150_000

test('fetch.max.bytes bounds every Fetch, whatever maxBytes the client asks for (KIP-541); the first batch still comes whole', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'fetch.max.bytes': FETCH_MAX_BYTES } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'large', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'large', 1)
  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  for (let i = 0; i < 3; i++) {
    const batch = buildRecordBatch({ records: [{ value: Buffer.alloc(BATCH_BYTES, i) }] })
    const r = await conn.request(ProduceRequest, ProduceResponse, 7, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'large', partitionData: [{ index: 0, records: batch }] }] })
    assert.equal(r.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE)
  }
  const fetched = async (maxBytes: number, partitionMaxBytes: number): Promise<number> => {
    const res = await conn.request(FetchRequest, FetchResponse, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'large', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes }] }],
      forgottenTopicsData: [], rackId: '',
    })
    const answer = res.responses[0]?.partitions[0]
    assert.equal(answer?.errorCode, ErrorCode.NONE)
    return answer?.records?.length ?? 0
  }
  const all = await fetched(1 << 30, 1 << 30)
  assert.ok(all > BATCH_BYTES && all <= FETCH_MAX_BYTES, `asked for 1 GiB, got ${all} bytes: one whole batch, within fetch.max.bytes ${FETCH_MAX_BYTES}`)
  const one = await fetched(1000, 1000)
  assert.ok(one > BATCH_BYTES && one < 2 * BATCH_BYTES, `asked for 1,000 bytes, got the first batch whole (${one} bytes), as Kafka does`)
})
