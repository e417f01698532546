import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Admin } from '../src/client/admin.js'
import { Consumer, type ConsumerRecord } from '../src/client/consumer.js'
import { partitionForKey } from '../src/client/murmur2.js'
import { Producer } from '../src/client/producer.js'
import { startCluster } from './support/cluster.js'
import { runProcess } from './support/run-process.js'

const KCAT = '/usr/bin/kcat'
const skip = existsSync(KCAT) ? false : 'kcat is not installed (integration-tests/support/ensure-clients.sh)'
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
const PARTITIONS = 4
const COUNT = 40

interface Seen { partition: number, key: string | null, value: string, headers: string }

test('our client and kcat (librdkafka) read each other\'s records, in every codec', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  t.after(async () => await admin.close())
  const topics = CODECS.flatMap(c => [`ours-${c}`, `kcat-${c}`])
  const created = await admin.createTopics(topics.map(name => ({ name, numPartitions: PARTITIONS, replicationFactor: 1 })))
  assert.deepEqual(created.map(r => r.errorCode), topics.map(() => 0))

  for (const codec of CODECS) {
    await t.test(`our producer (${codec}) → kcat consumer: same partitions, keys, values, headers`, async () => {
      const topic = `ours-${codec}`
      const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, 'compression.type': codec, 'linger.ms': 5, acks: 'all' })
      const sent: Seen[] = []
      const deliveries = []
      for (let i = 0; i < COUNT; i++) {
        const key = i % 8 === 7 ? null : `key-${i}`
        const value = `value ${i} ${'x'.repeat(i * 10)}`
        deliveries.push(producer.send({ topic, key, value, headers: [{ key: 'codec', value: codec }, { key: 'i', value: String(i) }] })
          .then(meta => sent.push({ partition: meta.partition, key, value, headers: `codec=${codec},i=${i}` })))
      }
      await Promise.all(deliveries)
      await producer.close()
      for (const s of sent) if (s.key !== null) assert.equal(s.partition, partitionForKey(Buffer.from(s.key), PARTITIONS))
      const { stdout } = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-Z', '-f', '%p\\t%k\\t%h\\t%s\\n'])
      const read = stdout.split('\n').filter(l => l !== '').map(line => {
        const [partition, key, headers, value] = line.split('\t')
        return { partition: Number(partition), key: key === 'NULL' ? null : key!, value: value!, headers: headers! }
      })
      assert.deepEqual(sortSeen(read), sortSeen(sent))
    })
  }

  for (const codec of CODECS) {
    await t.test(`kcat producer (${codec}, murmur2_random) → our consumer: keys land where our partitioner puts them`, async () => {
      const topic = `kcat-${codec}`
      const lines = Array.from({ length: COUNT }, (_, i) => `user-${i * 7919}\tpayload ${i} ${'y'.repeat(i * 10)}`)
      await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', topic, '-K', '\t', '-H', 'from=kcat', '-z', codec,
        '-X', 'partitioner=murmur2_random', '-X', 'acks=all', '-q'], { input: lines.join('\n') + '\n' })
      const consumer = new Consumer({ 'bootstrap.servers': cluster.bootstrap })
      t.after(async () => await consumer.close())
      const partitions = await consumer.partitionsFor(topic)
      consumer.assign(partitions)
      consumer.seekToBeginning()
      const records: ConsumerRecord[] = []
      const deadline = Date.now() + 15_000
      while (records.length < COUNT && Date.now() < deadline) records.push(...await consumer.poll(1000))
      assert.equal(records.length, COUNT, `records of ${topic} read back`)
      for (const r of records) {
        // librdkafka's murmur2_random is Kafka's Java murmur2: the same key → partition as ours
        assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS), `key ${r.key!.toString()}`)
        assert.equal(r.timestampType, 'CreateTime')
      }
      assert.deepEqual(sortSeen(records.map(r => ({ partition: r.partition, key: r.key!.toString(), value: r.value!.toString(), headers: r.headers.map(h => `${h.key}=${h.value?.toString() ?? ''}`).join(',') }))),
        sortSeen(lines.map(l => {
          const [key, value] = l.split('\t')
          return { partition: partitionForKey(Buffer.from(key!), PARTITIONS), key: key!, value: value!, headers: 'from=kcat' }
        })))
    })
  }
})

function sortSeen (list: Seen[]): Seen[] {
  return [...list].sort((a, b) => a.value.localeCompare(b.value))
}
