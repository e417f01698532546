/**
 * ACLs as Kafka's Admin API and authorizer speak of them (org.apache.kafka.common.acl and
 * org.apache.kafka.common.resource): the wire codes of resource types, pattern types, operations
 * and permissions, their names, bindings (a resource pattern and an access control entry) and the
 * filters DescribeAcls and DeleteAcls match with. Shared by the broker, the admin client and
 * kafka-acls, as Kafka's clients jar shares them.
 */

/** ResourceType's codes; the ZooKeeper paths use the CamelCase name (SecurityUtils.resourceTypeName). */
export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType]

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const
export type PatternType = (typeof PatternType)[keyof typeof PatternType]

export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation]

export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType]

/** The one name of the CLUSTER resource (Kafka's CLUSTER_NAME). */
export const CLUSTER_NAME = 'kafka-cluster'
/** ResourcePattern.WILDCARD_RESOURCE and AclEntry's wildcard host and principal. */
export const WILDCARD_RESOURCE = '*'
export const WILDCARD_HOST = '*'
export const WILDCARD_PRINCIPAL = 'User:*'

export interface ResourcePattern { resourceType: ResourceType, name: string, patternType: PatternType }
export interface AccessControlEntry { principal: string, host: string, operation: AclOperation, permissionType: AclPermissionType }
export interface AclBinding { pattern: ResourcePattern, entry: AccessControlEntry }

/** A null field matches anything (ResourcePatternFilter, AccessControlEntryFilter). */
export interface AclBindingFilter {
  pattern: { resourceType: ResourceType, name: string | null, patternType: PatternType }
  entry: { principal: string | null, host: string | null, operation: AclOperation, permissionType: AclPermissionType }
}

function nameOf<T extends Record<string, number>> (codes: T, code: number): string {
  return Object.entries(codes).find(([, c]) => c === code)?.[0] ?? 'UNKNOWN'
}

/** The enum constant's name, as Java's toString prints it (TOPIC, DESCRIBE_CONFIGS, ALLOW ...). */
export const resourceTypeName = (code: number): string => nameOf(ResourceType, code)
export const patternTypeName = (code: number): string => nameOf(PatternType, code)
export const operationName = (code: number): string => nameOf(AclOperation, code)
export const permissionTypeName = (code: number): string => nameOf(AclPermissionType, code)

/** SecurityUtils' CamelCase form (Topic, TransactionalId, DescribeConfigs, Allow): ZooKeeper's JSON and paths, kafka-acls' flags. */
export function camelName (constant: string): string {
  return constant.split('_').map(w => w.charAt(0) + w.slice(1).toLowerCase()).join('')
}

/** Parses either form, case-insensitively, as Kafka's fromString does (with or without underscores). */
export function parseCode<T extends Record<string, number>> (codes: T, text: string): T[keyof T] | undefined {
  const wanted = text.replace(/_/g, '').toUpperCase()
  const hit = Object.entries(codes).find(([name]) => name.replace(/_/g, '') === wanted)
  return hit === undefined ? undefined : hit[1] as T[keyof T]
}

/** The operations each resource type has (AclEntry.supportedOperations), ALL besides. */
export const supportedOperations: Readonly<Partial<Record<ResourceType, readonly AclOperation[]>>> = {
  [ResourceType.TOPIC]: [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE],
  [ResourceType.CLUSTER]: [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
  [ResourceType.DELEGATION_TOKEN]: [AclOperation.DESCRIBE],
  [ResourceType.USER]: [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS],
}

/** ResourcePattern.toString / ResourcePatternFilter.toString, as kafka-acls prints them. */
export function formatPattern (p: { resourceType: number, name: string | null, patternType: number }): string {
  return `ResourcePattern(resourceType=${resourceTypeName(p.resourceType)}, name=${p.name ?? '<any>'}, patternType=${patternTypeName(p.patternType)})`
}

/** AccessControlEntry.toString. */
export function formatEntry (e: AccessControlEntry): string {
  return `(principal=${e.principal}, host=${e.host}, operation=${operationName(e.operation)}, permissionType=${permissionTypeName(e.permissionType)})`
}

/** ResourcePatternFilter.matches: ANY matches every pattern type, MATCH what would apply to the named resource. */
export function patternFilterMatches (f: AclBindingFilter['pattern'], p: ResourcePattern): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== p.resourceType) return false
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== p.patternType) return false
  if (f.name === null) return true
  if (f.patternType === PatternType.ANY || f.patternType === p.patternType) return f.name === p.name
  // MATCH
  if (p.patternType === PatternType.LITERAL) return f.name === p.name || p.name === WILDCARD_RESOURCE
  return p.patternType === PatternType.PREFIXED && f.name.startsWith(p.name)
}

/** AccessControlEntryFilter.matches. */
export function entryFilterMatches (f: AclBindingFilter['entry'], e: AccessControlEntry): boolean {
  if (f.principal !== null && f.principal !== e.principal) return false
  if (f.host !== null && f.host !== e.host) return false
  if (f.operation !== AclOperation.ANY && f.operation !== e.operation) return false
  return f.permissionType === AclPermissionType.ANY || f.permissionType === e.permissionType
}

export function bindingFilterMatches (f: AclBindingFilter, b: AclBinding): boolean {
  return patternFilterMatches(f.pattern, b.pattern) && entryFilterMatches(f.entry, b.entry)
}

/**
 * Why a binding cannot be stored (AclBinding.isUnknown, the checks of KafkaApis' CreateAcls, and a
 * principal Kafka's SecurityUtils.parseKafkaPrincipal parses), or undefined.
 */
export function invalidBindingReason (b: AclBinding): string | undefined {
  const p = b.pattern
  const e = b.entry
  if (![ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID, ResourceType.DELEGATION_TOKEN, ResourceType.USER].includes(p.resourceType as never)) return `Invalid resource type ${p.resourceType}`
  if (p.patternType !== PatternType.LITERAL && p.patternType !== PatternType.PREFIXED) return `Invalid pattern type ${p.patternType}: an ACL is LITERAL or PREFIXED`
  if (e.operation < AclOperation.ALL || e.operation > AclOperation.DESCRIBE_TOKENS) return `Invalid operation ${e.operation}`
  if (e.permissionType !== AclPermissionType.ALLOW && e.permissionType !== AclPermissionType.DENY) return `Invalid permission type ${e.permissionType}`
  if (p.resourceType === ResourceType.CLUSTER && p.name !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`
  if (p.name === '') return 'Invalid empty resource name'
  if (!/^[^:]+:.+$/s.test(e.principal)) return `Invalid principal ${e.principal}: expected a string in format principalType:principalName`
  if (e.host === '') return 'Invalid empty host'
  return undefined
}

/** Why a filter is not one (a code outside each enum, or UNKNOWN: Kafka's AclBindingFilter.findIndefiniteField), or undefined. */
export function invalidFilterReason (f: AclBindingFilter): string | undefined {
  const within = (code: number, max: number): boolean => code >= 1 && code <= max
  if (!within(f.pattern.resourceType, ResourceType.USER)) return `Invalid resource type ${f.pattern.resourceType}`
  if (!within(f.pattern.patternType, PatternType.PREFIXED)) return `Invalid pattern type ${f.pattern.patternType}`
  if (!within(f.entry.operation, AclOperation.DESCRIBE_TOKENS)) return `Invalid operation ${f.entry.operation}`
  if (!within(f.entry.permissionType, AclPermissionType.ALLOW)) return `Invalid permission type ${f.entry.permissionType}`
  return undefined
}
