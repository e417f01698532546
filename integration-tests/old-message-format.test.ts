import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { decodeMessageSet, magicOf } from '../src/protocol/records/legacy-message-set.js'
import { projectRoot } from './support/broker.js'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord } from './support/client-records.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { buildGoClient, goClientMissing } from './support/go-client.js'
import { parseJsonLines, runProcess } from './support/run-process.js'
import { storedBatches } from './support/segment-files.js'
import { waitForTopic, WireConnection } from './support/wire-connection.js'
import { createTopic } from './support/admin.js'

const PYTHON = '/usr/bin/python3'
const CONFLUENT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const skip = goClientMissing('sarama') ?? goClientMissing('kafka-go') ??
  (existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? false : 'python3-confluent-kafka is not installed')

test('old message formats: magic 0 and 1 in (stored as v2 batches) and out (Fetch v0-v3)', { skip }, async t => {
  // The cluster's cleanup is registered before anything else can fail, so no process outlives the test.
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const [sarama, kafkaGo] = await Promise.all([buildGoClient('sarama'), buildGoClient('kafka-go')])
  const dataDir = join(cluster.broker(1).dir, 'data')

  const writers = [
    { name: 'Sarama default config (Produce v0, magic 0)', topic: 'in-magic0-sarama', magic: 0, run: ['sarama', '-version', '0.8.2.0'] },
    { name: 'Sarama 0.10.0.0 (Produce v2, magic 1)', topic: 'in-magic1-sarama', magic: 1, run: ['sarama', '-version', '0.10.0.0'] },
    { name: 'kafka-go 0.2 (Produce v2, magic 1)', topic: 'in-magic1-kafka-go', magic: 1, run: ['kafka-go'] },
  ]
  for (const w of writers) {
    await t.test(`in: ${w.name} is stored as v2 batches and read back by a v2 reader`, async () => {
      await newTopic(cluster, w.topic)
      const sent = sampleRecords(w.topic, 40, { headers: false })
      const [program, ...flags] = w.run
      await runProcess(program === 'sarama' ? sarama : kafkaGo, ['produce', '-brokers', cluster.bootstrap, '-topic', w.topic, ...flags], { input: toJsonLines(sent) })
      const batches = storedBatches(dataDir, w.topic)
      assert.ok(batches.length > 0 && batches.every(b => b.magic === 2), `stored as v2 batches: ${JSON.stringify(batches)}`)
      // confluent-kafka fetches v11: it sees what the broker stored.
      const read = await runProcess(PYTHON, [CONFLUENT, 'consume', cluster.bootstrap, w.topic, String(sent.length)])
      assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(read.stdout), { partitions: 4, headers: false, timestamps: w.magic === 0 ? 'none' : 'exact' })
    })
  }

  const topic = 'out-v2-batches'
  const sent = sampleRecords('confluent-kafka', 40)
  await t.test('out: v2 batches (with headers) written by confluent-kafka', async () => {
    await newTopic(cluster, topic)
    await runProcess(PYTHON, [CONFLUENT, 'produce', cluster.bootstrap, topic], { input: toJsonLines(sent) })
  })

  for (const version of [0, 1, 2, 3]) {
    await t.test(`out: raw Fetch v${version} gets magic ${version < 2 ? 0 : 1} message sets with absolute offsets`, async () => {
      const received = await fetchAll(cluster.bootstrap, topic, version)
      assertRoundTrip(sent, received, { partitions: 4, headers: false, timestamps: version < 2 ? 'none' : 'exact' })
    })
  }

  const readers = [
    { name: 'Sarama default config (Fetch v0)', args: [sarama, 'consume', '-version', '0.8.2.0'], timestamps: 'none' as const },
    { name: 'Sarama 0.10.0.0 (Fetch v2)', args: [sarama, 'consume', '-version', '0.10.0.0'], timestamps: 'exact' as const },
    { name: 'kafka-go 0.2 (Fetch v2)', args: [kafkaGo, 'consume', '-partitions', '4'], timestamps: 'exact' as const },
  ]
  for (const r of readers) {
    await t.test(`out: ${r.name} reads the v2 batches converted down`, async () => {
      const [binary, ...args] = r.args
      const read = await runProcess(binary!, [...args, '-brokers', cluster.bootstrap, '-topic', topic, '-count', String(sent.length)])
      assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(read.stdout), { partitions: 4, headers: false, timestamps: r.timestamps })
    })
  }

  await t.test('out: a gzip batch from kcat reaches Sarama\'s Fetch v0 as magic 0', { skip: existsSync('/usr/bin/kcat') ? false : 'no kcat' }, async () => {
    const gzipTopic = 'out-gzip'
    await newTopic(cluster, gzipTopic)
    const lines = Array.from({ length: 50 }, (_, i) => `key-${i % 8}\tgzip ${i}`)
    await runProcess('/usr/bin/kcat', ['-P', '-b', cluster.bootstrap, '-t', gzipTopic, '-K', '\t', '-z', 'gzip', '-X', 'linger.ms=50', '-q'], { input: lines.join('\n') + '\n' })
    assert.ok(storedBatches(dataDir, gzipTopic).every(b => b.codec === 1), 'stored gzip-compressed')
    const read = await runProcess(sarama, ['consume', '-version', '0.8.2.0', '-brokers', cluster.bootstrap, '-topic', gzipTopic, '-count', String(lines.length)])
    assert.deepEqual(parseJsonLines<ConsumedRecord>(read.stdout).map(r => `${r.key}\t${r.value}`).sort(), [...lines].sort())
  })
})

async function newTopic (cluster: Cluster, topic: string): Promise<void> {
  await createTopic(cluster.bootstrap, topic, { partitions: 4 })
  await waitForTopic(cluster.bootstrap, topic, 4)
}

/** Every record of the topic's 4 partitions read with Fetch `version` (0-3), decoded as a legacy message set. */
async function fetchAll (bootstrap: string, topic: string, version: number): Promise<ConsumedRecord[]> {
  const conn = await WireConnection.open(bootstrap)
  try {
    const received: ConsumedRecord[] = []
    for (let partition = 0; partition < 4; partition++) {
      for (let fetchOffset = 0; ;) {
        const res = await conn.request(FetchRequest, FetchResponse, version, {
          replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
          topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
        })
        const answer = res.responses[0]!.partitions[0]!
        assert.equal(answer.errorCode, 0, `Fetch v${version} ${topic}-${partition}`)
        const records = answer.records ?? Buffer.alloc(0)
        if (records.length === 0) break
        assert.equal(magicOf(records), version < 2 ? 0 : 1, `Fetch v${version} answers with magic ${version < 2 ? 0 : 1}`)
        for (const r of decodeMessageSet(records)) {
          if (r.offset < fetchOffset) continue
          received.push({ partition, offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, headers: [], timestamp: r.timestamp })
          fetchOffset = r.offset + 1
        }
        if (fetchOffset >= answer.highWatermark) break
      }
    }
    return received
  } finally {
    conn.close()
  }
}

