import type { Logger } from '../logger.js'
import { parseCredential, scramMechanisms, type ScramCredential } from '../security/scram.js'
import { configChangeZnode, desanitizeEntityName, entityConfigZnode, sanitizeEntityName } from './znodes.js'
import type { ZkClient } from './zk-session.js'
import { ZkNodeChangeNotificationListener } from './zk-node-change-notification-listener.js'

/**
 * The SCRAM credentials of every user, from /config/users/<user> (Kafka's CredentialCache, fed as
 * its DynamicConfigManager feeds it): all read at start and on each new ZooKeeper session, then
 * one user again for each `users/<user>` notification under /config/changes, so a user added or
 * removed with kafka-configs logs in, or no longer can, without a restart. Lookups are
 * synchronous: the SASL exchange never waits on ZooKeeper.
 */
export class CredentialCache {
  private byUser = new Map<string, Map<string, ScramCredential>>()
  private readonly changes: ZkNodeChangeNotificationListener
  private stopped = false
  /** Reads one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve()

  static async start (zk: ZkClient, log: Logger): Promise<CredentialCache> {
    const cache = new CredentialCache(zk, log)
    cache.enqueue(async () => await cache.loadAll())
    await cache.queue
    zk.on('session', () => cache.enqueue(async () => await cache.loadAll()))
    return cache
  }

  private constructor (private readonly zk: ZkClient, private readonly log: Logger) {
    this.changes = new ZkNodeChangeNotificationListener(zk, configChangeZnode.rootPath, {
      process: async data => await this.onChange(data),
      schedule: work => this.enqueue(work),
      isStopped: () => this.stopped,
      log,
    })
  }

  credential (username: string, mechanism: string): ScramCredential | undefined {
    return this.byUser.get(username)?.get(mechanism)
  }

  stop (): void { this.stopped = true }

  private enqueue (work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      // A lost connection: read everything again shortly rather than miss a change for good.
      this.log.warn('reading SCRAM credentials failed; retrying', { error: (err as Error).message })
      if (!this.stopped) setTimeout(() => this.enqueue(async () => await this.loadAll()), 1000).unref()
    })
  }

  /** The notifications first (watched), then every user: a change after the listing fires the watch. */
  private async loadAll (): Promise<void> {
    if (this.stopped) return
    await this.changes.catchUp()
    const users = await this.zk.getChildren('/config/users')
    const byUser = new Map<string, Map<string, ScramCredential>>()
    for (const user of users) {
      const name = desanitizeEntityName(user)
      const credentials = await this.readUser(name)
      if (credentials.size > 0) byUser.set(name, credentials)
    }
    this.byUser = byUser
    this.log.info('SCRAM credentials loaded', { users: this.byUser.size })
  }

  /** One /config/changes notification: a user's, or another entity's (topics, brokers) that is not ours. */
  private async onChange (data: Buffer): Promise<void> {
    let entityPath: string
    try {
      entityPath = configChangeZnode.decode(data)
    } catch {
      return // not Kafka's notification JSON: nothing to act on
    }
    if (!entityPath.startsWith('users/')) return
    const user = desanitizeEntityName(entityPath.slice('users/'.length))
    const credentials = await this.readUser(user)
    if (credentials.size > 0) this.byUser.set(user, credentials)
    else this.byUser.delete(user)
    this.log.info('SCRAM credentials of a user changed', { user, mechanisms: [...credentials.keys()] })
  }

  private async readUser (user: string): Promise<Map<string, ScramCredential>> {
    const path = entityConfigZnode.path('users', sanitizeEntityName(user))
    const node = await this.zk.getData(path)
    const credentials = new Map<string, ScramCredential>()
    let config: Record<string, string> = {}
    try {
      if (node !== null) config = entityConfigZnode.decode(node.data)
    } catch {
      this.log.error('ignoring a user config that is not Kafka\'s JSON', { path })
    }
    for (const m of scramMechanisms) {
      const text = config[m.name]
      if (text === undefined) continue
      const credential = parseCredential(m, text)
      if (credential !== undefined) credentials.set(m.name, credential)
      else this.log.error('ignoring a SCRAM credential that does not parse', { path, mechanism: m.name })
    }
    return credentials
  }
}
