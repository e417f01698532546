import { KafkaError } from '../errors.js'
import { apiName } from '../protocol/api-keys.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { AclOperation, ResourceType, supportedOperations } from '../security/acl-binding.js'
import type { AclAuthorizer, Session } from '../security/acl-authorizer.js'
import { principalString } from '../security/kafka-principal.js'
import type { Connection } from './connection.js'

/**
 * The authorization questions a handler asks, for its request (Kafka's AuthHelper): the
 * connection's principal and address and the API are filled in. Without an authorizer
 * (authorizer.class.name empty) everything is allowed, as in Kafka.
 */
export interface AuthHelper {
  authorize: (operation: AclOperation, resourceType: ResourceType, name: string, log?: { logIfAllowed?: boolean, logIfDenied?: boolean }) => boolean
  /** KIP-679: may the principal do the operation on any resource of the type (InitProducerId's Write on some topic)? */
  authorizeByResourceType: (operation: AclOperation, resourceType: ResourceType) => boolean
  /** The operations allowed on the resource as Kafka's authorized-operations bit field (bit n for code n). */
  authorizedOperations: (resourceType: ResourceType, name: string) => number
  /**
   * Throws the resource type's *_AUTHORIZATION_FAILED for the whole request unless allowed (Kafka's
   * AuthHelper.authorizeClusterOperation, and the group and transactional id checks of KafkaApis).
   */
  ensureAuthorized: (operation: AclOperation, resourceType: ResourceType, name: string) => void
}

const refusals: Partial<Record<ResourceType, { code: number, what: string }>> = {
  [ResourceType.TOPIC]: { code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, what: 'topic' },
  [ResourceType.GROUP]: { code: ErrorCode.GROUP_AUTHORIZATION_FAILED, what: 'group' },
  [ResourceType.CLUSTER]: { code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, what: 'cluster' },
  [ResourceType.TRANSACTIONAL_ID]: { code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, what: 'transactional id' },
}

export function authHelper (authorizer: AclAuthorizer | undefined, connection: Connection, apiKey: number): AuthHelper {
  if (authorizer === undefined) {
    return {
      authorize: () => true,
      authorizeByResourceType: () => true,
      authorizedOperations: resourceType => bitField(supportedOperations[resourceType] ?? []),
      ensureAuthorized: () => {},
    }
  }
  const api = apiName(apiKey)
  let session: Session | undefined
  // The principal may change while the connection authenticates, so it is read when first asked.
  const current = (): Session => (session ??= { principal: principalString(connection.principal), host: hostAddress(connection.socket.remoteAddress) })
  const authorize = (operation: AclOperation, resourceType: ResourceType, name: string, log: { logIfAllowed?: boolean, logIfDenied?: boolean } = {}): boolean =>
    authorizer.authorize(current(), operation, resourceType, name, { api, ...log })
  return {
    authorize,
    authorizeByResourceType: (operation, resourceType) => authorizer.authorizeByResourceType(current(), operation, resourceType, { api }),
    authorizedOperations: (resourceType, name) => bitField(authorizer.authorizedOperations(current(), resourceType, name)),
    ensureAuthorized: (operation, resourceType, name) => {
      if (!authorize(operation, resourceType, name)) throw authorizationError(resourceType, name, api)
    },
  }
}

/** The resource type's *_AUTHORIZATION_FAILED, with the message Kafka's exception carries. */
export function authorizationError (resourceType: ResourceType, name: string, api: string): KafkaError {
  const refusal = refusals[resourceType] ?? { code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, what: 'cluster' }
  return new KafkaError(refusal.code as ErrorCode, resourceType === ResourceType.CLUSTER ? `Request ${api} is not authorized.` : `Not authorized to access ${refusal.what}: ${name}`)
}

/** Utils.to32BitField. */
function bitField (operations: readonly AclOperation[]): number {
  let bits = 0
  for (const op of operations) bits |= 1 << op
  return bits
}

/** A socket's remote address as ACL host filters name it (Java's getHostAddress): IPv4 without ::ffff:. */
export function hostAddress (address: string | undefined): string {
  return address !== undefined && address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address ?? ''
}

/** Kafka's AuthHelper.partitionSeqByAuthorized: the items allowed, then those refused, each in order. */
export function partitionByAuthorized<T> (items: readonly T[], allowed: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = []
  const no: T[] = []
  for (const item of items) (allowed(item) ? yes : no).push(item)
  return [yes, no]
}

/** Every partition of topics a principal may not read, answered TOPIC_AUTHORIZATION_FAILED (OffsetCommit, TxnOffsetCommit). */
export function refusedPartitions (topics: ReadonlyArray<{ name: string, partitions: ReadonlyArray<{ partitionIndex: number }> }>): Array<{ topic: string, partition: number, errorCode: number }> {
  return topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })))
}
