/**
 * Znodes that brokers and the controller write, written (and read back) by unit tests of the
 * modules on either side: the metadata cache, the replica manager, the controller.
 */
import { silentLogger } from '../../logger.js'
import { registerBroker } from '../broker-registration.js'
import { partitionStateZnode, type PartitionState } from '../znodes.js'
import type { ZkClient } from '../zk-session.js'

/** /brokers/ids/<id> from the broker's own session, with one PLAINTEXT endpoint that nothing serves. */
export async function registerTestBroker (zk: ZkClient, brokerId: number): Promise<void> {
  await registerBroker(zk, brokerId, [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 1 }], null, silentLogger())
}

/** The partition's state znode as the controller writes it (created the first time). */
export async function writePartitionState (zk: ZkClient, topic: string, partition: number, state: PartitionState): Promise<void> {
  const path = partitionStateZnode.path(topic, partition)
  if (await zk.exists(path)) await zk.setData(path, partitionStateZnode.encode(state))
  else {
    await zk.mkdirp(partitionStateZnode.partitionPath(topic, partition))
    await zk.create(path, partitionStateZnode.encode(state))
  }
}

/** The partition's state as ZooKeeper holds it, with the znode's version; undefined before the controller wrote it. */
export async function readPartitionState (zk: ZkClient, topic: string, partition: number): Promise<PartitionState & { version: number } | undefined> {
  const node = await zk.getData(partitionStateZnode.path(topic, partition))
  return node === null ? undefined : { ...partitionStateZnode.decode(node.data), version: node.version }
}
