import type { Logger } from '../logger.js'
import { isrChangeNotificationZnode, partitionStateZnode } from '../cluster/znodes.js'
import { zkBatches } from '../cluster/zk-batches.js'
import { ZkError, type ZkClient } from '../cluster/zk-session.js'
import type { Partition } from './partition.js'

/**
 * The leader's own ISR changes, as ZooKeeper-mode Kafka before AlterPartition wrote them: the state
 * znode with the same leader and epoch, conditional on its version; the controller is then told
 * through `notifications` (IsrChangePropagator). Returns the new znode version, or undefined when
 * the state moved on (the controller changed it; the metadata watch brings the new state).
 */
export async function writeIsr (zk: ZkClient, partition: Partition, isr: number[], controllerEpoch: number, notifications: IsrChangePropagator): Promise<number | undefined> {
  const path = partitionStateZnode.path(partition.topic, partition.partition)
  let version: number
  try {
    version = await zk.setData(path, partitionStateZnode.encode({ leader: partition.leaderId, leaderEpoch: partition.leaderEpoch, isr, controllerEpoch }), partition.zkVersion)
  } catch (err) {
    if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NO_NODE')) return undefined
    throw err
  }
  notifications.record(partition.topic, partition.partition)
  return version
}

/** At most this many bytes of partitions in one isr_change notification (zkBatches). */
const MAX_NOTIFICATION_BYTES = 8 * 1024
/** A failed notification (connection lost) is written again after this long. */
const RETRY_MS = 1000

/**
 * Kafka's ReplicaManager.recordIsrChange and maybePropagateIsrChanges (ZooKeeper mode): the
 * partitions whose ISR this leader changed reach the controller many to an isr_change_<seq>
 * notification, written once per turn of the event loop, not one notification each. A broker
 * restarted after a kill -9 rejoins the ISR of thousands of partitions at once: one notification
 * each had the controller read, handle and delete them one by one, its event queue held for tens
 * of seconds and every request queued behind it (ElectLeaders, reassignments) waiting as long.
 */
export class IsrChangePropagator {
  private readonly pending = new Map<string, { topic: string, partition: number }>()
  private scheduled = false
  private stopped = false

  constructor (private readonly zk: ZkClient, private readonly log: Logger) {}

  record (topic: string, partition: number): void {
    if (this.stopped) return
    this.pending.set(`${topic}-${partition}`, { topic, partition })
    this.schedule(() => setImmediate(() => this.propagate()))
  }

  stop (): void {
    this.stopped = true
    this.pending.clear()
  }

  private schedule (later: () => void): void {
    if (this.scheduled) return
    this.scheduled = true
    later()
  }

  private propagate (): void {
    this.scheduled = false
    if (this.stopped) return
    const partitions = [...this.pending.values()]
    this.pending.clear()
    // {"topic":"<name>","partition":<n>} and a comma each
    for (const batch of zkBatches(partitions, p => p.topic.length + 40, MAX_NOTIFICATION_BYTES)) {
      this.zk.create(isrChangeNotificationZnode.path, isrChangeNotificationZnode.encode(batch), 'persistent_sequential').catch((err: unknown) => {
        this.log.warn('ISR change notification failed; written again shortly', { partitions: batch.length, error: (err as Error).message })
        for (const tp of batch) if (!this.stopped) this.pending.set(`${tp.topic}-${tp.partition}`, tp)
        this.schedule(() => setTimeout(() => this.propagate(), RETRY_MS).unref())
      })
    }
  }
}
