import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import kafkajs, { Kafka, logLevel } from 'kafkajs'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { createTopic } from './support/admin.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'
import { waitForTopic } from './support/wire-connection.js'

// KafkaJS's CommonJS exports hide this one from named ESM imports
const { ConfigResourceTypes } = kafkajs

/** DescribeConfigs' ConfigSource values. */
const Source = { DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 }

// confluent-kafka's AdminClient (librdkafka, whose own test suite alters sasl.kerberos.min.time.before.relogin)
// drives AlterConfigs and DescribeConfigs on broker 1.
const script = `
import json, sys
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource
admin = AdminClient({'bootstrap.servers': sys.argv[1]})
broker = ConfigResource(ConfigResource.Type.BROKER, '1')
if sys.argv[2] == 'alter':
    for name, value in json.loads(sys.argv[3]).items():
        broker.set_config(name, value)
    try:
        admin.alter_configs([broker])[broker].result(timeout=15)
        print(json.dumps({'code': 0, 'message': None}))
    except KafkaException as e:
        print(json.dumps({'code': e.args[0].code(), 'message': e.args[0].str()}))
else:
    configs = admin.describe_configs([broker])[broker].result(timeout=15)
    print(json.dumps({k: {'value': v.value, 'source': v.source, 'readOnly': v.is_read_only} for k, v in configs.items()}))
`

interface Described { value: string | null, source: number, readOnly: boolean }

function alter (bootstrap: string, configs: Record<string, string>): { code: number, message: string | null } {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, bootstrap, 'alter', JSON.stringify(configs)], { encoding: 'utf8', timeout: 30_000 })) as { code: number, message: string | null }
}

function describe (bootstrap: string): Record<string, Described> {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, bootstrap, 'describe'], { encoding: 'utf8', timeout: 30_000 })) as Record<string, Described>
}

test('broker configs by Kafka\'s update mode: a dynamic one is stored and described as DYNAMIC_BROKER_CONFIG, also after a restart; a read-only one is refused with Kafka\'s message (librdkafka)', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)

  assert.deepEqual(alter(cluster.bootstrap, { 'sasl.kerberos.min.time.before.relogin': '58000' }), { code: 0, message: null }, 'a per-broker config Kafka updates dynamically')
  const node = await cluster.zk.getData('/config/brokers/1')
  assert.deepEqual(JSON.parse(node?.data.toString() ?? '{}'), { version: 1, config: { 'sasl.kerberos.min.time.before.relogin': '58000' } }, 'stored in Kafka\'s znode for the broker')
  let seen: Record<string, Described> = {}
  await waitFor(() => (seen = describe(cluster.bootstrap))['sasl.kerberos.min.time.before.relogin']?.value === '58000', 'the dynamic config to be described', { onTimeout: () => JSON.stringify(seen['sasl.kerberos.min.time.before.relogin']) })
  assert.deepEqual(seen['sasl.kerberos.min.time.before.relogin'], { value: '58000', source: Source.DYNAMIC_BROKER_CONFIG, readOnly: false })
  assert.deepEqual(seen['log.dirs'], { value: seen['log.dirs']?.value, source: Source.STATIC_BROKER_CONFIG, readOnly: true })
  assert.deepEqual(seen['num.io.threads'], { value: '8', source: Source.DEFAULT_CONFIG, readOnly: false }, 'cluster-wide in Kafka, so not read-only')

  assert.deepEqual(alter(cluster.bootstrap, { 'log.dirs': '/elsewhere' }), { code: ErrorCode.INVALID_REQUEST, message: 'Cannot update these configs dynamically: Set(log.dirs)' })
  assert.equal(alter(cluster.bootstrap, { 'sasl.kerberos.min.time.before.relogn': '1' }).code, ErrorCode.INVALID_CONFIG, 'a name no broker config has')
  assert.deepEqual(JSON.parse((await cluster.zk.getData('/config/brokers/1'))?.data.toString() ?? '{}').config, { 'sasl.kerberos.min.time.before.relogin': '58000' }, 'refused changes leave the stored configs as they were')

  // Read back at start-up, before anything that uses them (Kafka's DynamicBrokerConfig.initialize)
  await cluster.broker(1).stop()
  await cluster.broker(1).start()
  assert.deepEqual(describe(cluster.bootstrap)['sasl.kerberos.min.time.before.relogin'], { value: '58000', source: Source.DYNAMIC_BROKER_CONFIG, readOnly: false })
})

test('a cluster-wide log default (message.max.bytes) changes a running topic without a restart, and goes again', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'inherits', {})
  await waitForTopic(cluster.bootstrap, 'inherits', 1)
  const kafka = new Kafka({ clientId: 'dynamic-defaults', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const admin = kafka.admin()
  const producer = kafka.producer()
  await Promise.all([admin.connect(), producer.connect()])
  t.after(async () => await Promise.all([admin.disconnect(), producer.disconnect()]))
  const sendLarge = async (): Promise<string> => {
    try {
      await producer.send({ topic: 'inherits', acks: 1, messages: [{ value: 'x'.repeat(3000) }] })
      return 'accepted'
    } catch (err) {
      return (err as Error).message
    }
  }
  const topicEntry = async (): Promise<{ value: string, source: number } | undefined> => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'inherits', configNames: ['max.message.bytes'] }], includeSynonyms: false })
    const entry = resources[0]?.configEntries[0]
    return entry === undefined ? undefined : { value: entry.configValue, source: entry.configSource }
  }
  assert.equal(await sendLarge(), 'accepted')

  const b = ['--bootstrap-server', cluster.bootstrap, '--entity-type', 'brokers', '--entity-default', '--alter']
  const set = await runTool('kafka-configs', [...b, '--add-config', 'message.max.bytes=1000'])
  assert.equal(set.stdout, 'Completed updating default config for brokers in the cluster.\n', set.stderr)
  let entry: Awaited<ReturnType<typeof topicEntry>>
  await waitFor(async () => (entry = await topicEntry())?.value === '1000', 'the topic to inherit the new default', { onTimeout: () => JSON.stringify(entry) })
  assert.equal(entry?.source, Source.DYNAMIC_DEFAULT_BROKER_CONFIG)
  assert.match(await sendLarge(), /larger than the max message size/, 'the running log refuses the batch now')

  const perBroker = await runTool('kafka-configs', [...b, '--add-config', 'listeners=PLAINTEXT://:1'])
  assert.equal(perBroker.code, 1)
  assert.match(perBroker.stderr, /Cannot update these configs at default cluster level, broker id must be specified: Set\(listeners\)/)

  const removed = await runTool('kafka-configs', [...b, '--delete-config', 'message.max.bytes'])
  assert.equal(removed.code, 0, removed.stderr)
  await waitFor(async () => (await topicEntry())?.source === Source.DEFAULT_CONFIG, 'the default to be gone')
  assert.equal(await sendLarge(), 'accepted')
})
