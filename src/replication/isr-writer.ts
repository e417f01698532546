import { isrChangeNotificationZnode, partitionStateZnode } from '../cluster/znodes.js'
import { ZkError, type ZkClient } from '../cluster/zk-session.js'
import type { Partition } from './partition.js'

/**
 * The leader's own ISR changes, as ZooKeeper-mode Kafka before AlterPartition wrote them: the state
 * znode with the same leader and epoch, conditional on its version, then an isr_change
 * notification for the controller. Returns the new znode version, or undefined when the state
 * moved on (the controller changed it; the metadata watch brings the new state).
 */
export async function writeIsr (zk: ZkClient, partition: Partition, isr: number[], controllerEpoch: number): Promise<number | undefined> {
  const path = partitionStateZnode.path(partition.topic, partition.partition)
  let version: number
  try {
    version = await zk.setData(path, partitionStateZnode.encode({ leader: partition.leaderId, leaderEpoch: partition.leaderEpoch, isr, controllerEpoch }), partition.zkVersion)
  } catch (err) {
    if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NO_NODE')) return undefined
    throw err
  }
  await zk.create(isrChangeNotificationZnode.path, isrChangeNotificationZnode.encode([{ topic: partition.topic, partition: partition.partition }]), 'persistent_sequential')
  return version
}
