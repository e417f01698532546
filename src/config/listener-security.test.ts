import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toKafkaConfig } from './kafka-config.js'

const base = { 'zookeeper.connect': 'z:2181' }
const plainJaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret" user_alice="alice-secret";'

test('several listeners at once, each with its protocol; per-listener keys override the broker\'s', () => {
  const { config, problems } = toKafkaConfig({
    ...base,
    listeners: 'PLAINTEXT://:9092,INTERNAL://:9093,EXTERNAL://:9094',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT,EXTERNAL:SSL',
    'inter.broker.listener.name': 'internal',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
    'listener.name.internal.plain.sasl.jaas.config': plainJaas,
    'ssl.client.auth': 'requested',
    'ssl.keystore.location': '/broker.pem',
    'listener.name.external.ssl.client.auth': 'required',
  })
  assert.deepEqual(problems, [])
  assert.equal(config?.interBrokerListenerName, 'INTERNAL')
  assert.deepEqual(config?.interBrokerSecurity, { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: 'broker', password: 'broker-secret' } })
  const internal = config?.listenerSecurity.get('INTERNAL')
  assert.deepEqual(internal?.saslMechanisms, ['PLAIN', 'SCRAM-SHA-256'])
  assert.equal(internal?.jaas.get('PLAIN')?.options.get('user_alice'), 'alice-secret')
  assert.equal(config?.listenerSecurity.get('EXTERNAL')?.ssl['ssl.client.auth'], 'required')
  assert.equal(config?.listenerSecurity.get('PLAINTEXT')?.ssl['ssl.client.auth'], 'requested')
  assert.equal(config?.listenerSecurity.get('PLAINTEXT')?.protocol, 'PLAINTEXT')
})

test('the YAML form of the JAAS options is the same login module', () => {
  const { config, problems } = toKafkaConfig({
    ...base,
    listeners: 'PLAINTEXT://:9092,SASL_SSL://:9093',
    'sasl.enabled.mechanisms': 'PLAIN',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': '/broker.pem',
    'listener.name.sasl_ssl.plain.sasl.jaas.username': 'broker',
    'listener.name.sasl_ssl.plain.sasl.jaas.password': 'broker-secret',
    'listener.name.sasl_ssl.plain.sasl.jaas.users.alice': 'alice-secret',
  })
  assert.deepEqual(problems, [])
  const jaas = config?.listenerSecurity.get('SASL_SSL')?.jaas.get('PLAIN')
  assert.equal(jaas?.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule')
  assert.deepEqual([...jaas!.options], [['username', 'broker'], ['password', 'broker-secret'], ['user_alice', 'alice-secret']])
})

test('what Kafka refuses is refused by key, with no password in the message', () => {
  const { problems } = toKafkaConfig({
    ...base,
    listeners: 'PLAINTEXT://:9092,SASL_PLAINTEXT://:9093,SSL://:9094',
    'security.inter.broker.protocol': 'SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required password="hunter2"',
    'listener.name.ssl.ssl.client.auth': 'sometimes',
    'listener.name.ssl.num.io.threads': '4',
    'listener.name.nowhere.ssl.client.auth': 'required',
  })
  const all = problems.join('\n')
  for (const expected of [
    'Only one of "inter.broker.listener.name" and "security.inter.broker.protocol" should be set',
    'listener SASL_PLAINTEXT: SASL mechanism GSSAPI is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)',
    '"listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config" is not a valid JAAS configuration: it must end with ";"',
    '"listener.name.ssl.ssl.client.auth" must be one of required, requested, none, got "sometimes"',
    '"listener.name.ssl.num.io.threads" is not a per-listener key',
    '"listener.name.nowhere.ssl.client.auth": listener nowhere is not among "listeners"',
    'listener SSL: SSL needs a key and certificate',
  ]) assert.ok(all.includes(expected), `missing: ${expected}\nin:\n${all}`)
  assert.ok(!all.includes('hunter2'))
})

test('the inter-broker listener must be advertised, and on SASL carry the broker\'s own login', () => {
  const noListener = toKafkaConfig({ ...base, listeners: 'SASL_PLAINTEXT://:9093', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256' }).problems
  assert.ok(noListener.some(p => p.includes('the inter-broker listener PLAINTEXT')), noListener.join('\n'))
  const noLogin = toKafkaConfig({ ...base, listeners: 'SASL_PLAINTEXT://:9093', 'security.inter.broker.protocol': 'SASL_PLAINTEXT', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256', 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256' }).problems
  assert.ok(noLogin.some(p => p.includes('needs the broker\'s own username and password in "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config"')), noLogin.join('\n'))
})

test('listener.name.<l>.max.connections gives a listener a connection limit of its own, checked as max.connections is', () => {
  const { config, problems } = toKafkaConfig({ ...base, listeners: 'PLAINTEXT://:9092,CLIENT://:9093', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT', 'listener.name.client.max.connections': '50' })
  assert.deepEqual(problems, [])
  assert.equal(config?.listenerSecurity.get('CLIENT')?.maxConnections, 50)
  assert.equal(config?.listenerSecurity.get('PLAINTEXT')?.maxConnections, undefined, 'no limit of its own')
  const bad = toKafkaConfig({ ...base, listeners: 'PLAINTEXT://:9092', 'listener.name.plaintext.max.connections': '-1' }).problems
  assert.deepEqual(bad, ['"listener.name.plaintext.max.connections" must be an integer >= 0, got "-1"'])
})
