import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { partitionState } from './support/cluster-state.js'
import { addScramUser, users } from './support/secure-listeners.js'
import { createTestPki } from './support/test-pki.js'
import { waitFor } from './support/wait-for.js'

const scramLogin = (user: string, password: string): string => `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`

test('a 3-broker cluster whose inter-broker listener is SASL_SSL (SCRAM-SHA-512) replicates once its broker user exists, and acks=all records survive the leader\'s kill -9', async t => {
  const pki = await createTestPki([])
  t.after(() => pki.cleanup())
  const cluster = await startCluster({
    brokers: 3,
    extraListeners: ['SASL_SSL'],
    config: {
      'inter.broker.listener.name': 'SASL_SSL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scramLogin('broker', 'broker-secret'),
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': pki.broker.keystore,
      'ssl.key.password': pki.broker.keyPassword,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.caCert,
      'replica.lag.time.max.ms': 3000,
      'zookeeper.session.timeout.ms': 4000,
      'min.insync.replicas': 2,
    },
  })
  t.after(cluster.cleanup)
  const created = await runTool('kafka-topics', ['--bootstrap-server', cluster.bootstrap, '--create', '--topic', 'replicated', '--replica-assignment', '1:2:3'])
  assert.equal(created.code, 0, created.stderr)

  // No SCRAM user "broker" yet: the followers cannot log in to the leader's SASL_SSL listener, so they fall out of the ISR
  await waitFor(async () => (await partitionState(cluster, 'replicated', 0)).isr.length === 1, 'the ISR of replicated-0 to shrink to the leader while followers cannot authenticate', { timeoutMs: 20_000 })
  await addScramUser(cluster.bootstrap, 'broker', 'broker-secret')
  await waitFor(async () => (await partitionState(cluster, 'replicated', 0)).isr.length === 3, 'the followers to authenticate and rejoin the ISR', { timeoutMs: 20_000 })

  await addScramUser(cluster.bootstrap, 'alice', users.alice)
  const clientConfig = join(pki.dir, 'client.properties')
  writeFileSync(clientConfig, [
    'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', `sasl.jaas.config=${scramLogin('alice', users.alice)}`,
    'ssl.truststore.type=PEM', `ssl.truststore.location=${pki.caCert}`,
  ].join('\n') + '\n')
  const values = Array.from({ length: 200 }, (_, i) => `record-${i}`)
  const produced = await runTool('kafka-console-producer', ['--bootstrap-server', cluster.bootstrapFor('SASL_SSL'), '--topic', 'replicated', '--producer.config', clientConfig, '--producer-property', 'acks=all'], { input: values.join('\n') + '\n' })
  assert.equal(produced.code, 0, produced.stderr)

  const leader = (await partitionState(cluster, 'replicated', 0)).leader
  await cluster.broker(leader).kill('SIGKILL')
  await waitFor(async () => ![leader, -1].includes((await partitionState(cluster, 'replicated', 0)).leader), `a new leader after broker ${leader} was killed`, { timeoutMs: 15_000 })
  const survivors = cluster.brokers.filter(b => b.spec.brokerId !== leader).map(b => b.bootstrapFor('SASL_SSL')).join(',')
  const consumed = await runTool('kafka-console-consumer', ['--bootstrap-server', survivors, '--topic', 'replicated', '--from-beginning', '--max-messages', String(values.length), '--consumer.config', clientConfig, '--timeout-ms', '15000'], { timeoutMs: 30_000 })
  assert.equal(consumed.code, 0, consumed.stderr)
  assert.deepEqual(consumed.stdout.split('\n').filter(l => l !== ''), values)
})
