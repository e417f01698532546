import { test } from 'node:test'
import { existsSync } from 'node:fs'
import type { Admin, Producer } from 'kafkajs'
import { startCluster } from './support/cluster.js'
import { GroupMember, ownsAll } from './support/group-member.js'
import { kafkajsClients } from './support/kafkajs-clients.js'
import { PARTITIONS, produce, rebalanceScenario, waitForCommitted } from './support/rebalance-scenario.js'
import { waitFor } from './support/wait-for.js'

const SESSION_TIMEOUT_MS = 6000
const skipPython = existsSync('/usr/lib/python3/dist-packages/kafka') ? false : 'needs python3-kafka (integration-tests/support/ensure-clients.sh)'

for (const assignor of ['range', 'cooperative-sticky'] as const) {
  test(`our group consumer (${assignor}): three members own two partitions each; a SIGKILLed one is replaced within the session timeout with no gap; a leaving one at once`, async t => {
    const { admin, producer, bootstrap } = await setup(t)
    await rebalanceScenario('ours', bootstrap, admin, producer, {
      topic: `ours-${assignor}`, group: `group-${assignor}`, sessionTimeoutMs: SESSION_TIMEOUT_MS, assignor, survivorsKeepOwnership: assignor === 'cooperative-sticky',
    })
  })
}

test('our group consumer in one range group with kafka-python and KafkaJS: two partitions each, every record read once', { skip: skipPython }, async t => {
  const { admin, producer, bootstrap } = await setup(t)
  const topic = 'mixed'
  const group = 'mixed-with-ours'
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
  const members = (['ours', 'kafka-python', 'kafkajs'] as const).map(client => GroupMember.start(client, { bootstrap, group, topic, assignor: 'range', sessionTimeoutMs: SESSION_TIMEOUT_MS }))
  t.after(async () => { await Promise.all(members.map(async m => await m.kill('SIGKILL'))) })
  const describe = (): string => members.map(m => m.describe()).join('\n')
  await waitFor(() => ownsAll(members, PARTITIONS, [2, 2, 2]), `ours, kafka-python and KafkaJS owning two partitions each:\n${describe()}`, { timeoutMs: 25_000 })
  await produce(producer, topic, 10)
  await waitFor(() => members.every(m => m.processed.length === 20), `each member processing its 20 records:\n${describe()}`)
  await waitForCommitted(admin, group, topic, 10, describe)
})

async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<{ admin: Admin, producer: Producer, bootstrap: string }> {
  const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1 } })
  t.after(cluster.cleanup)
  return { ...await kafkajsClients(t, cluster.bootstrap, 'client-group-consumer-test'), bootstrap: cluster.bootstrap }
}
