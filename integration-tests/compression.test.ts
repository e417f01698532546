import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from './support/broker.js'
import { toJsonLines, type ConsumedRecord } from './support/client-records.js'
import { startCluster } from './support/cluster.js'
import { buildGoClient, goClientMissing } from './support/go-client.js'
import { parseJsonLines, runProcess } from './support/run-process.js'
import { storedBatches } from './support/segment-files.js'
import { apiVersions, waitForTopic } from './support/wire-connection.js'
import { createTopic } from './support/admin.js'

const KCAT = '/usr/bin/kcat'
const PYTHON = '/usr/bin/python3'
const CONFLUENT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const KAFKA_PYTHON = join(projectRoot, 'integration-tests/clients/python/kafka_python_client.py')
const skip = existsSync(KCAT) && existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
  ? false
  : 'needs kcat and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'

// Record batch attributes bits 0-2 (Message Format: Record Batch).
const CODECS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
const COUNT = 300

test('compressed batches from kcat (-z) are stored as sent and read back by kcat and confluent-kafka', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  // librdkafka 2.0.2 turns LZ4 on only when the broker's FindCoordinator range includes v0
  // (rdkafka_feature.c); without it kcat -z lz4 silently sends uncompressed batches.
  const findCoordinator = (await apiVersions(cluster.bootstrap)).get(10)
  const lz4Skip = findCoordinator?.min === 0 ? false : 'librdkafka enables LZ4 only when the broker advertises FindCoordinator v0, which this broker does not (yet)'

  for (const [codec, id] of Object.entries(CODECS)) {
    await t.test(codec, { skip: codec === 'lz4' ? lz4Skip : false }, async () => {
      const topic = `compressed-${codec}`
      await createTopic(cluster.bootstrap, topic, { partitions: 2 })
      await waitForTopic(cluster.bootstrap, topic, 2)
      const lines = Array.from({ length: COUNT }, (_, i) => `key-${i % 5}\t${codec} record ${i} ${'abc'.repeat(20)}`)
      // linger lets librdkafka put many records in each batch, so there is something to compress.
      await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', topic, '-K', '\t', '-z', codec, '-X', 'linger.ms=50', '-q'], { input: lines.join('\n') + '\n' })

      await assertStoredAndReadBack(cluster.bootstrap, join(cluster.broker(1).dir, 'data'), topic, codec, id, lines)
    })
  }

  // Sarama compresses lz4 whatever the broker advertises, so lz4 is shown even while kcat cannot send it.
  await t.test('lz4 from Sarama (Produce v3)', { skip: goClientMissing('sarama') ?? false }, async () => {
    const sarama = await buildGoClient('sarama')
    const topic = 'compressed-lz4-sarama'
    await createTopic(cluster.bootstrap, topic, { partitions: 2 })
    await waitForTopic(cluster.bootstrap, topic, 2)
    const lines = Array.from({ length: COUNT }, (_, i) => `key-${i % 5}\tlz4 record ${i} ${'abc'.repeat(20)}`)
    const records = lines.map((l, i) => ({ key: l.split('\t')[0]!, value: l.split('\t')[1]!, headers: [], timestamp: 1_700_000_000_000 + i }))
    await runProcess(sarama, ['produce', '-brokers', cluster.bootstrap, '-topic', topic, '-version', '1.0.0', '-compression', 'lz4'], { input: toJsonLines(records) })
    await assertStoredAndReadBack(cluster.bootstrap, join(cluster.broker(1).dir, 'data'), topic, 'lz4', CODECS.lz4, lines)
  })
})

/** Every stored batch keeps the codec it was sent with; kcat, confluent-kafka (and kafka-python for gzip) read all lines back. */
async function assertStoredAndReadBack (bootstrap: string, dataDir: string, topic: string, codec: string, id: number, lines: string[]): Promise<void> {
  const stored = storedBatches(dataDir, topic).map(b => {
    assert.equal(b.magic, 2, `magic of the batch at ${b.partition}/${b.baseOffset}`)
    return b.codec
  })
  assert.ok(stored.length > 0 && stored.length < lines.length, `records were batched (${stored.length} batches for ${lines.length} records)`)
  assert.deepEqual(new Set(stored), new Set([id]), `every stored batch of ${topic} keeps codec ${codec} (${id})`)

  const kcat = await runProcess(KCAT, ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\\t%s\\n'])
  assert.deepEqual(kcat.stdout.split('\n').filter(l => l !== '').sort(), [...lines].sort(), 'kcat reads every record back')

  const confluent = await runProcess(PYTHON, [CONFLUENT, 'consume', bootstrap, topic, String(lines.length)])
  const read = parseJsonLines<ConsumedRecord>(confluent.stdout).map(r => `${r.key}\t${r.value}`)
  assert.deepEqual(read.sort(), [...lines].sort(), 'confluent-kafka reads every record back')

  if (codec === 'gzip') {
    // kafka-python decompresses gzip with the standard library (the other codecs need modules Debian lacks here).
    const kafkaPython = await runProcess(PYTHON, [KAFKA_PYTHON, 'consume', bootstrap, topic, String(lines.length)])
    assert.deepEqual(parseJsonLines<ConsumedRecord>(kafkaPython.stdout).map(r => `${r.key}\t${r.value}`).sort(), [...lines].sort(), 'kafka-python reads every record back')
  }
}
