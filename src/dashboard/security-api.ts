/**
 * The dashboard's ACLs and SCRAM users (docs/dashboard.md), through the Admin API as the gateway's
 * own principal: DescribeAcls / CreateAcls / DeleteAcls and DescribeUserScramCredentials /
 * AlterUserScramCredentials (KIP-554), exactly what kafka-acls and kafka-configs send. Before it
 * asks, the dashboard checks that the page's principal may do the same itself (Describe on the
 * cluster to list, Alter to change), so a token gets no more through the gateway than its
 * principal would get from a broker.
 *
 * ACLs travel as JSON with Kafka's enum names, as AclBinding.toString prints them:
 * `{"resourceType": "TOPIC", "name": "t1", "patternType": "LITERAL", "principal": "User:alice",
 * "host": "*", "operation": "WRITE", "permissionType": "ALLOW"}`.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import {
  AclOperation, AclPermissionType, invalidBindingReason, operationName, parseCode, PatternType, patternTypeName, permissionTypeName, ResourceType,
  resourceTypeName, type AclBinding, type AclBindingFilter,
} from '../security/acl-binding.js'
import { MAX_ITERATIONS, MIN_ITERATIONS, scramMechanism } from '../security/scram.js'
import type { UserScramCredentialAlteration } from '../client/admin.js'

export type Problem = { problem: string }

export interface AclJson { resourceType: string, name: string, patternType: string, principal: string, host: string, operation: string, permissionType: string }

export function aclToJson (b: AclBinding): AclJson {
  return {
    resourceType: resourceTypeName(b.pattern.resourceType),
    name: b.pattern.name,
    patternType: patternTypeName(b.pattern.patternType),
    principal: b.entry.principal,
    host: b.entry.host,
    operation: operationName(b.entry.operation),
    permissionType: permissionTypeName(b.entry.permissionType),
  }
}

/** Sorted as kafka-acls lists them here: by resource type, pattern type, name, then the entry. */
export function sortAcls (acls: AclJson[]): AclJson[] {
  const key = (a: AclJson): string => [a.resourceType, a.patternType, a.name, a.principal, a.host, a.operation, a.permissionType].join('\u0000')
  return acls.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
}

function code<T extends Record<string, number>> (codes: T, field: string, value: unknown, fallback?: T[keyof T]): T[keyof T] | Problem {
  if (value === undefined && fallback !== undefined) return fallback
  const parsed = typeof value === 'string' ? parseCode(codes, value) : undefined
  return parsed ?? { problem: `"${field}" must be one of ${Object.keys(codes).filter(k => k !== 'UNKNOWN').join(', ')}` }
}

const isProblem = (v: unknown): v is Problem => typeof v === 'object' && v !== null && 'problem' in v

/** One ACL to add or remove, from a request body; host defaults to *, patternType to LITERAL. */
export function parseAcl (body: Record<string, unknown>): AclBinding | Problem {
  const resourceType = code(ResourceType, 'resourceType', body['resourceType'])
  const patternType = code(PatternType, 'patternType', body['patternType'], PatternType.LITERAL)
  const operation = code(AclOperation, 'operation', body['operation'])
  const permissionType = code(AclPermissionType, 'permissionType', body['permissionType'])
  for (const v of [resourceType, patternType, operation, permissionType]) if (isProblem(v)) return v
  const { name, principal, host = '*' } = body
  if (typeof name !== 'string' || typeof principal !== 'string' || typeof host !== 'string') return { problem: '"name", "principal" and "host" (optional, * by default) must be strings' }
  const binding: AclBinding = {
    pattern: { resourceType: resourceType as ResourceType, name, patternType: patternType as PatternType },
    entry: { principal, host, operation: operation as AclOperation, permissionType: permissionType as AclPermissionType },
  }
  const reason = invalidBindingReason(binding)
  return reason === undefined ? binding : { problem: reason }
}

/** The filter of exactly one ACL, for DeleteAcls. */
export function exactFilter (b: AclBinding): AclBindingFilter {
  return { pattern: { ...b.pattern }, entry: { ...b.entry } }
}

/** A listing's filter from the query (as kafka-acls --list): resourceType and patternType ANY, other fields any, unless given. */
export function parseAclQuery (get: (key: string) => string | undefined): AclBindingFilter | Problem {
  const resourceType = code(ResourceType, 'resourceType', get('resourceType'), ResourceType.ANY)
  const patternType = code(PatternType, 'patternType', get('patternType'), PatternType.ANY)
  for (const v of [resourceType, patternType]) if (isProblem(v)) return v
  const text = (key: string): string | null => {
    const v = get(key)
    return v === undefined || v === '' ? null : v
  }
  return {
    pattern: { resourceType: resourceType as ResourceType, name: text('name'), patternType: patternType as PatternType },
    entry: { principal: text('principal'), host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY },
  }
}

/** An upsertion of one mechanism's credential: {user, mechanism, password, iterations?} (kafka-configs' default of 4096 iterations). */
export function parseScramUpsertion (body: Record<string, unknown>): UserScramCredentialAlteration | Problem {
  const { user, mechanism, password, iterations = 4096 } = body
  if (typeof user !== 'string' || user === '' || user.length > 1024) return { problem: '"user" must be a user name' }
  if (typeof mechanism !== 'string' || scramMechanism(mechanism) === undefined) return { problem: '"mechanism" must be SCRAM-SHA-256 or SCRAM-SHA-512' }
  if (typeof password !== 'string' || password === '' || password.length > 1024) return { problem: '"password" must be a non-empty string' }
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    return { problem: `"iterations" must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}` }
  }
  return { user, mechanism, password, iterations }
}

/** The error a failed Admin result carries, for the HTTP answer. */
export function firstFailure (results: ReadonlyArray<{ errorCode: number, errorMessage: string | null }>): { errorCode: number, errorMessage: string | null } | undefined {
  return results.find(r => r.errorCode !== ErrorCode.NONE)
}
