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
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Access } from '../gateway/gateway-authorizer.js'
import { ErrorCode } from '../protocol/error-codes.js'
import {
  AclOperation, CLUSTER_NAME, AclPermissionType, invalidBindingReason, operationName, parseCode, PatternType, patternTypeName, permissionTypeName, ResourceType,
  resourceTypeName, type AclBinding, type AclBindingFilter,
} from '../security/acl-binding.js'
import { MAX_ITERATIONS, MIN_ITERATIONS, scramMechanism } from '../security/scram.js'
import type { UserScramCredentialAlteration } from '../client/scram-credential-admin.js'
import { ApiError, json, readJson, throwIfFailed, type ApiContext } from './dashboard-http.js'

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

/**
 * ACLs and SCRAM users (security-api.ts): listed with Describe on the cluster, changed with Alter
 * on it (what DescribeAcls / CreateAcls / DeleteAcls and the SCRAM APIs take), never by a
 * read-only gateway.
 */
export async function securityApi (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL, access: Access, resource: 'acls' | 'users', name: string | undefined): Promise<void> {
  const method = req.method ?? 'GET'
  const admin = ctx.view.admin
  const api = `dashboard ${resource}`
  const change = (what: string): void => {
    ctx.checkWrite(req, what, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    access.ensure(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME, api)
  }
  const fail = (results: ReadonlyArray<{ errorCode: number, errorMessage: string | null }>): void => {
    const failed = firstFailure(results)
    if (failed !== undefined) throwIfFailed(failed)
  }
  if (resource === 'acls' && name === undefined) {
    if (method === 'GET') {
      access.ensure(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, api)
      const filter = parseAclQuery(k => url.searchParams.get(k) ?? undefined)
      if ('problem' in filter) throw new ApiError(400, ErrorCode.INVALID_REQUEST, filter.problem)
      return json(res, 200, { acls: sortAcls((await admin.describeAcls(filter, { timeoutMs: 10_000 })).map(aclToJson)) })
    }
    if (method === 'POST' || method === 'DELETE') {
      change(method === 'POST' ? 'ACLs cannot be added' : 'ACLs cannot be removed')
      const binding = parseAcl(await readJson(req))
      if ('problem' in binding) throw new ApiError(400, ErrorCode.INVALID_REQUEST, binding.problem)
      if (method === 'POST') {
        fail(await admin.createAcls([binding], { timeoutMs: 10_000 }))
        return json(res, 201, { acl: aclToJson(binding) })
      }
      const [result] = await admin.deleteAcls([exactFilter(binding)], { timeoutMs: 10_000 })
      fail(result === undefined ? [] : [result])
      return json(res, 200, { deleted: (result?.deleted ?? []).map(aclToJson) })
    }
  }
  if (resource === 'users') {
    if (method === 'GET' && name === undefined) {
      access.ensure(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, api)
      const users = await admin.describeUserScramCredentials(null, { timeoutMs: 10_000 })
      fail(users.filter(u => u.errorCode !== ErrorCode.RESOURCE_NOT_FOUND))
      return json(res, 200, { users: users.map(u => ({ user: u.user, credentials: u.credentials })).sort((a, b) => a.user < b.user ? -1 : a.user > b.user ? 1 : 0) })
    }
    if (method === 'POST' && name === undefined) {
      change('users cannot be added')
      const upsertion = parseScramUpsertion(await readJson(req))
      if ('problem' in upsertion) throw new ApiError(400, ErrorCode.INVALID_REQUEST, upsertion.problem)
      fail(await admin.alterUserScramCredentials([upsertion], { timeoutMs: 10_000 }))
      return json(res, 201, { user: upsertion.user, mechanism: upsertion.mechanism, iterations: upsertion.iterations })
    }
    if (method === 'DELETE' && name !== undefined) {
      change(`user ${name} cannot be deleted`)
      const asked = url.searchParams.get('mechanism')
      const [described] = await admin.describeUserScramCredentials([name], { timeoutMs: 10_000 })
      const mechanisms = asked !== null ? [asked] : described?.credentials.map(c => c.mechanism) ?? []
      if (mechanisms.length === 0) throw new ApiError(404, ErrorCode.RESOURCE_NOT_FOUND, `Attempt to delete a user credential that does not exist: ${name}`)
      fail(await admin.alterUserScramCredentials(mechanisms.map(mechanism => ({ user: name, mechanism })), { timeoutMs: 10_000 }))
      return json(res, 200, { user: name, deleted: mechanisms })
    }
  }
  throw new ApiError(404, ErrorCode.INVALID_REQUEST, `no ${method} ${url.pathname} here`)
}
