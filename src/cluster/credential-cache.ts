import type { Logger } from '../logger.js'
import { parseCredential, scramMechanisms, type ScramCredential } from '../security/scram.js'
import type { ConfigChangeHandler } from './config-change-listener.js'
import { desanitizeEntityName, entityConfigZnode, sanitizeEntityName } from './znodes.js'
import type { ZkClient } from './zk-session.js'

/**
 * The SCRAM credentials of every user, from /config/users/<user> (Kafka's CredentialCache, fed as
 * its DynamicConfigManager feeds it): all read at start and on each new ZooKeeper session, then
 * one user again for each `users/<user>` notification (ConfigChangeListener), so a user added or
 * removed with kafka-configs logs in, or no longer can, without a restart. Lookups are
 * synchronous: the SASL exchange never waits on ZooKeeper.
 */
export class CredentialCache implements ConfigChangeHandler {
  private byUser = new Map<string, Map<string, ScramCredential>>()

  constructor (private readonly zk: ZkClient, private readonly log: Logger) {}

  credential (username: string, mechanism: string): ScramCredential | undefined {
    return this.byUser.get(username)?.get(mechanism)
  }

  async loadAll (): Promise<void> {
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

  async changed (entityPath: string): Promise<void> {
    const [type, sanitized, ...rest] = entityPath.split('/')
    if (type !== 'users' || sanitized === undefined || rest.length > 0) return // a user+client entity holds quotas only
    const user = desanitizeEntityName(sanitized)
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
