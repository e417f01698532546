import { test } from 'node:test'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { buildGoClient, goClientMissing } from '../support/go-client.js'
import { parseJsonLines, runProcess } from '../support/run-process.js'
import { waitForTopic } from '../support/wire-connection.js'
import { createTopic } from '../support/admin.js'

const skip = goClientMissing('kafka-go') ?? false

test('kafka-go 0.2.1 (Go): Produce v2 with magic 1 message sets, read back with Fetch v2 (converted down)', { skip }, async t => {
  // The cluster's cleanup is registered before the build can fail, so no process outlives the test.
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const binary = await buildGoClient('kafka-go')
  const topic = 'kafka-go-records'
  await createTopic(cluster.bootstrap, topic, { partitions: 4 })
  await waitForTopic(cluster.bootstrap, topic, 4)

  // kafka-go 0.2 has no record headers: magic 1 carries key, value and timestamp.
  const sent = sampleRecords('kafka-go', 40, { headers: false })
  const args = ['-brokers', cluster.bootstrap, '-topic', topic]
  await runProcess(binary, ['produce', ...args], { input: toJsonLines(sent) })
  const consumed = await runProcess(binary, ['consume', ...args, '-partitions', '4', '-count', String(sent.length)])
  assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(consumed.stdout), { partitions: 4, headers: false, timestamps: 'exact' })
})
