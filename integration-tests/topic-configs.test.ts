import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { Kafka, logLevel } from 'kafkajs'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

// confluent-kafka's AdminClient (librdkafka) drives DescribeConfigs / AlterConfigs: a client we did not write.
const script = `
import json, sys
from confluent_kafka.admin import AdminClient, ConfigResource
admin = AdminClient({'bootstrap.servers': sys.argv[1]})
topic = ConfigResource(ConfigResource.Type.TOPIC, 'configured')
if sys.argv[2] == 'alter':
    topic.set_config('retention.ms', '3600000')
    topic.set_config('cleanup.policy', 'delete')
    admin.alter_configs([topic])[topic].result(timeout=15)
    print(json.dumps({'ok': True}))
elif sys.argv[2] == 'bad':
    topic.set_config('retention.msx', '1')
    try:
        admin.alter_configs([topic])[topic].result(timeout=15)
        print(json.dumps({'error': None}))
    except Exception as e:
        print(json.dumps({'error': str(e)}))
else:
    configs = admin.describe_configs([topic])[topic].result(timeout=15)
    broker = ConfigResource(ConfigResource.Type.BROKER, '1')
    bconfigs = admin.describe_configs([broker])[broker].result(timeout=15)
    print(json.dumps({'topic': {k: [v.value, v.source] for k, v in configs.items()}, 'broker': {k: v.value for k, v in bconfigs.items()}}))
`

function python (bootstrap: string, mode: string): Record<string, unknown> {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, bootstrap, mode], { encoding: 'utf8', timeout: 30_000 })) as Record<string, unknown>
}

test('topic and broker configs: described with their sources, altered by a real AdminClient, applied through ZooKeeper', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'log.retention.hours': 24 } })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'configured', { partitions: 1, configs: { 'max.message.bytes': '2000000' } })

  const before = python(cluster.bootstrap, 'describe') as { topic: Record<string, [string, number]>, broker: Record<string, string> }
  assert.deepEqual(before.topic['max.message.bytes'], ['2000000', 1], 'a topic override: DYNAMIC_TOPIC_CONFIG')
  assert.deepEqual(before.topic['retention.ms'], [String(24 * 3_600_000), 4], 'from the broker\'s log.retention.hours: STATIC_BROKER_CONFIG')
  assert.equal(before.topic['segment.bytes']?.[1], 5, 'untouched: DEFAULT_CONFIG')
  assert.equal(before.broker['log.retention.hours'], '24')

  assert.deepEqual(python(cluster.bootstrap, 'alter'), { ok: true })
  const node = await cluster.zk.getData('/config/topics/configured')
  assert.deepEqual(JSON.parse(node?.data.toString() ?? '{}'), { version: 1, config: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' } }, 'AlterConfigs replaces the overrides, in Kafka\'s znode format')
  assert.ok((await cluster.zk.getChildren('/config/changes')).some(c => c.startsWith('config_change_')), 'a change notification')
  await waitFor(() => {
    const after = python(cluster.bootstrap, 'describe') as { topic: Record<string, [string, number]> }
    return after.topic['retention.ms']?.[0] === '3600000' && after.topic['max.message.bytes']?.[1] === 5
  }, 'the new overrides to show in DescribeConfigs')

  const bad = python(cluster.bootstrap, 'bad') as { error: string | null }
  assert.match(bad.error ?? '', /retention\.msx/, 'an unknown key is refused by name')
})

test('message.timestamp.type=LogAppendTime: the broker\'s clock replaces the producer\'s timestamp, as clients read it', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'stamped', { partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } })
  const before = Date.now()
  const kafka = new Kafka({ clientId: 'log-append-time', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  t.after(async () => await producer.disconnect())
  const [meta] = await producer.send({ topic: 'stamped', messages: [{ value: 'old', timestamp: '1000' }] })
  assert.ok(Number(meta?.logAppendTime) >= before, `the produce answer carries the append time (${String(meta?.logAppendTime)})`)
  const out = execFileSync('kcat', ['-C', '-b', cluster.bootstrap, '-t', 'stamped', '-o', 'beginning', '-e', '-q', '-f', '%T %s\\n'], { encoding: 'utf8', timeout: 20_000 })
  const [timestamp, value] = out.trim().split(' ')
  assert.equal(value, 'old')
  assert.ok(Number(timestamp) >= before && Number(timestamp) <= Date.now(), `kcat reads the broker's append time, not 1000 (got ${timestamp})`)
})
