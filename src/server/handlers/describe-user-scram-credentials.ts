import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../protocol/messages/describe-user-scram-credentials.js'
import { defineHandler } from '../api-handler.js'
import { describeUserScramCredentials } from '../user-scram-credentials.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/** KIP-554: each user's SCRAM mechanisms and iterations (never a key), all users for null or []. */
export const handleDescribeUserScramCredentials = defineHandler(DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse,
  async (req, ctx) => {
    ctx.ensureAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)
    return await describeUserScramCredentials(ctx.broker, req)
  })
