import { ErrorCode } from '../../protocol/error-codes.js'
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/messages/describe-transactions.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { defineHandler } from '../api-handler.js'

/**
 * DescribeTransactions (KIP-664), sent to each id's coordinator: its state, timeout, start time,
 * producer id and epoch, and the partitions of its current transaction (Kafka's
 * TransactionCoordinator.handleDescribeTransactions); an id another broker coordinates is
 * NOT_COORDINATOR, an unknown one TRANSACTIONAL_ID_NOT_FOUND.
 */
export const handleDescribeTransactions = defineHandler(DescribeTransactionsRequest, DescribeTransactionsResponse, async (req, ctx) => ({
  throttleTimeMs: 0,
  transactionStates: req.transactionalIds.map(transactionalId => {
    // KafkaApis.handleDescribeTransactionsRequest: Describe on each transactional id
    const { errorCode, metadata } = ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, transactionalId)
      ? ctx.broker.transactions.describe(transactionalId)
      : { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, metadata: undefined }
    if (metadata === undefined) return { errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] }
    const byTopic = new Map<string, number[]>()
    for (const tp of metadata.partitions.values()) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    return {
      errorCode,
      transactionalId,
      transactionState: metadata.state,
      transactionTimeoutMs: metadata.txnTimeoutMs,
      transactionStartTimeMs: metadata.txnStartTimestampMs,
      producerId: metadata.producerId,
      producerEpoch: metadata.producerEpoch,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    }
  }),
}))
