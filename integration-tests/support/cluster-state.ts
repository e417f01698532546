import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Connection } from '../../src/client/connection.js'
import { ErrorCode } from '../../src/protocol/error-codes.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../src/protocol/messages/find-coordinator.js'
import { MetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata.js'
import type { Cluster } from './cluster.js'
import { waitFor } from './wait-for.js'
import { WireConnection } from './wire-connection.js'

/**
 * What the cluster holds, read the way an operator would check it: partition states and the
 * controller from ZooKeeper, a broker's own Metadata, the records as kcat reads them, and the
 * bytes of each replica's segments. Fault tests compare these with one another.
 */

/** `/brokers/topics/<t>/partitions/<p>/state`, as Kafka writes it. */
export interface PartitionStateJson { leader: number, leader_epoch: number, isr: number[] }

export async function partitionState (cluster: Cluster, topic: string, partition: number): Promise<PartitionStateJson> {
  const node = await cluster.zk.getData(`/brokers/topics/${topic}/partitions/${partition}/state`)
  assert.ok(node !== null, `state of ${topic}-${partition}`)
  return JSON.parse(node.data.toString()) as PartitionStateJson
}

/** Partitions 0..count-1, read at once. */
export async function partitionStates (cluster: Cluster, topic: string, count: number): Promise<PartitionStateJson[]> {
  return await Promise.all(Array.from({ length: count }, async (_, p) => await partitionState(cluster, topic, p)))
}

/** The controller's broker id from /controller, waiting until there is one. */
export async function controllerOf (cluster: Cluster): Promise<number> {
  let id = -1
  await waitFor(async () => {
    const node = await cluster.zk.getData('/controller')
    id = node === null ? -1 : (JSON.parse(node.data.toString()) as { brokerid: number }).brokerid
    return id >= 0
  }, 'a controller')
  return id
}

/** The group's coordinator as FindCoordinator answers it at a running broker; throws on an error code. */
export async function groupCoordinatorOf (cluster: Cluster, group: string): Promise<number> {
  const broker = cluster.brokers.find(b => b.running)
  assert.ok(broker !== undefined, 'a running broker')
  const connection = new Connection({ host: '127.0.0.1', port: broker.port }, { clientId: 'cluster-state', connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
  await connection.connect()
  try {
    const r = await connection.send(FindCoordinatorRequest, FindCoordinatorResponse, 1, { key: group, keyType: 0 })
    if (r.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator answered ${r.errorCode}`)
    return r.nodeId
  } finally {
    connection.close()
  }
}

export interface PartitionView { leader: number, leaderEpoch: number, isr: number[] }

/** A broker's own Metadata (v7) for a topic of `count` partitions, in partition order, ISR sorted. */
export async function metadataView (conn: WireConnection, topic: string, count: number): Promise<PartitionView[]> {
  const res = await conn.request(MetadataRequest, MetadataResponse, 7, { topics: [{ name: topic }], allowAutoTopicCreation: false })
  const found = res.topics.find(t => t.name === topic)
  assert.ok(found !== undefined && found.partitions.length === count, `${topic} with ${count} partitions in the metadata of ${conn.address}`)
  return [...found.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)
    .map(p => ({ leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isrNodes].sort((a, b) => a - b) }))
}

/** Whether a broker's Metadata says what ZooKeeper says: leader, leader epoch and ISR of every partition. */
export function agreesWithZooKeeper (view: readonly PartitionView[], states: readonly PartitionStateJson[]): boolean {
  return states.every((s, p) => view[p]?.leader === s.leader && view[p]?.leaderEpoch === s.leader_epoch &&
    JSON.stringify(view[p]?.isr) === JSON.stringify([...s.isr].sort((a, b) => a - b)))
}

/** Every record of a topic as kcat (librdkafka) reads it back from the leaders: partition, offset, value. */
export function readAllWithKcat (bootstrap: string, topic: string): Array<{ partition: number, offset: number, value: string }> {
  const out = execFileSync('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 30 })
  return out.split('\n').filter(l => l !== '').map(l => {
    const [p, o, v] = l.split(' ')
    return { partition: Number(p), offset: Number(o), value: v ?? '' }
  })
}

/** A digest of each broker's segment bytes for one partition: equal digests, identical replicas. */
export function logDigests (cluster: Cluster, topic: string, partition: number): string[] {
  return cluster.brokers.map(b => {
    const dir = join(b.dir, 'data', `${topic}-${partition}`)
    const h = createHash('sha256')
    for (const f of readdirSync(dir).filter(f => f.endsWith('.log')).sort()) h.update(readFileSync(join(dir, f)))
    return h.digest('hex')
  })
}

export interface PartitionRow { topic: string, partition: number, leader: number, replicas: number[], isr: number[] }

/**
 * Every partition of the topics whose names start with `prefix`, in one broker's Metadata (v7, all
 * topics, one request); undefined while the broker cannot answer (down, or starting).
 */
export async function partitionsInMetadata (address: string, prefix: string): Promise<PartitionRow[] | undefined> {
  let conn: WireConnection | undefined
  try {
    conn = await WireConnection.open(address, 5000)
    const res = await conn.request(MetadataRequest, MetadataResponse, 7, { topics: null, allowAutoTopicCreation: false }, 30_000)
    return res.topics.flatMap(t => t.name === null || !t.name.startsWith(prefix)
      ? []
      : t.partitions.map(p => ({ topic: t.name!, partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes })))
  } catch {
    return undefined
  } finally {
    conn?.close()
  }
}
