import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createTopic } from '../support/admin.js'
import { projectRoot } from '../support/broker.js'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord } from '../support/client-records.js'
import { parseJsonLines, runProcess } from '../support/run-process.js'
import { librdkafkaSecurity, securityCases, startSecureBroker } from '../support/secure-listeners.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const skip = existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? false : 'python3-confluent-kafka is not installed (integration-tests/support/ensure-clients.sh)'

test('confluent-kafka-python 1.7.0 over SASL_PLAINTEXT, SSL and SASL_SSL: produce and consume; a wrong password fails with SASL_AUTHENTICATION_FAILED', { skip }, async t => {
  const { pki, cluster } = await startSecureBroker(t)

  for (const c of securityCases) {
    await t.test(`${c.name}: produce and consume`, async () => {
      const topic = `confluent-${c.name.replace(/[^A-Za-z0-9]+/g, '-')}`
      await createTopic(cluster.bootstrap, topic, { partitions: 2 })
      const env = { ...process.env, KAFKA_CLIENT_CONFIG: JSON.stringify(librdkafkaSecurity(c, pki)) }
      const sent = sampleRecords('confluent-kafka', 10)
      const bootstrap = cluster.bootstrapFor(c.listener)
      await runProcess(PYTHON, [SCRIPT, 'produce', bootstrap, topic], { input: toJsonLines(sent), env })
      const consumed = await runProcess(PYTHON, [SCRIPT, 'consume', bootstrap, topic, String(sent.length)], { env })
      assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(consumed.stdout), { partitions: 2, headers: true, timestamps: 'exact' })
    })
  }

  for (const c of securityCases.filter(x => x.mechanism !== undefined)) {
    await t.test(`${c.name}: a wrong password fails with SASL_AUTHENTICATION_FAILED`, async () => {
      const env = { ...process.env, KAFKA_CLIENT_CONFIG: JSON.stringify(librdkafkaSecurity(c, pki, 'wrong-password')) }
      const failed = await runProcess(PYTHON, [SCRIPT, 'metadata', cluster.bootstrapFor(c.listener)], { env }).then(() => undefined, (err: Error) => err.message)
      assert.ok(failed !== undefined, 'metadata succeeded with a wrong password')
      // librdkafka logs the message the broker sent with SASL_AUTHENTICATION_FAILED
      assert.match(failed, /SASL authentication error: Authentication failed/)
    })
  }
})
