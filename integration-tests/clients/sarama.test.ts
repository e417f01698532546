import { test } from 'node:test'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord, type Delivery } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { buildGoClient, goClientMissing } from '../support/go-client.js'
import { parseJsonLines, runProcess } from '../support/run-process.js'
import { waitForTopic } from '../support/wire-connection.js'
import { createTopic } from '../support/admin.js'

const skip = goClientMissing('sarama') ?? false

// Sarama 1.22 sends fixed versions chosen by config.Version (Sarama 1.22's produce_set.go and request versions).
const VERSIONS = [
  { version: '0.8.2.0', what: 'default config: Produce v0 with magic 0 message sets, Fetch v0, ListOffsets v0', headers: false, timestamps: 'none' as const },
  { version: '0.10.0.0', what: 'Produce v2 with magic 1 (timestamps), Fetch v2', headers: false, timestamps: 'exact' as const },
  { version: '1.0.0', what: 'Produce v3 with record batch v2 (headers), Fetch v4, Metadata v5', headers: true, timestamps: 'exact' as const },
]

test('Sarama 1.22 (Go) with the simple consumer', { skip }, async t => {
  // The cluster's cleanup is registered before the build can fail, so no process outlives the test.
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const binary = await buildGoClient('sarama')

  for (const v of VERSIONS) {
    await t.test(`Version ${v.version}: ${v.what}`, async () => {
      const topic = `sarama-${v.version.replaceAll('.', '-')}`
      await createTopic(cluster.bootstrap, topic, { partitions: 4 })
      await waitForTopic(cluster.bootstrap, topic, 4)
      const sent = sampleRecords(`sarama ${v.version}`, 40, { headers: v.headers })
      const args = ['-brokers', cluster.bootstrap, '-topic', topic, '-version', v.version]
      const produced = await runProcess(binary, ['produce', ...args], { input: toJsonLines(sent) })
      const consumed = await runProcess(binary, ['consume', ...args, '-count', String(sent.length)])
      assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(consumed.stdout), {
        partitions: 4, headers: v.headers, timestamps: v.timestamps, deliveries: parseJsonLines<Delivery>(produced.stdout),
      })
    })
  }
})
