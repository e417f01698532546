import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, type Consumer } from 'kafkajs'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

const GROUP = 'capped'
const TOPIC = 'capped-topic'

test('group.max.size (KIP-389): a KafkaJS consumer joining a group at its size is refused with GROUP_MAX_SIZE_REACHED, the group goes on as it was; once a member leaves, a new one joins', async t => {
  const cluster = await startCluster({
    brokers: 1,
    config: { 'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 1, 'group.initial.rebalance.delay.ms': 0, 'group.max.size': 2 },
  })
  t.after(cluster.cleanup)
  const kafka = (clientId: string): Kafka => new Kafka({ clientId, brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka('group-max-size-admin').admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true })

  const consumers: Consumer[] = []
  t.after(async () => { await Promise.all(consumers.map(async c => await c.disconnect())) })
  const start = async (clientId: string): Promise<Consumer> => {
    const consumer = kafka(clientId).consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 2 } })
    consumers.push(consumer)
    await consumer.connect()
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })
    return consumer
  }
  const described = async (): Promise<{ state: string, clientIds: string[] }> => {
    const { groups: [group] } = await admin.describeGroups([GROUP])
    return { state: group?.state ?? 'none', clientIds: (group?.members ?? []).map(m => m.clientId).sort() }
  }
  const stableWith = async (clientIds: string[]): Promise<boolean> => {
    const now = await described()
    return now.state === 'Stable' && now.clientIds.join() === clientIds.join()
  }

  await start('first')
  const second = await start('second')
  await waitFor(async () => await stableWith(['first', 'second']), 'first and second to make a Stable group of two', { timeoutMs: 30_000 })

  const third = kafka('third').consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500 })
  consumers.push(third)
  // KafkaJS takes GROUP_MAX_SIZE_REACHED as final: the consumer crashes and does not restart
  const outcome = new Promise<string>(resolve => {
    third.on(third.events.CRASH, ({ payload }) => resolve(`crashed with ${(payload.error as Error & { type?: string }).type ?? payload.error.message}, restart ${payload.restart}`))
    third.on(third.events.GROUP_JOIN, () => resolve('joined the group'))
  })
  await third.connect()
  await third.subscribe({ topic: TOPIC, fromBeginning: true })
  await third.run({ eachMessage: async () => {} })
  assert.equal(await outcome, 'crashed with GROUP_MAX_SIZE_REACHED, restart false')
  assert.deepEqual(await described(), { state: 'Stable', clientIds: ['first', 'second'] }, 'the refused join started no rebalance')

  await second.disconnect()
  await start('fourth')
  await waitFor(async () => await stableWith(['first', 'fourth']), 'fourth to take the place second left', { timeoutMs: 30_000 })
})
