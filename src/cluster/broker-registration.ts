import { randomUUID } from 'node:crypto'
import type { Endpoint } from '../config/listeners.js'
import type { Logger } from '../logger.js'
import { brokerIdZnode, brokerSequenceIdZnode, clusterIdZnode, persistentPaths } from './znodes.js'
import { ZkError, type ZkClient } from './zk-session.js'

/** Creates Kafka's persistent top-level paths; fine if they exist. */
export async function ensurePersistentPaths (zk: ZkClient): Promise<void> {
  for (const path of persistentPaths) await zk.mkdirp(path)
}

/** The cluster id from /cluster/id, created (Kafka's URL-safe base64 UUID) by whoever comes first. */
export async function getOrCreateClusterId (zk: ZkClient): Promise<string> {
  const existing = await zk.getData(clusterIdZnode.path)
  if (existing !== null) return clusterIdZnode.decode(existing.data)
  const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')
  try {
    await zk.create(clusterIdZnode.path, clusterIdZnode.encode(id))
    return id
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err
    const raced = await zk.getData(clusterIdZnode.path)
    if (raced === null) throw new Error('/cluster/id vanished while being created', { cause: err })
    return clusterIdZnode.decode(raced.data)
  }
}

/** Kafka's generated broker id: the new version of /brokers/seqid plus reserved.broker.max.id. */
export async function generateBrokerId (zk: ZkClient, reservedBrokerMaxId: number): Promise<number> {
  const version = await zk.setData(brokerSequenceIdZnode.path, Buffer.alloc(0))
  return version + reservedBrokerMaxId
}

/** Thrown when /brokers/ids/<id> belongs to another live session. */
export class BrokerIdInUseError extends Error {
  constructor (readonly brokerId: number) {
    super(`broker.id ${brokerId} is already registered in ZooKeeper by another broker (${brokerIdZnode.path(brokerId)} exists); give this broker another broker.id`)
    this.name = 'BrokerIdInUseError'
  }
}

/**
 * Who holds /brokers/ids/<id>: nobody (or this session), another broker, or a previous
 * incarnation of this one — the same endpoints, left behind by a kill -9 until its session times
 * out. Once this process holds those ports, that incarnation is certainly dead.
 */
export async function brokerIdHolder (zk: ZkClient, brokerId: number, endpoints: readonly Endpoint[]): Promise<'none' | 'stale' | 'other'> {
  const node = await zk.getData(brokerIdZnode.path(brokerId))
  if (node === null || node.ephemeralOwner === BigInt('0x' + zk.sessionId)) return 'none'
  const registered = brokerIdZnode.decode(brokerId, node.data, node.czxid).endpoints
  const same = registered.length === endpoints.length && registered.every((e, i) => e.host === endpoints[i]?.host && e.port === endpoints[i]?.port)
  return same ? 'stale' : 'other'
}

/**
 * Creates the ephemeral /brokers/ids/<id>: the broker's health check, gone when its session ends.
 * Returns the broker epoch (the znode's czxid).
 */
export async function registerBroker (zk: ZkClient, brokerId: number, endpoints: readonly Endpoint[], rack: string | null, log: Logger): Promise<bigint> {
  const path = brokerIdZnode.path(brokerId)
  try {
    await zk.create(path, brokerIdZnode.encode(endpoints, rack, Date.now()), 'ephemeral')
  } catch (err) {
    // NODE_EXISTS of our own session happens when a create's reply was lost in a reconnect.
    if (!(err instanceof ZkError && err.code === 'NODE_EXISTS') || (await brokerIdHolder(zk, brokerId, endpoints)) !== 'none') {
      throw err instanceof ZkError && err.code === 'NODE_EXISTS' ? new BrokerIdInUseError(brokerId) : err
    }
  }
  const node = await zk.getData(path)
  if (node === null) throw new Error(`${path} vanished right after registration`)
  log.info('registered broker', { brokerId, path, endpoints: endpoints.map(e => `${e.listenerName}://${e.host}:${e.port}`), brokerEpoch: String(node.czxid) })
  return node.czxid
}

export async function deregisterBroker (zk: ZkClient, brokerId: number): Promise<void> {
  try {
    await zk.remove(brokerIdZnode.path(brokerId))
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err
  }
}
