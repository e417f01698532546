import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { assertRoundTrip, sampleRecords, type ConsumedRecord, type SampleRecord } from '../support/client-records.js'
import { startCluster } from '../support/cluster.js'
import { runProcess } from '../support/run-process.js'
import { waitForTopic } from '../support/wire-connection.js'
import { createTopic } from '../support/admin.js'

const KCAT = '/usr/bin/kcat'
const skip = existsSync(KCAT) ? false : 'kcat is not installed (integration-tests/support/ensure-clients.sh)'
const FORMAT = '%p\\t%o\\t%T\\t%k\\t%h\\t%s\\n'

test('kcat (librdkafka 2.0.2) against one broker', { skip }, async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)

  await t.test('keyed records with headers produced with -K/-H come back with -f', async () => {
    const topic = 'kcat-records'
    await createTopic(cluster.bootstrap, topic, { partitions: 4 })
    await waitForTopic(cluster.bootstrap, topic, 4)

    // kcat's -H applies to every record of one run, so the records go in two runs with their own headers.
    const sent: SampleRecord[] = sampleRecords('kcat', 40).map((r, i) => ({ ...r, headers: [['client', 'kcat'], ['run', i < 20 ? '1' : '2']] }))
    const before = Date.now()
    for (const run of ['1', '2']) {
      const records = sent.filter(r => r.headers[1]![1] === run)
      await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', topic, '-K', '\t', '-H', 'client=kcat', '-H', `run=${run}`, '-X', 'acks=1', '-q'], {
        input: records.map(r => `${r.key}\t${r.value}\n`).join(''),
      })
    }
    const after = Date.now()

    const { stdout } = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', FORMAT])
    const received = stdout.split('\n').filter(l => l !== '').map(parseKcatLine)
    // librdkafka stamps CreateTime when the record is produced: it must lie inside the produce runs.
    assertRoundTrip(sent, received, { partitions: 4, headers: true, timestamps: { min: before, max: after } })
  })

  await t.test('a NULL value (-Z) and a record to an explicit partition (-p)', async () => {
    const topic = 'kcat-nulls'
    await createTopic(cluster.bootstrap, topic, { partitions: 4 })
    await waitForTopic(cluster.bootstrap, topic, 4)
    await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', topic, '-p', '3', '-K', ':', '-Z', '-q'], { input: 'tomb:\nk:v\n' })
    const { stdout } = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', topic, '-p', '3', '-o', 'beginning', '-e', '-q', '-Z', '-f', '%o %k %s\\n'])
    assert.deepEqual(stdout.split('\n').filter(l => l !== ''), ['0 tomb NULL', '1 k v'])
  })
})

function parseKcatLine (line: string): ConsumedRecord {
  const [partition, offset, timestamp, key, headers, value] = line.split('\t')
  return {
    partition: Number(partition),
    offset: Number(offset),
    timestamp: Number(timestamp),
    key: key ?? null,
    value: value ?? null,
    headers: headers === undefined || headers === '' ? [] : headers.split(',').map(h => h.split('=') as [string, string]),
  }
}
