/**
 * DescribeClientQuotas and AlterClientQuotas over /config/clients and /config/users (KIP-546, as
 * Kafka's ZkAdminManager does them): entities are user, client-id or both, a null name the
 * `<default>` entity; each altered entity's znode is read, changed and written with a
 * /config/changes notification, which every broker's ClientQuotaConfigs follows.
 */
import { javaDouble } from '../config/schema.js'
import { DEFAULT_ENTITY, readQuotaEntity, storedQuotaEntities } from '../cluster/client-quota-configs.js'
import { readEntityConfig, writeEntityConfig } from '../cluster/topic-admin.js'
import { sanitizeEntityName } from '../cluster/znodes.js'
import { KafkaError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../protocol/messages/alter-client-quotas.js'
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../protocol/messages/describe-client-quotas.js'
import { clientQuotaKeys, isClientQuotaKey } from '../quota/client-quota-manager.js'
import type { BrokerContext } from './broker-context.js'

/** Kafka's ClientQuotaEntity types. */
const USER = 'user'
const CLIENT_ID = 'client-id'
const IP = 'ip'

/** DescribeClientQuotasRequest's match types. */
const MATCH_EXACT = 0
const MATCH_DEFAULT = 1
const MATCH_SPECIFIED = 2

/**
 * Ours, not Kafka's: the longest entity name accepted. The name is a znode's, and a path near
 * ZooKeeper's packet limit (jute.maxbuffer) would fail the broker's session, not just the request.
 */
const MAX_ENTITY_NAME_BYTES = 4096

type EntityData = Array<{ entityType: string, entityName: string | null }>
type Name = string | null | undefined
/** One side of a filter: undefined matches any name, null the default, a string exactly; absent: no component. */
type Component = { match: Name } | undefined

export async function describeClientQuotas (broker: BrokerContext, req: DescribeClientQuotasRequest): Promise<DescribeClientQuotasResponse> {
  let user: Component
  let clientId: Component
  for (const c of req.components) {
    const match = componentMatch(c)
    if (c.entityType === USER) {
      if (user !== undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate user filter component entity type')
      user = { match }
    } else if (c.entityType === CLIENT_ID) {
      if (clientId !== undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate client filter component entity type')
      clientId = { match }
    } else if (c.entityType === '') {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Unexpected empty filter component entity type')
    } else {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, c.entityType === IP ? 'IP quotas are not supported by this broker' : `Custom entity type '${c.entityType}' not supported`)
    }
  }
  const matches = (component: Component, name: Name): boolean => component === undefined
    ? name === undefined || !req.strict
    : component.match === undefined ? name !== undefined : name === component.match
  const entries: NonNullable<DescribeClientQuotasResponse['entries']> = []
  for (const { entity: { user: u, clientId: c }, entityPath } of await storedQuotaEntities(broker.zk)) {
    if (!matches(user, u) || !matches(clientId, c)) continue
    const config = await readQuotaEntity(broker.zk, entityPath)
    const values = Object.entries(config).filter(([key]) => isClientQuotaKey(key)).map(([key, value]) => ({ key, value: Number(value) }))
    if (values.length > 0) entries.push({ entity: entityData(u, c), values })
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries }
}

/** DescribeClientQuotasRequest.getFilter: exact (a name), default (null) or any specified name (undefined). */
function componentMatch (c: DescribeClientQuotasRequest['components'][number]): Name {
  if (c.matchType === MATCH_DEFAULT) return null
  if (c.matchType === MATCH_SPECIFIED) return undefined
  if (c.matchType !== MATCH_EXACT) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected match type: ${c.matchType}`)
  if (c.match === null) throw new KafkaError(ErrorCode.INVALID_REQUEST, `An exact match on ${c.entityType} needs a name`)
  return c.match
}

export async function alterClientQuotas (broker: BrokerContext, req: AlterClientQuotasRequest): Promise<AlterClientQuotasResponse> {
  const entries: AlterClientQuotasResponse['entries'] = []
  for (const entry of req.entries) {
    let outcome: { errorCode: number, errorMessage: string | null } = { errorCode: ErrorCode.NONE, errorMessage: null }
    try {
      await alterEntity(broker, entry, req.validateOnly)
    } catch (err) {
      if (!(err instanceof KafkaError)) {
        broker.log.error('altering client quotas failed', { error: (err as Error).stack ?? String(err) })
        outcome = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null }
      } else outcome = { errorCode: err.code, errorMessage: err.message }
    }
    entries.push({ ...outcome, entity: entry.entity })
  }
  return { throttleTimeMs: 0, entries }
}

async function alterEntity (broker: BrokerContext, entry: AlterClientQuotasRequest['entries'][number], validateOnly: boolean): Promise<void> {
  const { user, clientId } = parseEntity(entry.entity)
  const path = user !== undefined
    ? { type: 'users' as const, name: clientId !== undefined ? `${znodeName(user)}/clients/${znodeName(clientId)}` : znodeName(user) }
    : { type: 'clients' as const, name: znodeName(clientId!) }
  const config = await readEntityConfig(broker.zk, path.type, path.name)
  for (const op of entry.ops) {
    if (op.remove) {
      delete config[op.key]
      continue
    }
    if (!isClientQuotaKey(op.key)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Invalid configuration key ${op.key}`)
    config[op.key] = configValue(op.key, op.value)
  }
  if (!validateOnly) await writeEntityConfig(broker.zk, path.type, path.name, config)
}

/** ZkAdminManager.parseAndSanitizeQuotaEntity: user, client-id or both; a null name is the default. */
function parseEntity (entity: EntityData): { user: Name, clientId: Name } {
  if (entity.length === 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity')
  let user: Name
  let clientId: Name
  for (const { entityType, entityName } of entity) {
    if (entityType === USER) {
      if (user !== undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate user entity type')
      user = entityName
    } else if (entityType === CLIENT_ID) {
      if (clientId !== undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate client-id entity type')
      clientId = entityName
    } else if (entityType === IP) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'IP quotas are not supported by this broker')
    } else {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unhandled client quota entity type: ${entityType}`)
    }
    if (entityName === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, `Empty ${entityType} not supported`)
  }
  return { user, clientId }
}

function znodeName (name: string | null): string {
  if (name === null) return DEFAULT_ENTITY
  const sanitized = sanitizeEntityName(name)
  if (Buffer.byteLength(sanitized) > MAX_ENTITY_NAME_BYTES) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Entity names must not exceed ${MAX_ENTITY_NAME_BYTES} bytes once sanitized`)
  return sanitized
}

/** ZkAdminManager.alterClientQuotas: a LONG key takes a whole number (within 1e-6), written without a fraction. */
function configValue (key: keyof typeof clientQuotaKeys, value: number): string {
  if (!Number.isFinite(value)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Configuration ${key} must be a finite value`)
  if (clientQuotaKeys[key].type === 'double') return javaDouble(value)
  const whole = Math.trunc(value + 1e-6)
  if (Math.abs(whole - value) > 1e-6 || !Number.isSafeInteger(whole)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Configuration ${key} must be a Long value`)
  return String(whole)
}

function entityData (user: Name, clientId: Name): EntityData {
  const out: EntityData = []
  if (user !== undefined) out.push({ entityType: USER, entityName: user })
  if (clientId !== undefined) out.push({ entityType: CLIENT_ID, entityName: clientId })
  return out
}
