import type { TestContext } from 'node:test'
import type { ConfigValues } from './broker.js'
import { startCluster, type Cluster } from './cluster.js'
import { NamespaceNetwork, type NamespaceHost } from './network-namespaces.js'
import { startZooKeeper, type ZooKeeperHandle } from './zookeeper.js'

/**
 * ZooKeeper and `brokers` brokers, each on a host of its own on a new NamespaceNetwork (hosts
 * 'zookeeper', 'broker-1' ...). After the test, the `beforeCleanup` functions run (last given,
 * first run: clients stop while the brokers still answer), then the brokers and ZooKeeper are
 * stopped by PID and the network is deleted. `brokerConfig` adds keys per broker, knowing its host;
 * `brokerPort` puts every broker on the same port, each on its own address, as on real hosts.
 */
export async function startNetworkedCluster (t: TestContext, brokers: number, config: ConfigValues,
  options: { brokerConfig?: (id: number, host: NamespaceHost) => ConfigValues, brokerPort?: number } = {}): Promise<{ network: NamespaceNetwork, cluster: Cluster, beforeCleanup: (fn: () => unknown) => void }> {
  const network = await NamespaceNetwork.create(['zookeeper', ...Array.from({ length: brokers }, (_, i) => `broker-${i + 1}`)])
  const first: Array<() => unknown> = []
  let zookeeper: ZooKeeperHandle | undefined
  let cluster: Cluster | undefined
  t.after(async () => {
    try {
      for (const fn of first.reverse()) await fn()
    } finally {
      await cluster?.cleanup()
      await zookeeper?.stop()
      await network.destroy()
    }
  })
  zookeeper = await startZooKeeper({ host: network.host('zookeeper') })
  const host = (id: number): NamespaceHost => network.host(`broker-${id}`)
  cluster = await startCluster({ brokers, zookeeper, config, brokerHost: host, brokerPort: options.brokerPort, brokerConfig: id => options.brokerConfig?.(id, host(id)) ?? {} })
  return { network, cluster, beforeCleanup: fn => { first.push(fn) } }
}
