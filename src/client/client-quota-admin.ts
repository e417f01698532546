/** Client quotas (KIP-546; Java's Admin.describeClientQuotas, alterClientQuotas). */
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../protocol/messages/alter-client-quotas.js'
import { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../protocol/messages/describe-client-quotas.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions } from './admin.js'
import type { KafkaClient } from './kafka-client.js'

/** A client quota entity's part: user or client-id, a null name for the default entity (Kafka's ClientQuotaEntity). */
export interface ClientQuotaEntityPart { entityType: string, entityName: string | null }
export interface ClientQuotaFilterComponent { entityType: string, match: string | null | undefined }
export interface ClientQuotaEntry { entity: ClientQuotaEntityPart[], values: Record<string, number> }
export interface ClientQuotaAlteration { entity: ClientQuotaEntityPart[], ops: Array<{ key: string, value: number | null }> }

/**
 * DescribeClientQuotas (KIP-546): the entities matching every component, each with its quota
 * values. A component's match: a name (exact), null (the default entity) or undefined (any name).
 * strict leaves out entities with a type no component names.
 */
export async function describeClientQuotas (client: KafkaClient, components: readonly ClientQuotaFilterComponent[], strict: boolean, options: AdminOptions = {}): Promise<ClientQuotaEntry[]> {
  const response = await client.retry('DescribeClientQuotas', async () => {
    const conn = await client.anyConnection()
    return await conn.send(DescribeClientQuotasRequest, DescribeClientQuotasResponse, conn.version(DescribeClientQuotasRequest, 0, 1), {
      components: components.map(c => ({ entityType: c.entityType, matchType: c.match === undefined ? 2 : c.match === null ? 1 : 0, match: c.match ?? null })),
      strict,
    })
  }, { timeoutMs: options.timeoutMs })
  if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, response.errorMessage ?? errorName(response.errorCode))
  return (response.entries ?? []).map(e => ({ entity: e.entity.map(x => ({ entityType: x.entityType, entityName: x.entityName })), values: Object.fromEntries(e.values.map(v => [v.key, v.value])) }))
}

/** AlterClientQuotas (KIP-546): a value sets a key, null removes it; one outcome per entity, in order. */
export async function alterClientQuotas (client: KafkaClient, alterations: readonly ClientQuotaAlteration[], options: AdminOptions & { validateOnly?: boolean } = {}): Promise<Array<{ errorCode: number, errorMessage: string | null }>> {
  const response = await client.retry('AlterClientQuotas', async () => {
    const conn = await client.anyConnection()
    return await conn.send(AlterClientQuotasRequest, AlterClientQuotasResponse, conn.version(AlterClientQuotasRequest, 0, 1), {
      entries: alterations.map(a => ({ entity: a.entity, ops: a.ops.map(op => ({ key: op.key, value: op.value ?? 0, remove: op.value === null })) })),
      validateOnly: options.validateOnly ?? false,
    })
  }, { timeoutMs: options.timeoutMs })
  return response.entries.map(e => ({ errorCode: e.errorCode, errorMessage: e.errorMessage }))
}
