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
  assert.deepEqual(config?.tokens, ['abcdefghijklmnop-1'])
})

test('gateway.broker.metrics.urls: <broker id>=URL, /metrics when the URL has no path; bad entries named', () => {
  const { config, problems } = toGatewayConfig({ 'gateway.broker.metrics.urls': ['1=http://127.0.0.1:9405', '2=http://b2:9404/', '3=https://b3:443/prom'] }, noFile)
  assert.deepEqual(problems, [])
  assert.deepEqual([...config!.brokerMetricsUrls], [[1, 'http://127.0.0.1:9405/metrics'], [2, 'http://b2:9404/metrics'], [3, 'https://b3:443/prom']])
  const bad = toGatewayConfig({ 'gateway.broker.metrics.urls': ['http://x:1', '1=http://a:1', '1=http://b:2'] }, noFile).problems.join('\n')
  assert.match(bad, /entry "http:\/\/x:1" must look like <broker id>=http:\/\/host:port/)
  assert.match(bad, /names broker 1 twice/)
})
