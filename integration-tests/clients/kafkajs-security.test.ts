import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, Partitioners, type KafkaConfig, type SASLOptions } from 'kafkajs'
import { createTopic } from '../support/admin.js'
import { readWithKafkaJs } from '../support/kafkajs-simple-consumer.js'
import { type SecurityCase, securityCases, startSecureBroker, users } from '../support/secure-listeners.js'
import type { TestPki } from '../support/test-pki.js'

function kafkaJsSecurity (c: SecurityCase, pki: TestPki, password: string = users.alice): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}
  if (c.listener !== 'SASL_PLAINTEXT') {
    out.ssl = { ca: [readFileSync(pki.caCert, 'utf8')] }
    if (c.clientCertificate === true) Object.assign(out.ssl, { cert: readFileSync(pki.client('alice').cert, 'utf8'), key: readFileSync(pki.client('alice').key, 'utf8') })
  }
  if (c.mechanism !== undefined) out.sasl = { mechanism: c.mechanism.toLowerCase(), username: 'alice', password } as SASLOptions
  return out
}

test('KafkaJS 2.2 over SASL_PLAINTEXT, SSL and SASL_SSL: produce and consume; a wrong password fails with SASL_AUTHENTICATION_FAILED', async t => {
  const { pki, cluster } = await startSecureBroker(t)

  for (const c of securityCases) {
    await t.test(`${c.name}: produce and consume`, async () => {
      const topic = `kafkajs-${c.name.replace(/[^A-Za-z0-9]+/g, '-')}`
      await createTopic(cluster.bootstrap, topic, { partitions: 1 })
      const kafka = new Kafka({ clientId: 'kafkajs-security-test', brokers: [cluster.bootstrapFor(c.listener)], logLevel: logLevel.NOTHING, retry: { retries: 2 }, ...kafkaJsSecurity(c, pki) })
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
      await producer.connect()
      const values = ['one', 'two', 'three'].map(v => `${v} over ${c.name}`)
      await producer.send({ topic, acks: -1, messages: values.map(value => ({ value })) })
      await producer.disconnect()
      const read = await readWithKafkaJs(kafka, topic, values.length)
      assert.deepEqual(read.map(r => r.value), values)
    })
  }

  for (const c of securityCases.filter(x => x.mechanism !== undefined)) {
    await t.test(`${c.name}: a wrong password fails with SASL_AUTHENTICATION_FAILED`, async () => {
      const kafka = new Kafka({ clientId: 'kafkajs-security-test', brokers: [cluster.bootstrapFor(c.listener)], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...kafkaJsSecurity(c, pki, 'wrong-password') })
      const admin = kafka.admin()
      await assert.rejects(admin.connect(), (err: Error & { type?: string }) => {
        // KafkaJS names the broker's error code (SaslAuthenticate v1) or, for its v0-less PLAIN path, the same text
        assert.match(`${err.name} ${err.type ?? ''} ${err.message}`, /SASL_AUTHENTICATION_FAILED|Authentication failed/)
        return true
      })
      await admin.disconnect()
    })
  }
})
