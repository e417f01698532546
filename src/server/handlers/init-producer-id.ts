import { ErrorCode } from '../../protocol/error-codes.js'
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/init-producer-id.js'
import { defineHandler } from '../api-handler.js'
import { fencedForVersion } from './transaction-errors.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/**
 * InitProducerId. Without a transactional id (an idempotent producer) any broker answers with a
 * new producer id at epoch 0, ignoring the id and epoch v3+ may carry, as Kafka's
 * TransactionCoordinator.handleInitProducerId does; when ZooKeeper cannot hand out a block,
 * COORDINATOR_LOAD_IN_PROGRESS, which every client retries. With one, the transaction
 * coordinator of that id answers (docs/transactions.md); PRODUCER_FENCED is INVALID_PRODUCER_EPOCH
 * before v4 (KIP-588).
 */
export const handleInitProducerId = defineHandler(InitProducerIdRequest, InitProducerIdResponse, async (req, ctx) => {
  if (req.transactionalId !== null) {
    if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    const expected = ctx.apiVersion >= 3 ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : { producerId: -1, producerEpoch: -1 }
    const result = await ctx.broker.transactions.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected)
    return answer(fencedForVersion(result.errorCode, ctx.apiVersion, 4), result.producerId, result.producerEpoch)
  }
  // Kafka 3.x (KIP-679): IdempotentWrite on the cluster, or Write on any topic
  if (!ctx.authorize(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME, { logIfDenied: false }) && !ctx.authorizeByResourceType(AclOperation.WRITE, ResourceType.TOPIC)) {
    return answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
  }
  try {
    return answer(ErrorCode.NONE, await ctx.broker.producerIds.generateProducerId(), 0)
  } catch (err) {
    ctx.broker.log.warn('could not reserve a producer id block', { error: (err as Error).message })
    return answer(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  }
})

function answer (errorCode: number, producerId = -1, producerEpoch = -1): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId, producerEpoch }
}
