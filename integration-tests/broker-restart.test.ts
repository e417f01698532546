import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch, decodeRecordBatches } from '../src/protocol/records/record.js'
import type { Infer } from '../src/protocol/schema/index.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'
import { waitForTopic, WireConnection } from './support/wire-connection.js'
import { createTopic } from './support/admin.js'

const TOPIC = 'survivor'
const RECORDS_PER_BATCH = 50
const CONNECTIONS_PER_PARTITION = 3
// partition 0 is written with acks=1, partition 1 with acks=all (RF=1: the leader alone)
const ACKS = [1, -1] as const
const SESSION_TIMEOUT_MS = 3000

interface Ack { partition: number, baseOffset: number, values: string[] }

test('kill -9 under load, restart: every acknowledged record is still there, in order, at its acknowledged offset', async t => {
  // A short ZooKeeper session: the restart waits for the killed broker's registration to expire.
  const cluster = await startCluster({ brokers: 1, config: { 'log.segment.bytes': 256 * 1024, 'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS } })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  await createTopic(cluster.bootstrap, TOPIC, { partitions: ACKS.length })
  await waitForTopic(cluster.bootstrap, TOPIC, ACKS.length)

  const acks: Ack[] = []
  const failures: string[] = []
  const producers = ACKS.flatMap((acksMode, partition) =>
    Array.from({ length: CONNECTIONS_PER_PARTITION }, (_, c) => produceUntilClosed(cluster.bootstrap, partition, acksMode, `c${c}`, acks, failures)))
  await waitFor(() => acks.length >= 300 || failures.length > 0, '300 acknowledged batches before the kill', { timeoutMs: 20_000 })
  assert.deepEqual(failures, [], 'no produce errors before the kill')
  await broker.kill('SIGKILL')
  await Promise.all(producers)
  const acknowledged = [...acks]
  assert.ok(acknowledged.length >= 300)

  // As with Kafka, the same broker.id cannot register again while the dead session's znode lives.
  await waitFor(async () => !(await cluster.zk.exists('/brokers/ids/1')), '/brokers/ids/1 of the killed broker to expire', { timeoutMs: SESSION_TIMEOUT_MS + 4000 })
  const linesBefore = broker.lines.length
  await broker.start()
  await waitForTopic(cluster.bootstrap, TOPIC, ACKS.length)
  assert.ok(broker.lines.slice(linesBefore).some(l => l.includes('"message":"loading logs"') && l.includes('"hadCleanShutdown":false')),
    'the restarted broker knows it was not shut down cleanly')

  for (const partition of ACKS.keys()) {
    const log = await readPartition(cluster.bootstrap, partition)
    const mine = acknowledged.filter(a => a.partition === partition)
    assert.ok(mine.length > 0, `partition ${partition} had acknowledged batches`)
    for (const ack of mine) {
      const stored = log.slice(ack.baseOffset, ack.baseOffset + ack.values.length)
      assert.deepEqual(stored, ack.values, `the batch acknowledged at ${partition}/${ack.baseOffset} is there after the restart`)
    }
    // Each connection's batches went out one after another: their offsets must keep that order.
    for (const connection of new Set(mine.map(a => a.values[0]!.split('-')[1]!))) {
      const batches = mine.filter(a => a.values[0]!.split('-')[1] === connection)
      const offsets = batches.map(b => b.baseOffset)
      assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `connection ${connection}'s batches keep their order in partition ${partition}`)
    }
    const lastAcked = Math.max(...mine.map(a => a.baseOffset + a.values.length))
    assert.ok(log.length >= lastAcked, `log end offset ${log.length} of partition ${partition} covers the last acknowledged offset ${lastAcked}`)
  }

  // And the restarted broker takes new writes after the survivors.
  const conn = await WireConnection.open(cluster.bootstrap)
  t.after(() => conn.close())
  const res = await conn.request(ProduceRequest, ProduceResponse, 7, produceRequest(0, 1, ['after-restart']))
  const answer = res.responses[0]!.partitionResponses[0]!
  assert.equal(answer.errorCode, 0)
  assert.equal(answer.baseOffset, (await readPartition(cluster.bootstrap, 0)).length - 1, 'appended at the log end')
})

/** Sends batches of RECORDS_PER_BATCH one after another on its own connection until the broker goes away. */
async function produceUntilClosed (bootstrap: string, partition: number, acks: 1 | -1, name: string, out: Ack[], failures: string[]): Promise<void> {
  const conn = await WireConnection.open(bootstrap)
  try {
    for (let seq = 0; ; seq++) {
      const values = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => `p${partition}-${name}-${seq}-${i}-${'x'.repeat(60)}`)
      let res
      try {
        res = await conn.request(ProduceRequest, ProduceResponse, 7, produceRequest(partition, acks, values), 10_000)
      } catch {
        return // the broker was killed: this batch was never acknowledged
      }
      const answer = res.responses[0]!.partitionResponses[0]!
      if (answer.errorCode !== 0) { failures.push(`${name} partition ${partition}: error ${answer.errorCode}`); return }
      out.push({ partition, baseOffset: answer.baseOffset, values })
    }
  } finally {
    conn.close()
  }
}

function produceRequest (partition: number, acks: 1 | -1, values: string[]): Infer<typeof ProduceRequest> {
  return {
    transactionalId: null, acks, timeoutMs: 10_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: buildRecordBatch({ records: values.map(value => ({ key: null, value })) }) }] }],
  }
}

/** Every value of the partition by offset (Fetch v11 from 0 to the high watermark). */
async function readPartition (bootstrap: string, partition: number): Promise<string[]> {
  const conn = await WireConnection.open(bootstrap)
  try {
    const values: string[] = []
    for (;;) {
      const res = await conn.request(FetchRequest, FetchResponse, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 8 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: TOPIC, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: values.length, logStartOffset: -1, partitionMaxBytes: 8 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      })
      const answer = res.responses[0]!.partitions[0]!
      assert.equal(answer.errorCode, 0, `fetch ${TOPIC}-${partition} at ${values.length}`)
      for (const batch of decodeRecordBatches(answer.records ?? Buffer.alloc(0))) {
        for (const r of batch.records) {
          if (r.offset < values.length) continue
          assert.equal(r.offset, values.length, `offsets of ${TOPIC}-${partition} are contiguous`)
          values.push(r.value?.toString() ?? '')
        }
      }
      if (values.length >= answer.highWatermark) return values
    }
  } finally {
    conn.close()
  }
}
