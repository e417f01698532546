import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toGatewayConfig } from './gateway-config.js'

const noFile = (): string => { throw Object.assign(new Error('no file'), { code: 'ENOENT' }) }

test('defaults: loopback listener, no auth, Kafka-named client keys passed to the gateway\'s clients', () => {
  const { config, problems } = toGatewayConfig({ 'consumer.fetch.max.wait.ms': 100, 'producer.linger.ms': 5 }, noFile)
  assert.deepEqual(problems, [])
  assert.deepEqual(config?.listener, { host: '127.0.0.1', port: 8080, url: 'http://127.0.0.1:8080' })
  assert.equal(config?.consumer['fetch.max.wait.ms'], 100)
  assert.equal(config?.producer['linger.ms'], 5)
  assert.deepEqual(config?.producer['bootstrap.servers'], ['127.0.0.1:9092'])
})

test('every problem is named: unknown keys, bad values, a public listener without tokens, bad client keys', () => {
  const { problems } = toGatewayConfig({
    'gateway.listner': 'x',
    'gateway.ping.interval.ms': 'soon',
    'consumer.fetch.max.bytes': -1,
    'consumer.group.id': 'g',
    'producer.nonsense': 1,
  }, noFile)
  assert.ok(problems.some(p => /unknown key "gateway.listner" \(did you mean "gateway.listener"\?\)/.test(p)), problems.join('\n'))
  assert.ok(problems.some(p => p.includes('"gateway.ping.interval.ms" must be an integer')))
  assert.ok(problems.some(p => p.includes('"consumer.fetch.max.bytes" must be an integer >= 0')))
  assert.ok(problems.some(p => p.includes('"consumer.group.id" (the gateway sets it)')))
  assert.ok(problems.some(p => p.includes('unknown key "producer.nonsense"')))
  const open = toGatewayConfig({ 'gateway.listener': 'http://0.0.0.0:8080' }, noFile).problems
  assert.match(open.join(), /not a loopback address, so "gateway.auth.tokens"/)
  assert.match(toGatewayConfig({ 'gateway.listener': 'ws://x:1' }, noFile).problems.join(), /http:\/\/host:port/)
  assert.match(toGatewayConfig({ 'gateway.auth.tokens': 'short' }, noFile).problems.join(), /at least 16 characters/)
  assert.match(toGatewayConfig({ 'gateway.auth.token.file': '/nope' }, noFile).problems.join(), /cannot be read \(ENOENT\)/)
  assert.match(toGatewayConfig({ 'gateway.allowed.origins': 'evil' }, noFile).problems.join(), /http\(s\):\/\/host/)
})

test('tokens from the file (comments and blank lines skipped) allow a public listener', () => {
  const { config, problems } = toGatewayConfig({ 'gateway.listener': 'http://0.0.0.0:0', 'gateway.auth.token.file': 'tokens' }, () => '# ops\n\nabcdefghijklmnop-1\n')
  assert.deepEqual(problems, [])
  assert.deepEqual([...config!.tokens.keys()], ['abcdefghijklmnop-1'])
})

test('gateway.broker.metrics.urls: <broker id>=URL, /metrics when the URL has no path; bad entries named', () => {
  const { config, problems } = toGatewayConfig({ 'gateway.broker.metrics.urls': ['1=http://127.0.0.1:9405', '2=http://b2:9404/', '3=https://b3:443/prom'] }, noFile)
  assert.deepEqual(problems, [])
  assert.deepEqual([...config!.brokerMetricsUrls], [[1, 'http://127.0.0.1:9405/metrics'], [2, 'http://b2:9404/metrics'], [3, 'https://b3:443/prom']])
  const bad = toGatewayConfig({ 'gateway.broker.metrics.urls': ['http://x:1', '1=http://a:1', '1=http://b:2'] }, noFile).problems.join('\n')
  assert.match(bad, /entry "http:\/\/x:1" must look like <broker id>=http:\/\/host:port/)
  assert.match(bad, /names broker 1 twice/)
})

test('client security keys at the top level go to every client of the gateway; producer./consumer. ones override them', () => {
  const { config, problems } = toGatewayConfig({
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="gateway" password="gw-secret";',
    'ssl.truststore.location': '/etc/kafka/ca.pem',
    'consumer.sasl.mechanism': 'SCRAM-SHA-256',
  }, noFile)
  assert.deepEqual(problems, [])
  for (const client of [config!.producer, config!.consumer, config!.admin]) {
    assert.equal(client['security.protocol'], 'SASL_SSL')
    assert.equal(client['ssl.truststore.location'], '/etc/kafka/ca.pem')
    assert.deepEqual(client['bootstrap.servers'], ['127.0.0.1:9092'])
  }
  assert.equal(config!.producer['sasl.mechanism'], 'SCRAM-SHA-512')
  assert.equal(config!.admin['sasl.mechanism'], 'SCRAM-SHA-512')
  assert.equal(config!.consumer['sasl.mechanism'], 'SCRAM-SHA-256')
  assert.match(toGatewayConfig({ 'security.protocol': 'TLS' }, noFile).problems.join(), /"security.protocol" must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/)
})

test('tokens mapped to principals: gateway.auth.principals and `<token> <principal>` lines of the token file; authorization needs zookeeper.connect', () => {
  const file = '# ops\nbob-token-0123456789 User:bob\nplain-token-0123456789\n'
  const { config, problems } = toGatewayConfig({
    'zookeeper.connect': '127.0.0.1:2181',
    'gateway.auth.principals': ['alice-token-0123456789 User:alice'],
    'gateway.auth.token.file': 'tokens',
    'super.users': 'User:admin;User:gateway',
  }, () => file)
  assert.deepEqual(problems, [])
  assert.deepEqual([...config!.tokens], [['alice-token-0123456789', 'User:alice'], ['bob-token-0123456789', 'User:bob'], ['plain-token-0123456789', undefined]])
  assert.deepEqual(config!.authorization, { superUsers: ['User:admin', 'User:gateway'], allowEveryoneIfNoAclFound: false })
  assert.equal(toGatewayConfig({ 'gateway.auth.tokens': ['plain-token-0123456789'] }, noFile).config?.authorization, undefined, 'no principals: nothing is checked, as before')
  assert.match(toGatewayConfig({ 'gateway.auth.principals': ['alice-token-0123456789 User:alice'] }, noFile).problems.join(), /need "zookeeper.connect"/)
  assert.match(toGatewayConfig({ 'zookeeper.connect': 'z:2181', 'gateway.auth.principals': ['alice-token-0123456789'] }, noFile).problems.join(), /entries must be `<token> <principal>`/)
  assert.match(toGatewayConfig({ 'zookeeper.connect': 'z:2181', 'gateway.auth.principals': ['alice-token-0123456789 alice'] }, noFile).problems.join(), /must look like User:alice/)
  assert.match(toGatewayConfig({ 'zookeeper.connect': 'z:2181', 'gateway.auth.principals': ['alice-token-0123456789 User:alice', 'alice-token-0123456789 User:bob'] }, noFile).problems.join(), /given twice with different principals/)
})
