import type { Logger } from '../logger.js'
import { configChangeZnode } from './znodes.js'
import type { ZkClient } from './zk-session.js'

/** Something that follows entity configs in ZooKeeper (Kafka's ConfigHandler). */
export interface ConfigChangeHandler {
  /** Reads everything it follows: at start, and on each new session (the old one's watches are gone). */
  loadAll: () => Promise<void>
  /** One notification: the entity whose config changed, as Kafka writes it (`users/alice`, `clients/app`, `users/alice/clients/app`). */
  changed: (entityPath: string) => Promise<void>
}

/**
 * Kafka's ZkNodeChangeNotificationListener under its DynamicConfigManager: watches
 * /config/changes and hands each notification newer than the last one handled to every handler,
 * in sequence order, so that a config written by kafka-configs on any broker takes effect here
 * without a restart. Reads run one at a time; a failed one (a lost connection) reloads everything
 * a second later rather than miss a change for good.
 */
export class ConfigChangeListener {
  /** The highest /config/changes sequence number handled (Kafka's lastExecutedChange). */
  private lastChange = -1
  private stopped = false
  private queue: Promise<void> = Promise.resolve()

  static async start (zk: ZkClient, handlers: readonly ConfigChangeHandler[], log: Logger): Promise<ConfigChangeListener> {
    const listener = new ConfigChangeListener(zk, handlers, log)
    listener.enqueue(async () => await listener.loadAll())
    await listener.queue
    zk.on('session', () => listener.enqueue(async () => await listener.loadAll()))
    return listener
  }

  private constructor (private readonly zk: ZkClient, private readonly handlers: readonly ConfigChangeHandler[], private readonly log: Logger) {}

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
    const changes = await this.watchChanges()
    this.lastChange = Math.max(this.lastChange, ...changes.map(sequenceOf))
    for (const handler of this.handlers) await handler.loadAll()
  }

  private async watchChanges (): Promise<string[]> {
    const generation = this.zk.generation
    return await this.zk.getChildren(configChangeZnode.rootPath, () => {
      if (this.zk.generation === generation && !this.stopped) this.enqueue(async () => await this.onChanges())
    })
  }

  private async onChanges (): Promise<void> {
    const fresh = (await this.watchChanges()).filter(c => sequenceOf(c) > this.lastChange).sort((a, b) => sequenceOf(a) - sequenceOf(b))
    for (const change of fresh) {
      const node = await this.zk.getData(`${configChangeZnode.rootPath}/${change}`)
      this.lastChange = sequenceOf(change)
      if (node === null) continue
      let entityPath: string
      try {
        entityPath = configChangeZnode.decode(node.data)
      } catch {
        continue // not Kafka's notification JSON: nothing to act on
      }
      for (const handler of this.handlers) await handler.changed(entityPath)
    }
  }
}

function sequenceOf (child: string): number {
  return Number(child.slice(child.lastIndexOf('_') + 1))
}
