import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'
import { loadKafkaConfig } from './load.js'
import { parseProperties } from './java-properties.js'
import { topicConfig } from './topic-config.js'

function withFile (name: string, text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'config-'))
  try {
    const file = join(dir, name)
    writeFileSync(file, text)
    fn(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function problemsOf (fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  assert.fail('expected a ConfigError')
}

test('YAML with Kafka keys, defaults filled in and values derived', () => {
  withFile('server.yaml', 'broker.id: 3\nzookeeper.connect: 127.0.0.1:2181/kafka\nlisteners: PLAINTEXT://:9093\nlog.retention.minutes: 5\n', file => {
    const c = loadKafkaConfig(file)
    assert.equal(c.values['broker.id'], 3)
    assert.equal(c.values['num.partitions'], 1)
    assert.deepEqual(c.logDirs, ['/tmp/kafka-logs'])
    assert.deepEqual(c.listeners, [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '', port: 9093 }])
    assert.equal(c.advertisedListeners[0]?.host, '127.0.0.1')
    assert.equal(topicConfig(c, {})['retention.ms'], 5 * 60_000, 'log.retention.minutes gives the topics\' retention.ms')
    assert.equal(c.zookeeperConnectionTimeoutMs, 18000)
  })
})

test('nested YAML means the dotted key', () => {
  withFile('server.yaml', 'zookeeper:\n  connect: localhost:2181\nlog:\n  dirs: /a,/b\n', file => {
    assert.deepEqual(loadKafkaConfig(file).logDirs, ['/a', '/b'])
  })
})

test('a Kafka server.properties loads unchanged, and --override wins', () => {
  const props = '# comment\nbroker.id=0\nnum.network.threads=3\nlog.dirs=/tmp/kafka-logs\nzookeeper.connect=localhost:2181\nlog.flush.interval.messages=9223372036854775807\n'
  withFile('server.properties', props, file => {
    const c = loadKafkaConfig(file, ['broker.id=5', 'log.segment.bytes=1024'])
    assert.equal(c.values['broker.id'], 5)
    assert.equal(c.values['log.segment.bytes'], 1024)
    assert.equal(c.values['log.flush.interval.messages'], Number.MAX_SAFE_INTEGER)
  })
})

test('every problem is reported at once, by file and key', () => {
  withFile('server.yaml', 'log.segment.byte: 1\nmin.insync.replicas: 0\nauto.create.topics.enable: maybe\nlisteners: SSL://:9093\n', file => {
    const problems = problemsOf(() => loadKafkaConfig(file, ['nonsense']))
    assert.ok(problems.includes(`${file}: unknown key "log.segment.byte" (did you mean "log.segment.bytes"?)`), problems.join('\n'))
    assert.ok(problems.includes(`${file}: "min.insync.replicas" must be an integer >= 1, got 0`))
    assert.ok(problems.includes(`${file}: "auto.create.topics.enable" must be true or false, got "maybe"`))
    assert.ok(problems.includes(`${file}: "zookeeper.connect" is required`))
    assert.ok(problems.includes('--override "nonsense" must look like key=value'))
  })
})

test('listeners are checked after the keys: protocol, shape, advertised names', () => {
  withFile('server.yaml', 'zookeeper.connect: z:2181\nlisteners: SSL://:9093,PLAINTEXT://host,ODD://:1\nadvertised.listeners: OTHER://h:1\nlistener.security.protocol.map: SSL:SSL,PLAINTEXT:PLAINTEXT,ODD:KERBEROS\n', file => {
    const problems = problemsOf(() => loadKafkaConfig(file))
    assert.ok(problems.some(p => p.includes('listener ODD maps to KERBEROS, which is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL')), problems.join('\n'))
    assert.ok(problems.some(p => p.includes('"listeners" entry "PLAINTEXT://host" must look like PLAINTEXT://host:port')))
    assert.ok(problems.some(p => p.includes('listener OTHER has no entry in "listener.security.protocol.map"')))
  })
})

test('.properties syntax: separators, comments, continuations, escapes', () => {
  assert.deepEqual(parseProperties('a=1\nb : 2\nc 3\n! x\n# y\nd=long \\\n  value\ne\\:f=g\n'), { a: '1', b: '2', c: '3', d: 'long value', 'e:f': 'g' })
})

test('metrics.listener: off when unset or empty, an http://host:port, or a problem by name', () => {
  withFile('server.yaml', 'zookeeper.connect: z:2181\n', file => {
    assert.equal(loadKafkaConfig(file).metricsListener, null)
    assert.equal(loadKafkaConfig(file, ['metrics.listener=']).metricsListener, null)
    assert.deepEqual(loadKafkaConfig(file, ['metrics.listener=http://127.0.0.1:9404']).metricsListener, { host: '127.0.0.1', port: 9404, url: 'http://127.0.0.1:9404' })
    assert.deepEqual(problemsOf(() => loadKafkaConfig(file, ['metrics.listener=127.0.0.1:9404'])), [`${file}: "metrics.listener" must look like http://host:port, got "127.0.0.1:9404"`])
  })
})
