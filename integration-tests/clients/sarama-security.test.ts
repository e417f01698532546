import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTopic } from '../support/admin.js'
import { assertRoundTrip, sampleRecords, toJsonLines, type ConsumedRecord } from '../support/client-records.js'
import { buildGoClient, goClientMissing } from '../support/go-client.js'
import { parseJsonLines, runProcess } from '../support/run-process.js'
import { type SecurityCase, securityCases, startSecureBroker, users } from '../support/secure-listeners.js'
import type { TestPki } from '../support/test-pki.js'

const skip = goClientMissing('sarama') ?? false

function saramaSecurity (c: SecurityCase, pki: TestPki, password: string = users.alice): string[] {
  const args: string[] = []
  if (c.listener !== 'SASL_PLAINTEXT') args.push('-tls-ca', pki.caCert)
  if (c.clientCertificate === true) args.push('-tls-cert', pki.client('alice').cert, '-tls-key', pki.client('alice').key)
  if (c.mechanism !== undefined) args.push('-sasl-mechanism', c.mechanism, '-user', 'alice', '-password', password)
  return args
}

test('Sarama 1.22 over SASL_PLAINTEXT (PLAIN with bare v0 tokens, SCRAM), SSL and SASL_SSL; a wrong password fails with SASL_AUTHENTICATION_FAILED', { skip }, async t => {
  const { pki, cluster } = await startSecureBroker(t)
  const binary = await buildGoClient('sarama')

  for (const c of securityCases) {
    await t.test(`${c.name}: produce and consume`, async () => {
      const topic = `sarama-${c.name.replace(/[^A-Za-z0-9]+/g, '-')}`
      await createTopic(cluster.bootstrap, topic, { partitions: 2 })
      const sent = sampleRecords(`sarama ${c.name}`, 10)
      const args = ['-brokers', cluster.bootstrapFor(c.listener), '-topic', topic, '-version', '1.0.0', ...saramaSecurity(c, pki)]
      await runProcess(binary, ['produce', ...args], { input: toJsonLines(sent) })
      const consumed = await runProcess(binary, ['consume', ...args, '-count', String(sent.length)])
      assertRoundTrip(sent, parseJsonLines<ConsumedRecord>(consumed.stdout), { partitions: 2, headers: true, timestamps: 'exact' })
    })
  }

  for (const c of securityCases.filter(x => x.mechanism !== undefined)) {
    await t.test(`${c.name}: a wrong password fails with SASL_AUTHENTICATION_FAILED`, async () => {
      const args = ['-brokers', cluster.bootstrapFor(c.listener), '-version', '1.0.0', '-timeout', '10s', ...saramaSecurity(c, pki, 'wrong-password')]
      const failed = await runProcess(binary, ['metadata', ...args]).then(() => undefined, (err: Error) => err.message)
      assert.ok(failed !== undefined, 'metadata succeeded with a wrong password')
      // Sarama's text for error code 58, SASL_AUTHENTICATION_FAILED; for PLAIN's bare v0 token there is
      // no error frame, only the close, which Sarama reports with the same error
      assert.match(failed, /kafka server: SASL Authentication failed/)
    })
  }
})
