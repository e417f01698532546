import { EndTxnRequest, EndTxnResponse } from '../../protocol/messages/end-txn.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { fencedForVersion } from './transaction-errors.js'

/** EndTxn: commit or abort the producer's ongoing transaction (docs/transactions.md has the answers). */
export const handleEndTxn = defineHandler(EndTxnRequest, EndTxnResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
  const errorCode = await ctx.broker.transactions.endTransaction(req, req.committed)
  return { throttleTimeMs: 0, errorCode: fencedForVersion(errorCode, ctx.apiVersion, 2) }
})
