import { test } from 'node:test'
import { existsSync } from 'node:fs'
import { startCluster } from './support/cluster.js'
import { kafkajsClients } from './support/kafkajs-clients.js'
import { rebalanceScenario } from './support/rebalance-scenario.js'

const SESSION_TIMEOUT_MS = 6000
const skipPython = existsSync('/usr/lib/python3/dist-packages/kafka') && existsSync('/usr/lib/python3/dist-packages/confluent_kafka')
  ? false
  : 'needs python3-kafka and python3-confluent-kafka (integration-tests/support/ensure-clients.sh)'

for (const client of ['kafka-python', 'confluent-kafka', 'kafkajs'] as const) {
  test(`${client} group: three members share six partitions; a killed member is replaced within the session timeout, a leaving one at once`, { skip: client === 'kafkajs' ? false : skipPython }, async t => {
    const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 5, 'offsets.topic.replication.factor': 1 } })
    t.after(cluster.cleanup)
    const { admin, producer } = await kafkajsClients(t, cluster.bootstrap, 'group-rebalance-test')
    await rebalanceScenario(client, cluster.bootstrap, admin, producer, { topic: `rebalance-${client}`, group: `group-${client}`, sessionTimeoutMs: SESSION_TIMEOUT_MS })
  })
}
