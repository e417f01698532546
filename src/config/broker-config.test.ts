import { test } from 'node:test'
import assert from 'node:assert/strict'
import { brokerConfigSchema, parseMaxConnectionsPerIpOverrides, type BrokerConfigKey } from './broker-config.js'
import { validateConfig } from './schema.js'
import { topicConfigSchema, type TopicConfigKey } from './topic-config.js'

const table = brokerConfigSchema as Record<string, BrokerConfigKey>
const named = (mode: BrokerConfigKey['update']): string[] => Object.keys(table).filter(k => table[k]!.update === mode).sort()

// Kafka 3.9's documentation, Broker Configs: the keys whose Update Mode is not read-only
// (DynamicBrokerConfig.dynamicConfigUpdateModes), plus QuotaConfigs.brokerQuotaConfigs.
const perBroker = [
  'advertised.listeners', 'listener.security.protocol.map', 'listeners', 'principal.builder.class', 'sasl.enabled.mechanisms', 'sasl.jaas.config',
  'sasl.kerberos.kinit.cmd', 'sasl.kerberos.min.time.before.relogin', 'sasl.kerberos.principal.to.local.rules', 'sasl.kerberos.service.name',
  'sasl.kerberos.ticket.renew.jitter', 'sasl.kerberos.ticket.renew.window.factor', 'sasl.login.refresh.buffer.seconds',
  'sasl.login.refresh.min.period.seconds', 'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter',
  'sasl.mechanism.inter.broker.protocol', 'ssl.cipher.suites', 'ssl.client.auth', 'ssl.enabled.protocols', 'ssl.endpoint.identification.algorithm',
  'ssl.engine.factory.class', 'ssl.key.password', 'ssl.keymanager.algorithm', 'ssl.keystore.certificate.chain', 'ssl.keystore.key',
  'ssl.keystore.location', 'ssl.keystore.password', 'ssl.keystore.type', 'ssl.protocol', 'ssl.provider', 'ssl.secure.random.implementation',
  'ssl.trustmanager.algorithm', 'ssl.truststore.certificates', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.type',
]
const clusterWide = [
  'background.threads', 'compression.gzip.level', 'compression.lz4.level', 'compression.type', 'compression.zstd.level', 'follower.replication.throttled.rate',
  'leader.replication.throttled.rate', 'log.cleaner.backoff.ms', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.delete.retention.ms',
  'log.cleaner.io.buffer.load.factor', 'log.cleaner.io.buffer.size', 'log.cleaner.io.max.bytes.per.second', 'log.cleaner.max.compaction.lag.ms',
  'log.cleaner.min.cleanable.ratio', 'log.cleaner.min.compaction.lag.ms', 'log.cleaner.threads', 'log.cleanup.policy', 'log.flush.interval.messages',
  'log.flush.interval.ms', 'log.index.interval.bytes', 'log.index.size.max.bytes', 'log.local.retention.bytes', 'log.local.retention.ms',
  'log.message.downconversion.enable', 'log.message.timestamp.after.max.ms', 'log.message.timestamp.before.max.ms',
  'log.message.timestamp.difference.max.ms', 'log.message.timestamp.type', 'log.preallocate', 'log.retention.bytes', 'log.retention.ms',
  'log.roll.jitter.ms', 'log.roll.ms', 'log.segment.bytes', 'log.segment.delete.delay.ms', 'max.connection.creation.rate', 'max.connections',
  'max.connections.per.ip', 'max.connections.per.ip.overrides', 'message.max.bytes', 'metric.reporters', 'min.insync.replicas', 'num.io.threads',
  'num.network.threads', 'num.recovery.threads.per.data.dir', 'num.replica.fetchers', 'producer.id.expiration.ms', 'remote.fetch.max.wait.ms',
  'remote.log.index.file.cache.total.size.bytes', 'remote.log.manager.copy.max.bytes.per.second', 'remote.log.manager.fetch.max.bytes.per.second',
  'replica.alter.log.dirs.io.max.bytes.per.second', 'transaction.partition.verification.enable', 'unclean.leader.election.enable',
]

test('update modes are Kafka 3.9\'s: every other key is read-only', () => {
  assert.deepEqual(named('per-broker'), perBroker)
  assert.deepEqual(named('cluster-wide'), clusterWide)
  assert.equal(named('read-only').length, Object.keys(table).length - perBroker.length - clusterWide.length)
  assert.ok(Object.keys(table).length > 300, 'all of Kafka\'s broker keys, not a selection')
})

test('a topic config\'s first broker synonym is dynamic cluster-wide, the others read-only (DynamicLogConfig)', () => {
  for (const [name, spec] of Object.entries(topicConfigSchema as Record<string, TopicConfigKey>)) {
    const [first, ...rest] = spec.serverDefault ?? []
    if (first === undefined) continue
    // message.format.version is Kafka's one non-reconfigurable log config
    assert.equal(table[first]!.update, name === 'message.format.version' ? 'read-only' : 'cluster-wide', `${name}: ${first}`)
    for (const synonym of rest) assert.equal(table[synonym]!.update, 'read-only', `${name}: ${synonym}`)
  }
})

test('every default passes its own key\'s checks; only zookeeper.connect has none', () => {
  assert.deepEqual(validateConfig(brokerConfigSchema, {}).problems, [{ key: 'zookeeper.connect', message: '"zookeeper.connect" is required' }])
  const bounded = Object.entries(table).filter(([, spec]) => typeof spec.default === 'number')
  for (const [name, spec] of bounded) {
    assert.deepEqual(validateConfig({ [name]: spec }, { [name]: String(spec.default) }).problems, [], name)
  }
})

test('Kafka\'s types reach the values: short and class keys, lists, and rules the bounds cannot state', () => {
  const parse = (raw: Record<string, unknown>): ReturnType<typeof validateConfig<typeof brokerConfigSchema>> => validateConfig(brokerConfigSchema, { 'zookeeper.connect': 'z:2181', ...raw })
  const { values, problems } = parse({ 'offsets.topic.replication.factor': '2', 'create.topic.policy.class.name': 'org.example.Policy', 'sasl.enabled.mechanisms': 'PLAIN, SCRAM-SHA-256' })
  assert.deepEqual(problems, [])
  assert.equal(values['offsets.topic.replication.factor'], 2)
  assert.equal(values['create.topic.policy.class.name'], 'org.example.Policy')
  assert.deepEqual(values['sasl.enabled.mechanisms'], ['PLAIN', 'SCRAM-SHA-256'])
  assert.deepEqual(parse({ 'offsets.topic.replication.factor': '40000' }).problems.map(p => p.message), ['"offsets.topic.replication.factor" must be an integer within 16 bits, got "40000"'])
  assert.deepEqual(parse({ 'inter.broker.protocol.version': '3.9' }).problems, [])
  assert.deepEqual(parse({ 'inter.broker.protocol.version': '0.10.2' }).problems, [])
  assert.equal(parse({ 'inter.broker.protocol.version': '3.10-IV0' }).problems.length, 1)
  assert.equal(parse({ 'compression.gzip.level': '10' }).problems.length, 1)
})

test('max.connections.per.ip.overrides is read as Kafka reads it: host:count entries, the count after the last colon', () => {
  assert.deepEqual(parseMaxConnectionsPerIpOverrides('hostName:100, 127.0.0.1:200,::1:3'), { overrides: new Map([['hostName', 100], ['127.0.0.1', 200], ['::1', 3]]) })
  assert.deepEqual(parseMaxConnectionsPerIpOverrides(''), { overrides: new Map() })
  for (const bad of ['127.0.0.1', '127.0.0.1:', ':5', 'a b:5', 'host:-1', 'host:many', 'host:2147483648', 'a:1,,b:2']) {
    assert.notEqual(parseMaxConnectionsPerIpOverrides(bad).problem, undefined, bad)
  }
  const { problems } = validateConfig(brokerConfigSchema, { 'zookeeper.connect': 'z:2181', 'max.connections.per.ip.overrides': 'localhost' })
  assert.deepEqual(problems.map(p => p.message), ['"max.connections.per.ip.overrides" must be host:count entries separated by commas, such as "hostName:100,127.0.0.1:200", got "localhost"'])
})
