import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/messages/add-offsets-to-txn.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { fencedForVersion } from './transaction-errors.js'

/**
 * AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction, so that its
 * markers reach the offsets committed with TxnOffsetCommit (Kafka's handleAddOffsetsToTxnRequest).
 */
export const handleAddOffsetsToTxn = defineHandler(AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, async (req, ctx) => {
  // KafkaApis.handleAddOffsetsToTxnRequest: Write on the transactional id, Read on the group
  ctx.ensureAuthorized(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
  ctx.ensureAuthorized(AclOperation.READ, ResourceType.GROUP, req.groupId)
  const txns = ctx.broker.transactions
  const errorCode = await txns.addPartitions(req, [txns.offsetsPartitionFor(req.groupId)])
  return { throttleTimeMs: 0, errorCode: fencedForVersion(errorCode, ctx.apiVersion, 2) }
})
