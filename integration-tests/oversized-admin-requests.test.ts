import { test } from 'node:test'
import assert from 'node:assert/strict'
import { brokerIdZnode } from '../src/cluster/znodes.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { AlterConfigsRequest, AlterConfigsResponse } from '../src/protocol/messages/alter-configs.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/messages/api-versions.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../src/protocol/messages/create-partitions.js'
import { CreateTopicsRequest, CreateTopicsResponse } from '../src/protocol/messages/create-topics.js'
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../src/protocol/messages/incremental-alter-configs.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { RssSampler } from './support/rss-sampler.js'
import { topicMetadata, waitForTopic, WireConnection } from './support/wire-connection.js'

/** Each refusal is validation only: it must come back at once, not after the work it refuses. */
const ANSWER_MS = 5_000
/** An idle test broker sits near 100 MiB; the unfixed one grew to 4-5 GB on these requests. */
const RSS_LIMIT_MIB = 400
/** 'delete,' repeated: a valid cleanup.policy whose znode is over ZooKeeper's 1 MiB jute.maxbuffer. */
const OVER_ONE_MIB_POLICY = 'delete,'.repeat(160_000)
/**
 * Two lists of 80,000 distinct partition:broker items, ~600 KB each: one fits a znode, both together
 * do not (a list config whose items are not from a fixed set, as cleanup.policy's are).
 */
const listOf = (brokerId: number): string => Array.from({ length: 80_000 }, (_, i) => `${i}:${brokerId}`).join(',')

test('oversized admin requests are refused promptly, on a connection that stays open, by a broker whose RSS and ZooKeeper session survive', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'max.broker.partitions': 4000 } })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  await createTopic(cluster.bootstrap, 'small', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'small', 1)
  const registration = await cluster.zk.getData(brokerIdZnode.path(1))
  assert.ok(registration !== null, 'broker 1 is registered')
  const rss = RssSampler.start(broker.pid!, 20)
  t.after(() => rss.stop())

  /** Sends one request on a fresh connection, then checks that the same connection still serves ApiVersions. */
  const answered = async <R>(what: string, send: (conn: WireConnection) => Promise<R>): Promise<R> => {
    const conn = await WireConnection.open(cluster.bootstrap)
    try {
      const startMs = Date.now()
      const response = await send(conn)
      t.diagnostic(`${what}: answered in ${Date.now() - startMs} ms`)
      const versions = await conn.request(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'oversized', clientSoftwareVersion: '1' }, ANSWER_MS)
      assert.equal(versions.errorCode, ErrorCode.NONE, `the connection still serves requests after ${what}`)
      return response
    } finally {
      conn.close()
    }
  }
  const expectCode = (actual: number | undefined, expected: number, message: string | null | undefined, what: string): void => {
    assert.equal(actual, expected, `${what}: expected ${errorName(expected)}, got ${errorName(actual ?? -1)} (${message ?? 'no message'})`)
  }

  await t.test('CreatePartitions with count=12,000,000', async () => {
    const r = await answered('CreatePartitions count=12,000,000', async conn => await conn.request(CreatePartitionsRequest, CreatePartitionsResponse, 3, {
      topics: [{ name: 'small', count: 12_000_000, assignments: null }], timeoutMs: 5000, validateOnly: false,
    }, ANSWER_MS))
    expectCode(r.results[0]?.errorCode, ErrorCode.POLICY_VIOLATION, r.results[0]?.errorMessage, 'CreatePartitions count=12,000,000')
    assert.equal((await topicMetadata(cluster.bootstrap, 'small')).topic?.partitions.length, 1, 'small still has 1 partition')
  })

  await t.test('CreateTopics with numPartitions=10,000,000', async () => {
    const r = await answered('CreateTopics numPartitions=10,000,000', async conn => await conn.request(CreateTopicsRequest, CreateTopicsResponse, 7, {
      topics: [{ name: 'ten-million', numPartitions: 10_000_000, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    }, ANSWER_MS))
    expectCode(r.topics[0]?.errorCode, ErrorCode.POLICY_VIOLATION, r.topics[0]?.errorMessage, 'CreateTopics numPartitions=10,000,000')
    assert.equal(await cluster.zk.exists('/brokers/topics/ten-million'), false, 'no znode for ten-million')
  })

  await t.test('CreateTopics above max.broker.partitions (4000 here)', async () => {
    const r = await answered('CreateTopics numPartitions=5000', async conn => await conn.request(CreateTopicsRequest, CreateTopicsResponse, 7, {
      topics: [{ name: 'five-thousand', numPartitions: 5000, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    }, ANSWER_MS))
    expectCode(r.topics[0]?.errorCode, ErrorCode.POLICY_VIOLATION, r.topics[0]?.errorMessage, 'CreateTopics numPartitions=5000')
  })

  await t.test('CreateTopics whose znodes would exceed 1 MiB', async () => {
    const r = await answered('CreateTopics with a 1.1 MB config', async conn => await conn.request(CreateTopicsRequest, CreateTopicsResponse, 7, {
      topics: [
        { name: 'big-config', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: OVER_ONE_MIB_POLICY }] },
        { name: 'neighbour', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    }, ANSWER_MS + 10_000))
    const big = r.topics.find(x => x.name === 'big-config')
    expectCode(big?.errorCode, ErrorCode.POLICY_VIOLATION, big?.errorMessage, 'CreateTopics big-config')
    const neighbour = r.topics.find(x => x.name === 'neighbour')
    expectCode(neighbour?.errorCode, ErrorCode.NONE, neighbour?.errorMessage, 'CreateTopics neighbour in the same request')
    assert.equal(await cluster.zk.exists('/brokers/topics/big-config'), false, 'no znode for big-config')
  })

  await t.test('AlterConfigs whose znode would exceed 1 MiB', async () => {
    const r = await answered('AlterConfigs with a 1.1 MB config', async conn => await conn.request(AlterConfigsRequest, AlterConfigsResponse, 2, {
      resources: [{ resourceType: 2, resourceName: 'small', configs: [{ name: 'cleanup.policy', value: OVER_ONE_MIB_POLICY }] }], validateOnly: false,
    }, ANSWER_MS))
    expectCode(r.responses[0]?.errorCode, ErrorCode.POLICY_VIOLATION, r.responses[0]?.errorMessage, 'AlterConfigs small')
  })

  await t.test('IncrementalAlterConfigs appending 80,000 items to 80,000', async () => {
    const set = await answered('AlterConfigs with a 600 KB list', async conn => await conn.request(AlterConfigsRequest, AlterConfigsResponse, 2, {
      resources: [{ resourceType: 2, resourceName: 'small', configs: [{ name: 'leader.replication.throttled.replicas', value: listOf(1) }] }], validateOnly: false,
    }, ANSWER_MS))
    expectCode(set.responses[0]?.errorCode, ErrorCode.NONE, set.responses[0]?.errorMessage, 'AlterConfigs small to 80,000 items')
    const r = await answered('IncrementalAlterConfigs APPEND of 80,000 items', async conn => await conn.request(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 1, {
      resources: [{ resourceType: 2, resourceName: 'small', configs: [{ name: 'leader.replication.throttled.replicas', configOperation: 2, value: listOf(2) }] }], validateOnly: false,
    }, ANSWER_MS))
    expectCode(r.responses[0]?.errorCode, ErrorCode.POLICY_VIOLATION, r.responses[0]?.errorMessage, 'IncrementalAlterConfigs APPEND')
  })

  await t.test('the broker still creates a topic afterwards', async () => {
    await createTopic(cluster.bootstrap, 'afterwards', { partitions: 2 })
    await waitForTopic(cluster.bootstrap, 'afterwards', 2)
  })

  const maxMiB = rss.maxMiB
  t.diagnostic(`broker RSS: max ${maxMiB.toFixed(0)} MiB over ${rss.sampleCount} samples`)
  assert.ok(broker.running, `the broker is still running:\n${broker.tail()}`)
  assert.ok(maxMiB < RSS_LIMIT_MIB, `the broker's RSS stayed under ${RSS_LIMIT_MIB} MiB (max ${maxMiB.toFixed(0)} MiB)`)
  const now = await cluster.zk.getData(brokerIdZnode.path(1))
  assert.equal(now?.ephemeralOwner, registration.ephemeralOwner, 'broker 1 is registered by the same ZooKeeper session as at the start')
  assert.deepEqual(broker.lines.filter(l => l.includes('zookeeper session expired')), [], 'the broker\'s ZooKeeper session never expired')
})
