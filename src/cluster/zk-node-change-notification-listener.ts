import type { Logger } from '../logger.js'
import { ZkError, type ZkClient } from './zk-session.js'

/** Kafka's ZkNodeChangeNotificationListener.changeExpirationMs: notifications older than this are deleted. */
export const CHANGE_EXPIRATION_MS = 15 * 60 * 1000

export interface NotificationListenerOptions {
  /** Acts on one notification (its znode's data), in sequence order. */
  process: (data: Buffer, path: string) => Promise<void>
  /** Runs work on the owner's queue, where its full reloads run too, so the two never interleave. */
  schedule: (work: () => Promise<void>) => void
  isStopped: () => boolean
  log: Logger
  /**
   * Delete notifications older than changeExpirationMs, as every Kafka broker does. Off for a
   * reader that is not a broker (the gateway): with zookeeper.set.acl it could not, and the
   * brokers keep the directory trimmed.
   */
  purge?: boolean
  changeExpirationMs?: number
  now?: () => number
}

/**
 * Kafka's ZkNodeChangeNotificationListener: sequential notification znodes under one root
 * (/config/changes/config_change_<seq>, /kafka-acl-changes/acl_changes_<seq>, ...) each say that
 * something changed; a listener handles every notification newer than the last it handled, in
 * order, whenever the root's children change, and then deletes those created more than
 * changeExpirationMs (15 minutes) ago, so the directory does not grow with every change ever made.
 */
export class ZkNodeChangeNotificationListener {
  /** The highest sequence number handled (Kafka's lastExecutedChange). */
  private lastChange = -1

  constructor (private readonly zk: ZkClient, readonly root: string, private readonly options: NotificationListenerOptions) {}

  /**
   * Watches the root and counts every notification there as handled: the owner reads all of its
   * state right after (at start and on each new session), so none needs acting on. A change made
   * after this listing fires the watch. Purges what has expired.
   */
  async catchUp (): Promise<void> {
    const changes = await this.watch()
    this.lastChange = Math.max(this.lastChange, ...changes.map(sequenceOf))
    await this.purgeObsolete(changes)
  }

  private async watch (): Promise<string[]> {
    const generation = this.zk.generation
    return await this.zk.getChildren(this.root, () => {
      if (this.zk.generation === generation && !this.options.isStopped()) this.options.schedule(async () => await this.processNotifications())
    })
  }

  private async processNotifications (): Promise<void> {
    const changes = await this.watch()
    const fresh = changes.filter(c => sequenceOf(c) > this.lastChange).sort((a, b) => sequenceOf(a) - sequenceOf(b))
    for (const change of fresh) {
      const path = `${this.root}/${change}`
      const node = await this.zk.getData(path)
      this.lastChange = sequenceOf(change)
      if (node !== null) await this.options.process(node.data, path)
    }
    await this.purgeObsolete(changes)
  }

  /** Kafka's purgeObsoleteNotifications: by each znode's creation time, as ZooKeeper's clock wrote it. */
  private async purgeObsolete (changes: readonly string[]): Promise<void> {
    if (this.options.purge === false) return
    const now = (this.options.now ?? Date.now)()
    const expiration = this.options.changeExpirationMs ?? CHANGE_EXPIRATION_MS
    for (const change of changes) {
      const path = `${this.root}/${change}`
      const node = await this.zk.getData(path)
      if (node === null || now - node.ctime <= expiration) continue
      try {
        await this.zk.remove(path)
        this.options.log.debug('purged a change notification', { path })
      } catch (err) {
        if (err instanceof ZkError && err.code === 'NO_NODE') continue // another broker purged it first
        // not ours to delete (ZooKeeper ACLs of another identity): leave the rest for the brokers that may
        this.options.log.warn('cannot purge a change notification', { path, error: (err as Error).message })
        return
      }
    }
  }
}

function sequenceOf (child: string): number {
  return Number(child.slice(child.lastIndexOf('_') + 1))
}
