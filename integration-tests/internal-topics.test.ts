import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { Connection } from '../src/client/connection.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../src/protocol/messages/find-coordinator.js'
import { OffsetCommitRequest, OffsetCommitResponse } from '../src/protocol/messages/offset-commit.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../src/protocol/messages/offset-fetch.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import type { Decoded } from '../src/protocol/schema/index.js'
import { createTopic } from './support/admin.js'
import { asLeader } from './support/as-leader.js'
import { startCluster, type Cluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'
import { waitForTopic } from './support/wire-connection.js'

/** Every group maps to __consumer_offsets-0. */
const OFFSETS = { 'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 1 }
/** An OffsetCommitKey v1 whose group name claims 9 bytes and has 1: "cannot decode OffsetCommitKey v1". */
const UNDECODABLE_KEY = Buffer.from([0, 1, 0, 9, 0x67])

test('a client cannot produce to __consumer_offsets: INVALID_TOPIC_EXCEPTION for that partition only', async t => {
  const { cluster, client } = await clusterWithCommit(t, 'g', 1)

  const batch = (): Buffer => buildRecordBatch({ records: [{ key: UNDECODABLE_KEY, value: 'not an offset commit' }] })
  const response = await asLeader('Produce to __consumer_offsets-0 and plain-0', async () => await client.send(ProduceRequest, ProduceResponse, 8, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [
      { name: '__consumer_offsets', partitionData: [{ index: 0, records: batch() }] },
      { name: 'plain', partitionData: [{ index: 0, records: batch() }] },
    ],
  }), producedCodes)
  const answer = (topic: string): number | undefined => response.responses.find(r => r.name === topic)?.partitionResponses[0]?.errorCode
  assert.equal(answer('__consumer_offsets'), ErrorCode.INVALID_TOPIC_EXCEPTION, `got ${errorName(answer('__consumer_offsets') ?? -1)}`)
  assert.equal(answer('plain'), ErrorCode.NONE, 'the regular topic in the same request is written')
  await cluster.brokers[0]!.stop()
  await cluster.brokers[0]!.start()
  assert.equal(await committed(client.address, 'g'), 1, 'the group is served after a restart')
})

test('a record in __consumer_offsets the coordinator cannot decode is skipped on load: groups around it are served after a restart', async t => {
  const { cluster, client } = await clusterWithCommit(t, 'before', 3)
  // Kafka's ReplicaManager lets the admin client id write internal topics: the one way in left for such a record.
  const admin = await connect(t, cluster, '__admin_client')
  const response = await asLeader('Produce to __consumer_offsets-0 as the admin client id', async () => await admin.send(ProduceRequest, ProduceResponse, 8, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: '__consumer_offsets', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: UNDECODABLE_KEY, value: 'junk' }] }) }] }],
  }), producedCodes)
  assert.equal(response.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE)
  await commit(client, 'after', 5)

  const broker = cluster.brokers[0]!
  await broker.stop()
  await broker.start()
  assert.equal(await committed(client.address, 'before'), 3)
  assert.equal(await committed(client.address, 'after'), 5)
  const skipped = broker.lines.filter(l => l.includes('"message":"skipped undecodable record"'))
  assert.equal(skipped.length, 1, `one skipped record logged:\n${broker.tail()}`)
  assert.match(skipped[0]!, /OffsetCommitKey/)
})

function producedCodes (r: Decoded<typeof ProduceResponse>): number[] {
  return r.responses.flatMap(t => t.partitionResponses.map(p => p.errorCode))
}

async function connect (t: { after: (fn: () => void) => void }, cluster: Cluster, clientId: string): Promise<Connection> {
  const broker = cluster.brokers[0]!
  const connection = new Connection({ host: '127.0.0.1', port: broker.port }, { clientId, connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
  await connection.connect()
  t.after(() => connection.close())
  return connection
}

/** A standalone commit (generation -1) of `offset` for plain-0, once the coordinator answers. */
async function commit (connection: Connection, group: string, offset: number): Promise<void> {
  let last = -1
  await waitFor(async () => {
    const found = await connection.send(FindCoordinatorRequest, FindCoordinatorResponse, 1, { key: group, keyType: 0 })
    last = found.errorCode
    if (last !== ErrorCode.NONE) return false
    const r = await connection.send(OffsetCommitRequest, OffsetCommitResponse, 2, {
      groupId: group, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'plain', partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }] }],
    })
    last = r.topics[0]?.partitions[0]?.errorCode ?? -1
    return last === ErrorCode.NONE
  }, `a commit for group ${group}`, { onTimeout: () => errorName(last) })
}

/** The group's committed offset of plain-0, once its coordinator has loaded (a fresh connection: the broker may have restarted). */
async function committed (address: { host: string, port: number }, group: string): Promise<number> {
  const connection = new Connection(address, { clientId: 'offsets-reader', connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
  await connection.connect()
  try {
    let last = ''
    let offset = -1
    await waitFor(async () => {
      const r = await connection.send(OffsetFetchRequest, OffsetFetchResponse, 2, { groupId: group, topics: [{ name: 'plain', partitionIndexes: [0] }] })
      const p = r.topics[0]?.partitions[0]
      last = `group error ${errorName(r.errorCode)}, partition error ${errorName(p?.errorCode ?? -1)}`
      offset = p?.committedOffset ?? -1
      return r.errorCode === ErrorCode.NONE && p?.errorCode === ErrorCode.NONE
    }, `the committed offset of group ${group} from its coordinator`, { timeoutMs: 15_000, onTimeout: () => last })
    return offset
  } finally {
    connection.close()
  }
}

/** One broker with a topic 'plain', and a client that committed `offset` for `group` on plain-0. */
async function clusterWithCommit (t: TestContext, group: string, offset: number): Promise<{ cluster: Cluster, client: Connection }> {
  const cluster = await startCluster({ brokers: 1, config: OFFSETS })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'plain', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'plain', 1)
  const client = await connect(t, cluster, 'producer-1')
  await commit(client, group, offset)
  return { cluster, client }
}
