import { test } from 'node:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../support/broker.js'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord, type Delivery } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { parseJsonLines, runProcess } from '../support/run-process.js'
import { waitForTopic } from '../support/wire-connection.js'
import { createTopic } from '../support/admin.js'

// Debian's interpreter: the first python3 on PATH may be another one without python3-kafka.
const PYTHON = '/usr/bin/python3'
const SCRIPT = join(projectRoot, 'integration-tests/clients/python/kafka_python_client.py')
const skip = existsSync('/usr/lib/python3/dist-packages/kafka') ? false : 'python3-kafka is not installed (integration-tests/support/ensure-clients.sh)'

test('kafka-python 2.0.2: keyed records with headers and timestamps, read back with assign()', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const topic = 'kafka-python-records'
  await createTopic(cluster.bootstrap, topic, { partitions: 4 })
  await waitForTopic(cluster.bootstrap, topic, 4)

  const sent = sampleRecords('kafka-python')
  const produced = await runProcess(PYTHON, [SCRIPT, 'produce', cluster.bootstrap, topic], { input: toJsonLines(sent) })
  const consumed = await runProcess(PYTHON, [SCRIPT, 'consume', cluster.bootstrap, topic, String(sent.length)])
  assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(consumed.stdout), {
    partitions: 4, headers: true, timestamps: 'exact', deliveries: parseJsonLines<Delivery>(produced.stdout),
  })
})
