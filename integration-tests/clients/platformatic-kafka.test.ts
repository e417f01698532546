import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, Producer, stringSerializers, type ClusterPartitionMetadata, type fetchV17 } from '@platformatic/kafka'
import { assertRoundTrip, sampleRecords, type ConsumedRecord } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { waitForTopic } from '../support/wire-connection.js'

// @platformatic/kafka 1.x speaks only recent versions: Metadata v12, Produce v9+ (flexible), Fetch v15+
// by topic id, ListOffsets v5+, CreateTopics v7.
test('@platformatic/kafka 1.x: recent flexible versions, Fetch by topic id; keyed records with headers and timestamps', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const common = { clientId: 'platformatic-integration-test', bootstrapBrokers: cluster.bootstrap.split(','), retries: 3, retryDelay: 100 }
  const topic = 'platformatic-records'

  const admin = new Admin(common)
  t.after(async () => await admin.close())
  await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 })
  await waitForTopic(cluster.bootstrap, topic, 4)

  const producer = new Producer({ ...common, serializers: stringSerializers, acks: 1 })
  t.after(async () => await producer.close())
  const sent = sampleRecords('platformatic')
  const result = await producer.send({
    messages: sent.map(r => ({ topic, key: r.key ?? undefined, value: r.value ?? undefined, headers: new Map(r.headers), timestamp: BigInt(r.timestamp) })),
  })
  assert.ok((result.offsets ?? []).length > 0, `Produce answered with offsets: ${JSON.stringify(result, (_, v: unknown) => typeof v === 'bigint' ? String(v) : v)}`)

  // The Consumer's fetch() sends one Fetch to a node without joining a group; groupId is only a label.
  const consumer = new Consumer({ ...common, groupId: 'assign-only' })
  t.after(async () => await consumer.close(true))
  const metadata = await consumer.metadata({ topics: [topic] })
  const topicMetadata = metadata.topics.get(topic)
  assert.ok(topicMetadata !== undefined && topicMetadata.id !== '00000000-0000-0000-0000-000000000000', 'Metadata v12 carries a topic id')
  const received: ConsumedRecord[] = []
  const next = topicMetadata.partitions.map(() => 0n)
  const deadline = Date.now() + 15_000
  while (received.length < sent.length) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${sent.length} records with @platformatic/kafka (read ${received.length})`)
    for (const [partition, p] of topicMetadata.partitions.entries() as IterableIterator<[number, ClusterPartitionMetadata]>) {
      const response: fetchV17.FetchResponse = await consumer.fetch({
        node: p.leader,
        maxWaitTime: 100,
        topics: [{ topicId: topicMetadata.id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: next[partition]!, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
      })
      for (const answer of response.responses.flatMap(r => r.partitions)) {
        assert.equal(answer.errorCode, 0, `fetch error for partition ${answer.partitionIndex}`)
        for (const batch of answer.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta)
            if (offset < next[answer.partitionIndex]!) continue
            next[answer.partitionIndex] = offset + 1n
            received.push({
              partition: answer.partitionIndex,
              offset: Number(offset),
              key: record.key?.toString() ?? null,
              value: record.value?.toString() ?? null,
              headers: record.headers.map(([k, v]) => [k?.toString() ?? '', v?.toString() ?? '']),
              timestamp: Number(batch.firstTimestamp + record.timestampDelta),
            })
          }
        }
      }
    }
  }
  assertRoundTrip(sent, received, { partitions: 4, headers: true, timestamps: 'exact' })

  const offsets = await consumer.listOffsets({ topics: [topic] })
  const ends = [...offsets.get(topic) ?? []].map(Number)
  assert.equal(ends.reduce((a, b) => a + b, 0), sent.length, `ListOffsets (latest) over all partitions: ${ends.join(',')}`)
})
