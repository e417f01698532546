import type { Logger } from '../logger.js'
import type { ConfigChangeHandler } from './config-change-listener.js'
import { desanitizeEntityName, entityConfigZnode } from './znodes.js'
import type { ZkClient } from './zk-session.js'

/** A quota entity read from ZooKeeper: a name, null for `<default>`, undefined for a side it lacks. */
interface StoredQuotaEntity { user: string | null | undefined, clientId: string | null | undefined }

/** What the quotas are applied to: all entities at once (start, new session), or one that changed. */
interface QuotaConfigSink {
  replaceAll: (entities: ReadonlyArray<{ entity: StoredQuotaEntity, configs: Record<string, string> }>) => void
  update: (entity: StoredQuotaEntity, configs: Record<string, string>) => void
}

/**
 * The client quota configs in ZooKeeper as Kafka stores them: /config/clients/<client-id>,
 * /config/users/<user> and /config/users/<user>/clients/<client-id>, each name sanitized and
 * `<default>` for the default entity. All of them are read at start and on each new session, and
 * one again for each clients/... or users/... notification (Kafka's ClientIdConfigHandler and
 * UserConfigHandler).
 */
export class ClientQuotaConfigs implements ConfigChangeHandler {
  constructor (private readonly zk: ZkClient, private readonly sink: QuotaConfigSink, private readonly log: Logger) {}

  async loadAll (): Promise<void> {
    const entities: Array<{ entity: StoredQuotaEntity, configs: Record<string, string> }> = []
    for (const { entity, entityPath } of await storedQuotaEntities(this.zk)) entities.push({ entity, configs: await this.read(entityPath) })
    this.sink.replaceAll(entities)
  }

  async changed (entityPath: string): Promise<void> {
    const entity = quotaEntityOf(entityPath)
    if (entity === undefined) return
    const configs = await this.read(entityPath)
    this.sink.update(entity, configs)
    this.log.info('client quota configs changed', { entity: entityPath, configs })
  }

  private async read (entityPath: string): Promise<Record<string, string>> {
    try {
      return await readQuotaEntity(this.zk, entityPath)
    } catch (err) {
      if (err instanceof SyntaxError) {
        this.log.error('ignoring an entity config that is not Kafka\'s JSON', { path: `/config/${entityPath}` })
        return {}
      }
      throw err
    }
  }
}

/**
 * Every quota entity with a znode, users' client ids under their users, in the order
 * /config/clients, /config/users, /config/users/<user>/clients; `entityPath` as notifications name it.
 */
export async function storedQuotaEntities (zk: ZkClient): Promise<Array<{ entity: StoredQuotaEntity, entityPath: string }>> {
  const out: Array<{ entity: StoredQuotaEntity, entityPath: string }> = []
  for (const clientId of await zk.getChildren('/config/clients')) out.push({ entity: { user: undefined, clientId: entityName(clientId) }, entityPath: `clients/${clientId}` })
  const users = await zk.getChildren('/config/users')
  for (const user of users) out.push({ entity: { user: entityName(user), clientId: undefined }, entityPath: `users/${user}` })
  for (const user of users) {
    for (const clientId of await zk.getChildren(`/config/users/${user}/clients`)) {
      out.push({ entity: { user: entityName(user), clientId: entityName(clientId) }, entityPath: `users/${user}/clients/${clientId}` })
    }
  }
  return out
}

/** An entity's stored configs ({} without a znode); a znode that is not Kafka's JSON throws a SyntaxError. */
export async function readQuotaEntity (zk: ZkClient, entityPath: string): Promise<Record<string, string>> {
  const node = await zk.getData(`/config/${entityPath}`)
  return node === null ? {} : entityConfigZnode.decode(node.data)
}

/** The quota entity a notification names, or undefined for any other entity (topics/..., brokers/...). */
export function quotaEntityOf (entityPath: string): StoredQuotaEntity | undefined {
  const parts = entityPath.split('/')
  if (parts.length === 2 && parts[0] === 'clients') return { user: undefined, clientId: entityName(parts[1]!) }
  if (parts.length === 2 && parts[0] === 'users') return { user: entityName(parts[1]!), clientId: undefined }
  if (parts.length === 4 && parts[0] === 'users' && parts[2] === 'clients') return { user: entityName(parts[1]!), clientId: entityName(parts[3]!) }
  return undefined
}

/** Kafka's ZooKeeperInternals.DEFAULT_STRING is the default entity; any other znode name is sanitized. */
function entityName (znodeName: string): string | null {
  return znodeName === DEFAULT_ENTITY ? null : desanitizeEntityName(znodeName)
}

export const DEFAULT_ENTITY = '<default>'
