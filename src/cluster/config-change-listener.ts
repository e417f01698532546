import type { Logger } from '../logger.js'
import { configChangeZnode } from './znodes.js'
import type { ZkClient } from './zk-session.js'
import { ZkNodeChangeNotificationListener } from './zk-node-change-notification-listener.js'

/** Something that follows entity configs in ZooKeeper (Kafka's ConfigHandler). */
export interface ConfigChangeHandler {
  /** Reads everything it follows: at start, and on each new session (the old one's watches are gone). */
  loadAll: () => Promise<void>
  /** One notification: the entity whose config changed, as Kafka writes it (`users/alice`, `clients/app`, `users/alice/clients/app`). */
  changed: (entityPath: string) => Promise<void>
}

/**
 * The /config/changes side of Kafka's DynamicConfigManager: a ZkNodeChangeNotificationListener
 * whose every notification goes to each handler, so that a config written by kafka-configs on any
 * broker takes effect here without a restart. Reads run one at a time; a failed one (a lost
 * connection) reloads everything a second later rather than miss a change for good.
 */
export class ConfigChangeListener {
  private readonly changes: ZkNodeChangeNotificationListener
  private stopped = false
  private queue: Promise<void> = Promise.resolve()

  static async start (zk: ZkClient, handlers: readonly ConfigChangeHandler[], log: Logger): Promise<ConfigChangeListener> {
    const listener = new ConfigChangeListener(zk, handlers, log)
    listener.enqueue(async () => await listener.loadAll())
    await listener.queue
    zk.on('session', () => listener.enqueue(async () => await listener.loadAll()))
    return listener
  }

  private constructor (zk: ZkClient, private readonly handlers: readonly ConfigChangeHandler[], private readonly log: Logger) {
    this.changes = new ZkNodeChangeNotificationListener(zk, configChangeZnode.rootPath, {
      process: async data => await this.onChange(data),
      schedule: work => this.enqueue(work),
      isStopped: () => this.stopped,
      log,
    })
  }

  stop (): void { this.stopped = true }

  private enqueue (work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      this.log.warn('reading entity configs failed; retrying', { error: (err as Error).message })
      if (!this.stopped) setTimeout(() => this.enqueue(async () => await this.loadAll()), 1000).unref()
    })
  }

  /** The notifications first (watched), then every entity: a change after the listing fires the watch. */
  private async loadAll (): Promise<void> {
    if (this.stopped) return
    await this.changes.catchUp()
    for (const handler of this.handlers) await handler.loadAll()
  }

  private async onChange (data: Buffer): Promise<void> {
    let entityPath: string
    try {
      entityPath = configChangeZnode.decode(data)
    } catch {
      return // not Kafka's notification JSON: nothing to act on
    }
    for (const handler of this.handlers) await handler.changed(entityPath)
  }
}
