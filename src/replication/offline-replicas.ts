import type { Logger } from '../logger.js'
import { ZkError, type ZkClient } from '../cluster/zk-session.js'
import { logDirEventNotificationZnode, offlineReplicasZnode } from '../cluster/znodes.js'
import type { LogDirFailureChannel } from '../storage/log-dir-failure-channel.js'

/**
 * The replicas this broker holds in failed log dirs (Kafka's HostedPartition.Offline): they answer
 * KAFKA_STORAGE_ERROR until a restart, and the controller learns of them through
 * /offline_replicas/<id> and a log dir event notification (Kafka's propagateLogDirEvent).
 */
export class OfflineReplicas {
  /** By topic. */
  private readonly byTopic = new Map<string, Set<number>>()
  /** The ZooKeeper writes that tell the controller about them, one at a time. */
  private write: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (
    private readonly brokerId: number,
    private readonly failures: LogDirFailureChannel,
    private readonly zk: ZkClient,
    private readonly log: Logger,
  ) {}

  has (topic: string, partition: number): boolean {
    return this.byTopic.get(topic)?.has(partition) === true
  }

  /** Kafka's OfflineReplicaCount. */
  get count (): number {
    let count = 0
    for (const offline of this.byTopic.values()) count += offline.size
    return count
  }

  add (topic: string, partition: number): void {
    let offline = this.byTopic.get(topic)
    if (offline === undefined) this.byTopic.set(topic, offline = new Set())
    offline.add(partition)
  }

  /** A deleted topic's replicas are no longer offline here; whether any were. */
  deleteTopic (topic: string): boolean {
    return this.byTopic.delete(topic)
  }

  stop (): void { this.stopped = true }

  /**
   * Tells the controller: /offline_replicas/<id> lists every replica this broker holds offline
   * (and goes when there is none), then, with `notify`, a log dir event notification makes the
   * controller read it. One write at a time, each with the state of its turn, retried until
   * ZooKeeper takes it.
   */
  propagate (notify: boolean): void {
    this.write = this.write.then(async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.writeZnode(notify)
          return
        } catch (err) {
          this.log.warn('writing offline replicas to ZooKeeper failed; retrying', { attempt, error: (err as Error).message })
          await new Promise(resolve => setTimeout(resolve, Math.min(200 * attempt, 2000)))
        }
      }
    })
  }

  private async writeZnode (notify: boolean): Promise<void> {
    const path = offlineReplicasZnode.path(this.brokerId)
    const logDirs = this.failures.offlineLogDirs
    const partitions = [...this.byTopic].flatMap(([topic, ps]) => [...ps].sort((a, b) => a - b).map(partition => ({ topic, partition })))
    if (logDirs.length === 0 && partitions.length === 0) {
      try {
        await this.zk.remove(path)
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err
      }
      return
    }
    const data = offlineReplicasZnode.encode({ brokerId: this.brokerId, logDirs, partitions })
    try {
      await this.zk.setData(path, data)
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err
      await this.zk.create(path, data)
    }
    if (notify) await this.zk.create(logDirEventNotificationZnode.path, logDirEventNotificationZnode.encode(this.brokerId), 'persistent_sequential')
    this.log.info('told the controller about offline replicas', { logDirs, partitions: partitions.length, notified: notify })
  }
}
