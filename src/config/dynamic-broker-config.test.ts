import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dynamicBrokerConfigProblem, usableDynamicConfigs } from './dynamic-broker-config.js'
import { brokerConfigLevels, toKafkaConfig, type KafkaConfig } from './kafka-config.js'

function brokerConfig (raw: Record<string, unknown> = {}, dynamic = { dynamicBroker: {}, dynamicDefault: {} }): KafkaConfig {
  const { config, problems } = toKafkaConfig({ 'zookeeper.connect': '127.0.0.1:2181', ...raw }, dynamic)
  assert.ok(config !== undefined, problems.join('; '))
  return config
}

test('dynamic keys are accepted where their mode allows: per-broker on a broker id, cluster-wide on either', () => {
  const current = brokerConfig()
  assert.equal(dynamicBrokerConfigProblem(current, { 'sasl.kerberos.min.time.before.relogin': '58000' }, true), undefined)
  assert.equal(dynamicBrokerConfigProblem(current, { 'log.retention.ms': '1000', 'num.io.threads': '4' }, false), undefined)
  assert.equal(dynamicBrokerConfigProblem(current, { 'log.retention.ms': '1000' }, true), undefined)
})

test('refusals carry Kafka\'s message; only an unknown name is INVALID_CONFIG', () => {
  const current = brokerConfig()
  assert.deepEqual(dynamicBrokerConfigProblem(current, { 'broker.id': '7', 'log.retention.ms': '1' }, true), { unknown: false, message: 'Cannot update these configs dynamically: Set(broker.id)' })
  assert.deepEqual(dynamicBrokerConfigProblem(current, { 'log.dirs': '/x', 'log.retention.hours': '1' }, true), { unknown: false, message: 'Cannot update these configs dynamically: Set(log.dirs, log.retention.hours)' })
  assert.deepEqual(dynamicBrokerConfigProblem(current, { 'sasl.kerberos.min.time.before.relogin': '58000' }, false),
    { unknown: false, message: 'Cannot update these configs at default cluster level, broker id must be specified: Set(sasl.kerberos.min.time.before.relogin)' })
  assert.deepEqual(dynamicBrokerConfigProblem(current, { 'ssl.keystore.location': '/k' }, true),
    { unknown: false, message: 'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)' })
  assert.equal(dynamicBrokerConfigProblem(current, { 'sasl.jaas.config': 'x' }, true)?.unknown, false)
  assert.deepEqual(dynamicBrokerConfigProblem(current, { 'log.retention.msx': '1' }, true), { unknown: true, message: 'unknown key "log.retention.msx" (did you mean "log.retention.ms"?)' })
  assert.deepEqual(dynamicBrokerConfigProblem(current, { 'log.retention.ms': 'soon' }, true), { unknown: false, message: '"log.retention.ms" must be an integer, got "soon"' })
})

test('the broker\'s config as a whole must hold with the change in place (processReconfiguration)', () => {
  const current = brokerConfig({}, { dynamicBroker: {}, dynamicDefault: { 'log.cleaner.max.compaction.lag.ms': '1000' } })
  assert.match(dynamicBrokerConfigProblem(current, { 'log.cleaner.min.compaction.lag.ms': '2000' }, true)?.message ?? '', /must not exceed "log.cleaner.max.compaction.lag.ms"/)
  assert.equal(dynamicBrokerConfigProblem(current, { 'log.cleaner.min.compaction.lag.ms': '2000', 'log.cleaner.max.compaction.lag.ms': '3000' }, true), undefined, 'the broker level overrides the default level')
  assert.match(dynamicBrokerConfigProblem(current, { listeners: 'PLAINTEXT://host' }, true)?.message ?? '', /must look like PLAINTEXT:\/\/host:port/)
  // KafkaConfig: no connection from anywhere would be allowed
  assert.match(dynamicBrokerConfigProblem(current, { 'max.connections.per.ip': '0' }, true)?.message ?? '', /"max.connections.per.ip" can be set to zero only if "max.connections.per.ip.overrides" is set/)
  assert.equal(dynamicBrokerConfigProblem(current, { 'max.connections.per.ip': '0', 'max.connections.per.ip.overrides': '10.0.0.1:5' }, true), undefined)
})

test('a stored config the broker would not run with is dropped by name, the rest kept', () => {
  assert.deepEqual(usableDynamicConfigs({ 'log.retention.ms': '1000', 'broker.id': '3', 'listeners': 'PLAINTEXT://:1', 'nonsense': 'x', 'log.segment.bytes': 'big' }, false),
    { usable: { 'log.retention.ms': '1000' }, dropped: ['broker.id', 'listeners', 'nonsense', 'log.segment.bytes'] })
  assert.deepEqual(usableDynamicConfigs({ 'listeners': 'PLAINTEXT://:1' }, true), { usable: { 'listeners': 'PLAINTEXT://:1' }, dropped: [] })
})

test('the dynamic levels sit over the static config in Kafka\'s order of precedence', () => {
  const config = brokerConfig({ 'log.segment.bytes': 2048, 'num.io.threads': 4 }, { dynamicDefault: { 'log.segment.bytes': '4096', 'log.retention.ms': '10' }, dynamicBroker: { 'log.segment.bytes': '8192' } })
  assert.equal(config.values['log.segment.bytes'], 8192)
  assert.equal(config.values['log.retention.ms'], 10)
  assert.deepEqual(brokerConfigLevels(config, 'log.segment.bytes').map(l => l.source), ['dynamic-broker', 'dynamic-default', 'static', 'default'])
  assert.deepEqual(brokerConfigLevels(config, 'num.io.threads'), [{ source: 'static', value: '4' }, { source: 'default', value: '8' }])
  assert.deepEqual(brokerConfigLevels(config, 'log.dirs'), [], 'no level and no default: DEFAULT_CONFIG with a null value')
})
