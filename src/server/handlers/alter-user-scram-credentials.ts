import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/messages/alter-user-scram-credentials.js'
import { defineHandler } from '../api-handler.js'
import { alterUserScramCredentials } from '../user-scram-credentials.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/** KIP-554: add, replace or delete users' SCRAM credentials in /config/users. */
export const handleAlterUserScramCredentials = defineHandler(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse,
  async (req, ctx) => {
    ctx.ensureAuthorized(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)
    return await alterUserScramCredentials(ctx.broker, req)
  })
