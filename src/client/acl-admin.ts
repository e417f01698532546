/** ACLs (Java's Admin.createAcls, describeAcls, deleteAcls). */
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { CreateAclsRequest, CreateAclsResponse } from '../protocol/messages/create-acls.js'
import { DeleteAclsRequest, DeleteAclsResponse } from '../protocol/messages/delete-acls.js'
import { DescribeAclsRequest, DescribeAclsResponse } from '../protocol/messages/describe-acls.js'
import type { AclBinding, AclBindingFilter, AclOperation, AclPermissionType, PatternType, ResourceType as AclResourceType } from '../security/acl-binding.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions } from './admin.js'
import type { KafkaClient } from './kafka-client.js'

/** CreateAcls: one outcome per binding, in order. */
export async function createAcls (client: KafkaClient, bindings: readonly AclBinding[], options: AdminOptions = {}): Promise<Array<{ errorCode: number, errorMessage: string | null }>> {
  const response = await client.retry('CreateAcls', async () => {
    const conn = await client.anyConnection()
    return await conn.send(CreateAclsRequest, CreateAclsResponse, conn.version(CreateAclsRequest, 1, 3), {
      creations: bindings.map(b => ({
        resourceType: b.pattern.resourceType, resourceName: b.pattern.name, resourcePatternType: b.pattern.patternType,
        principal: b.entry.principal, host: b.entry.host, operation: b.entry.operation, permissionType: b.entry.permissionType,
      })),
    })
  }, { timeoutMs: options.timeoutMs })
  return response.results.map(r => ({ errorCode: r.errorCode, errorMessage: r.errorMessage }))
}

/** DescribeAcls: every ACL the filter matches; the broker's error (SECURITY_DISABLED, CLUSTER_AUTHORIZATION_FAILED) is thrown. */
export async function describeAcls (client: KafkaClient, filter: AclBindingFilter, options: AdminOptions = {}): Promise<AclBinding[]> {
  const response = await client.retry('DescribeAcls', async () => {
    const conn = await client.anyConnection()
    return await conn.send(DescribeAclsRequest, DescribeAclsResponse, conn.version(DescribeAclsRequest, 1, 3), filterToWire(filter))
  }, { timeoutMs: options.timeoutMs })
  if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, response.errorMessage ?? errorName(response.errorCode))
  return response.resources.flatMap(r => r.acls.map(a => bindingFromWire(r, a)))
}

/** DeleteAcls: per filter, its error or the ACLs it removed. */
export async function deleteAcls (client: KafkaClient, filters: readonly AclBindingFilter[], options: AdminOptions = {}): Promise<Array<{ errorCode: number, errorMessage: string | null, deleted: AclBinding[] }>> {
  const response = await client.retry('DeleteAcls', async () => {
    const conn = await client.anyConnection()
    return await conn.send(DeleteAclsRequest, DeleteAclsResponse, conn.version(DeleteAclsRequest, 1, 3), {
      filters: filters.map(filterToWire),
    })
  }, { timeoutMs: options.timeoutMs })
  return response.filterResults.map(r => ({
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    deleted: r.matchingAcls.map(m => bindingFromWire(m, m)),
  }))
}

function filterToWire (f: AclBindingFilter): { resourceTypeFilter: number, resourceNameFilter: string | null, patternTypeFilter: number, principalFilter: string | null, hostFilter: string | null, operation: number, permissionType: number } {
  return {
    resourceTypeFilter: f.pattern.resourceType, resourceNameFilter: f.pattern.name, patternTypeFilter: f.pattern.patternType,
    principalFilter: f.entry.principal, hostFilter: f.entry.host, operation: f.entry.operation, permissionType: f.entry.permissionType,
  }
}

/** A binding from a DescribeAcls or DeleteAcls answer: its resource pattern fields and its entry fields. */
function bindingFromWire (r: { resourceType: number, resourceName: string, patternType: number }, e: { principal: string, host: string, operation: number, permissionType: number }): AclBinding {
  return {
    pattern: { resourceType: r.resourceType as AclResourceType, name: r.resourceName, patternType: r.patternType as PatternType },
    entry: { principal: e.principal, host: e.host, operation: e.operation as AclOperation, permissionType: e.permissionType as AclPermissionType },
  }
}
