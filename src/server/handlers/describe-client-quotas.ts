import { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../protocol/messages/describe-client-quotas.js'
import { defineHandler } from '../api-handler.js'
import { describeClientQuotas } from '../client-quota-admin.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/** KIP-546: the quota entities matching the filter with their quota values; DescribeConfigs on the cluster, as KafkaApis asks. */
export const handleDescribeClientQuotas = defineHandler(DescribeClientQuotasRequest, DescribeClientQuotasResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_NAME)
  return await describeClientQuotas(ctx.broker, req)
})
