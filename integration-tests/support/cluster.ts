import { randomBytes } from 'node:crypto'
import { ZkSession } from '../../src/cluster/zk-session.js'
import { silentLogger } from '../../src/logger.js'
import { BrokerProcess, type ConfigValues } from './broker.js'
import type { NamespaceHost } from './network-namespaces.js'
import { startZooKeeper, type ZooKeeperHandle } from './zookeeper.js'

export interface Cluster {
  zookeeper: ZooKeeperHandle
  /** ZooKeeper connect string with this cluster's own chroot, so clusters never share znodes. */
  zkConnect: string
  /** A ZooKeeper session on the same chroot, for assertions. */
  zk: ZkSession
  brokers: BrokerProcess[]
  bootstrap: string
  /** Every broker's address on one listener (see ClusterOptions.extraListeners). */
  bootstrapFor (listenerName: string): string
  broker (id: number): BrokerProcess
  cleanup (): Promise<void>
}

export interface ClusterOptions {
  brokers: number
  /** An already running ZooKeeper; otherwise one is started (and stopped by cleanup). */
  zookeeper?: ZooKeeperHandle
  ensemble?: 1 | 3
  config?: ConfigValues
  /** Per-broker keys, by broker id. */
  brokerConfig?: (id: number) => ConfigValues
  /** Flags for each broker's node process (e.g. --cpu-prof for benchmarks). */
  nodeArgs?: string[]
  /** Where each broker runs, by broker id: a host of a NamespaceNetwork; default 127.0.0.1 here. */
  brokerHost?: (id: number) => NamespaceHost
  /** Every broker's PLAINTEXT port, for brokers on hosts of their own (BrokerSpec.port). */
  brokerPort?: number
  /** Listeners every broker has beside PLAINTEXT, by name (BrokerSpec.extraListeners). */
  extraListeners?: readonly string[]
}

/** A real ZooKeeper (or ZK_CONNECT's) plus N broker processes with ids 1..N, started in parallel. */
export async function startCluster (options: ClusterOptions): Promise<Cluster> {
  const zookeeper = options.zookeeper ?? await startZooKeeper({ ensemble: options.ensemble ?? 1 })
  const zkConnect = `${zookeeper.connectString}/test-${randomBytes(6).toString('hex')}`
  const brokers: BrokerProcess[] = []
  let zk: ZkSession | undefined
  const cleanup = async (): Promise<void> => {
    await Promise.all(brokers.map(async b => await b.cleanup()))
    zk?.close()
    if (options.zookeeper === undefined) await zookeeper.stop()
  }
  try {
    for (let id = 1; id <= options.brokers; id++) {
      brokers.push(await BrokerProcess.create({ zkConnect, brokerId: id, config: { ...options.config, ...options.brokerConfig?.(id) }, nodeArgs: options.nodeArgs, host: options.brokerHost?.(id), port: options.brokerPort, extraListeners: options.extraListeners }))
    }
    await Promise.all(brokers.map(async b => await b.start()))
    zk = await connectZk(zkConnect)
  } catch (err) {
    await cleanup()
    throw err
  }
  return {
    zookeeper,
    zkConnect,
    zk,
    brokers,
    bootstrap: brokers.map(b => b.bootstrap).join(','),
    bootstrapFor: (listenerName: string) => brokers.map(b => b.bootstrapFor(listenerName)).join(','),
    broker: (id: number) => {
      const b = brokers.find(x => x.spec.brokerId === id)
      if (b === undefined) throw new Error(`no broker ${id} in this cluster`)
      return b
    },
    cleanup,
  }
}

export async function connectZk (connectString: string): Promise<ZkSession> {
  return await ZkSession.connect(connectString, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000, logger: silentLogger() })
}
