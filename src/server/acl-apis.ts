/**
 * What CreateAcls, DescribeAcls and DeleteAcls share (Kafka's AclApis): the authorizer they need,
 * and the wire's bindings and filters as the authorizer takes them (before v1, LITERAL patterns only).
 */
import { KafkaError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { PatternType, type AclBinding, type AclBindingFilter, type AclOperation, type AclPermissionType, type ResourceType } from '../security/acl-binding.js'
import type { AclAuthorizer } from '../security/acl-authorizer.js'
import type { RequestContext } from './api-handler.js'

/** The ACL APIs answer SECURITY_DISABLED when authorizer.class.name is empty, as Kafka's do. */
export function requireAuthorizer (ctx: RequestContext): AclAuthorizer {
  const authorizer = ctx.broker.authorizer
  if (authorizer === undefined) throw new KafkaError(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker')
  return authorizer
}

interface WireFilter { resourceTypeFilter: number, resourceNameFilter: string | null, patternTypeFilter: number, principalFilter: string | null, hostFilter: string | null, operation: number, permissionType: number }
interface WireBinding { resourceType: number, resourceName: string, resourcePatternType: number, principal: string, host: string, operation: number, permissionType: number }

export function filterFromWire (f: WireFilter, apiVersion: number): AclBindingFilter {
  return {
    pattern: { resourceType: f.resourceTypeFilter as ResourceType, name: f.resourceNameFilter, patternType: apiVersion >= 1 ? f.patternTypeFilter as PatternType : PatternType.LITERAL },
    entry: { principal: f.principalFilter, host: f.hostFilter, operation: f.operation as AclOperation, permissionType: f.permissionType as AclPermissionType },
  }
}

export function bindingFromWire (b: WireBinding, apiVersion: number): AclBinding {
  return {
    pattern: { resourceType: b.resourceType as ResourceType, name: b.resourceName, patternType: apiVersion >= 1 ? b.resourcePatternType as PatternType : PatternType.LITERAL },
    entry: { principal: b.principal, host: b.host, operation: b.operation as AclOperation, permissionType: b.permissionType as AclPermissionType },
  }
}
