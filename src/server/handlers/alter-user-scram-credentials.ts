import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/messages/alter-user-scram-credentials.js'
import { defineHandler } from '../api-handler.js'
import { alterUserScramCredentials } from '../user-scram-credentials.js'

/** KIP-554: add, replace or delete users' SCRAM credentials in /config/users. */
export const handleAlterUserScramCredentials = defineHandler(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse,
  async (req, ctx) => await alterUserScramCredentials(ctx.broker, req))
