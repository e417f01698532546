import { Rate, throttleTimeMs, type RateConfig } from './rate.js'

/**
 * One side of a quota entity: a name, null for `<default>`, or undefined when the entity has no
 * such side (/config/clients/<id> has no user). Names are as clients send them, not sanitized.
 */
type EntityName = string | null | undefined

/** /config/users/<user>/clients/<client-id>, /config/users/<user>, /config/clients/<client-id> and their defaults. */
export interface QuotaEntity { user: EntityName, clientId: EntityName }

/**
 * Client quotas of one kind (Kafka's ClientQuotaManager with its DefaultQuotaCallback): the
 * bound of each quota entity, and one rate per group of clients a quota applies to. Which entity
 * a (user, client-id) pair answers to follows Kafka's precedence, most specific first:
 *
 *   1. /config/users/<user>/clients/<client-id>     5. /config/users/<default>/clients/<default>
 *   2. /config/users/<user>/clients/<default>       6. /config/users/<default>
 *   3. /config/users/<user>                         7. /config/clients/<client-id>
 *   4. /config/users/<default>/clients/<client-id>  8. /config/clients/<default>
 *
 * and the clients that share one rate are those with the same metric tags: a user-level quota
 * is shared by all the user's clients, a client-id quota by every user of that client id.
 * Without any quota nothing is recorded.
 */
export class ClientQuotaManager {
  private readonly bounds = new Map<string, number>()
  /** By metric tags; only pairs under some quota have one, and idle ones are dropped. */
  private readonly rates = new Map<string, Rate>()
  private lastSweepMs = 0

  constructor (private readonly window: RateConfig, private readonly now: () => number = Date.now) {}

  /** An entity's bound (per second), or undefined to remove it. */
  updateQuota (entity: QuotaEntity, bound: number | undefined): void {
    const key = entityKey(entity.user, entity.clientId)
    if (bound === undefined) this.bounds.delete(key)
    else this.bounds.set(key, bound)
  }

  /** Forgets every bound (before all entities are read again); the rates stay, as Kafka's sensors do. */
  clearQuotas (): void { this.bounds.clear() }

  get quotasEnabled (): boolean { return this.bounds.size > 0 }

  /**
   * Records `value` against the pair's quota and returns how long the client must now be
   * throttled for (Kafka's recordAndGetThrottleTimeMs): 0 within the quota or without one.
   */
  recordAndGetThrottleTimeMs (user: string, clientId: string, value: number): number {
    const found = this.quotaFor(user, clientId)
    if (found === undefined) return 0
    const now = this.now()
    this.sweep(now)
    let rate = this.rates.get(found.tags)
    if (rate === undefined) this.rates.set(found.tags, rate = new Rate(this.window))
    rate.record(value, now)
    return throttleTimeMs(rate, found.bound, now)
  }

  /** Takes back what was recorded for a response that is not sent after all (a throttled Fetch). */
  unrecord (user: string, clientId: string, value: number): void {
    const found = this.quotaFor(user, clientId)
    if (found !== undefined) this.rates.get(found.tags)?.record(-value, this.now())
  }

  /**
   * The most one quota window may carry (Kafka's getMaxValueInQuotaWindow): a Fetch asks for no
   * more, so that one response cannot throttle its consumer for longer than the window. Infinity
   * without a quota.
   */
  maxValueInQuotaWindow (user: string, clientId: string): number {
    const found = this.quotaFor(user, clientId)
    return found === undefined ? Infinity : found.bound * (this.window.samples - 1) * this.window.windowMs / 1000
  }

  /** The bound that applies to the pair and the tags of the rate it shares, or undefined. */
  quotaFor (user: string, clientId: string): { bound: number, tags: string } | undefined {
    if (this.bounds.size === 0) return undefined
    const [userTag, clientTag] = this.metricTags(user, clientId)
    const bound = this.quotaLimit(userTag, clientTag)
    return bound === undefined ? undefined : { bound, tags: entityKey(userTag, clientTag) }
  }

  /** DefaultQuotaCallback.quotaMetricTags: '' for a side the shared rate does not depend on. */
  private metricTags (user: string, clientId: string): [string, string] {
    const has = (u: EntityName, c: EntityName): boolean => this.bounds.has(entityKey(u, c))
    if (has(user, clientId) || has(user, null)) return [user, clientId]
    if (has(user, undefined)) return [user, '']
    if (has(null, clientId) || has(null, null)) return [user, clientId]
    if (has(null, undefined)) return [user, '']
    return ['', clientId]
  }

  /** DefaultQuotaCallback.quotaLimit: the bound for the metric tags. */
  private quotaLimit (userTag: string, clientTag: string): number | undefined {
    const get = (u: EntityName, c: EntityName): number | undefined => this.bounds.get(entityKey(u, c))
    if (userTag !== '' && clientTag !== '') return get(userTag, clientTag) ?? get(userTag, null) ?? get(null, clientTag) ?? get(null, null)
    if (userTag !== '') return get(userTag, undefined) ?? get(null, undefined)
    if (clientTag !== '') return get(undefined, clientTag) ?? get(undefined, null)
    return undefined
  }

  /** Kafka expires a quota sensor after an idle hour; an idle rate measures 0, so it can go as soon as it is idle. */
  private sweep (now: number): void {
    if (now - this.lastSweepMs < this.window.samples * this.window.windowMs) return
    this.lastSweepMs = now
    for (const [tags, rate] of this.rates) if (rate.isIdle(now)) this.rates.delete(tags)
  }
}

/** Kafka's QuotaManagers: one ClientQuotaManager per quota config key. */
export interface ClientQuotaManagers {
  produce: ClientQuotaManager
  fetch: ClientQuotaManager
  request: ClientQuotaManager
}

/** The quota config keys of users and client ids (Kafka's QuotaConfig), with the manager each sets. */
export const clientQuotaKeys = {
  producer_byte_rate: { type: 'long', manager: 'produce' },
  consumer_byte_rate: { type: 'long', manager: 'fetch' },
  request_percentage: { type: 'double', manager: 'request' },
  // stored and described; it throttles topic creation and deletion in KRaft clusters only here
  controller_mutation_rate: { type: 'double', manager: undefined },
} as const satisfies Record<string, { type: 'long' | 'double', manager: keyof ClientQuotaManagers | undefined }>

type ClientQuotaKey = keyof typeof clientQuotaKeys

export function isClientQuotaKey (name: string): name is ClientQuotaKey {
  return Object.hasOwn(clientQuotaKeys, name)
}

export function clientQuotaManagers (window: RateConfig, now?: () => number): ClientQuotaManagers {
  return { produce: new ClientQuotaManager(window, now), fetch: new ClientQuotaManager(window, now), request: new ClientQuotaManager(window, now) }
}

/**
 * Applies one entity's stored quota configs to the managers (Kafka's ClientIdConfigHandler and
 * UserConfigHandler): each key present sets its manager's bound, each absent one removes it.
 */
export function applyEntityQuotas (managers: ClientQuotaManagers, entity: QuotaEntity, configs: Readonly<Record<string, string>>): void {
  for (const [key, spec] of Object.entries(clientQuotaKeys)) {
    if (spec.manager === undefined) continue
    const value = configs[key] === undefined ? NaN : Number(configs[key])
    managers[spec.manager].updateQuota(entity, Number.isFinite(value) ? value : undefined)
  }
}

/** Every entity's quotas, read again: what is no longer stored no longer applies. */
export function replaceAllEntityQuotas (managers: ClientQuotaManagers, entities: ReadonlyArray<{ entity: QuotaEntity, configs: Readonly<Record<string, string>> }>): void {
  for (const m of [managers.produce, managers.fetch, managers.request]) m.clearQuotas()
  for (const { entity, configs } of entities) applyEntityQuotas(managers, entity, configs)
}

function entityKey (user: EntityName, clientId: EntityName): string {
  return JSON.stringify([user === undefined ? 0 : user, clientId === undefined ? 0 : clientId])
}
