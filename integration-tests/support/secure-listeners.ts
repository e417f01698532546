import type { TestContext } from 'node:test'
import type { ConfigValues } from './broker.js'
import { runTool } from './cli-tool.js'
import { startCluster, type Cluster } from './cluster.js'
import { createTestPki, type TestPki } from './test-pki.js'

/**
 * One broker config with a listener per security set-up the security tests need, beside PLAINTEXT:
 * SSL (server certificate only), MTLS (SSL with ssl.client.auth=required), SASL_PLAINTEXT and
 * SASL_SSL with PLAIN (users in the JAAS line on one, the YAML form on the other) and both SCRAM
 * mechanisms (users from /config/users, added with kafka-configs).
 */
export const secureListeners = ['SSL', 'MTLS', 'SASL_PLAINTEXT', 'SASL_SSL'] as const

export const users = { alice: 'alice-secret', bob: 'bob-secret' } as const

export function secureBrokerConfig (pki: TestPki): ConfigValues {
  return {
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': pki.broker.keystore,
    'ssl.key.password': pki.broker.keyPassword,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.caCert,
    'listener.name.mtls.ssl.client.auth': 'required',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="${users.alice}" user_bob="${users.bob}";`,
    'listener.name.sasl_ssl.plain.sasl.jaas.users.alice': users.alice,
    'listener.name.sasl_ssl.plain.sasl.jaas.users.bob': users.bob,
  }
}

/**
 * A throwaway CA (with a client certificate for alice), one broker with secureListeners and
 * secureBrokerConfig, and alice's SCRAM credentials; removed after the test.
 */
export async function startSecureBroker (t: TestContext): Promise<{ pki: TestPki, cluster: Cluster }> {
  const pki = await createTestPki(['alice'])
  t.after(() => pki.cleanup())
  const cluster = await startCluster({ brokers: 1, extraListeners: secureListeners, config: secureBrokerConfig(pki) })
  t.after(cluster.cleanup)
  await addScramUser(cluster.bootstrap, 'alice', users.alice)
  return { pki, cluster }
}

/** Adds (or replaces) a user's SCRAM credentials for both mechanisms with bin/kafka-configs, as an operator would. */
export async function addScramUser (bootstrap: string, user: string, password: string): Promise<void> {
  const r = await runTool('kafka-configs', ['--bootstrap-server', bootstrap, '--alter', '--entity-type', 'users', '--entity-name', user,
    '--add-config', `SCRAM-SHA-256=[iterations=8192,password=${password}],SCRAM-SHA-512=[password=${password}]`])
  if (r.code !== 0) throw new Error(`kafka-configs could not add ${user}: ${r.stderr}`)
}

/** The client-side settings of each case, in librdkafka's names (kcat, confluent-kafka) and Java's. */
export interface SecurityCase {
  name: string
  listener: typeof secureListeners[number]
  mechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  clientCertificate?: boolean
}

export const securityCases: readonly SecurityCase[] = [
  { name: 'SASL_PLAINTEXT PLAIN', listener: 'SASL_PLAINTEXT', mechanism: 'PLAIN' },
  { name: 'SASL_PLAINTEXT SCRAM-SHA-256', listener: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256' },
  { name: 'SASL_PLAINTEXT SCRAM-SHA-512', listener: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-512' },
  { name: 'SSL', listener: 'SSL' },
  { name: 'SSL with a required client certificate', listener: 'MTLS', clientCertificate: true },
  { name: 'SASL_SSL PLAIN', listener: 'SASL_SSL', mechanism: 'PLAIN' },
  { name: 'SASL_SSL SCRAM-SHA-512', listener: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' },
]

/** librdkafka's properties for a case (kcat -X, confluent-kafka's config dict). */
export function librdkafkaSecurity (c: SecurityCase, pki: TestPki, password: string = users.alice): Record<string, string> {
  const props: Record<string, string> = { 'security.protocol': c.listener === 'MTLS' ? 'SSL' : c.listener }
  if (c.listener !== 'SASL_PLAINTEXT') props['ssl.ca.location'] = pki.caCert
  if (c.clientCertificate === true) {
    props['ssl.certificate.location'] = pki.client('alice').cert
    props['ssl.key.location'] = pki.client('alice').key
  }
  if (c.mechanism !== undefined) Object.assign(props, { 'sasl.mechanisms': c.mechanism, 'sasl.username': 'alice', 'sasl.password': password })
  return props
}
