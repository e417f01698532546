import { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/messages/alter-client-quotas.js'
import { defineHandler } from '../api-handler.js'
import { alterClientQuotas } from '../client-quota-admin.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/** KIP-546: sets or removes quota keys of user, client-id and user+client-id entities; AlterConfigs on the cluster, as KafkaApis asks. */
export const handleAlterClientQuotas = defineHandler(AlterClientQuotasRequest, AlterClientQuotasResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, CLUSTER_NAME)
  return await alterClientQuotas(ctx.broker, req)
})
