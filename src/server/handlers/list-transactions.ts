import { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/messages/list-transactions.js'
import { TransactionState } from '../../coordinator/transaction-state.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { defineHandler } from '../api-handler.js'

/**
 * ListTransactions (KIP-664; KIP-994's duration filter in v1), sent to every broker: the
 * transactional ids this broker coordinates, filtered by state, producer id and duration. State
 * names it does not know come back in unknownStateFilters, as Kafka's.
 */
export const handleListTransactions = defineHandler(ListTransactionsRequest, ListTransactionsResponse, async (req, ctx) => {
  const states = new Set(req.stateFilters)
  const unknownStateFilters = req.stateFilters.filter(s => !Object.hasOwn(TransactionState, s))
  const { errorCode, transactions } = ctx.broker.transactions.listTransactions(states, new Set(req.producerIdFilters), ctx.apiVersion >= 1 ? req.durationFilter : -1)
  return {
    throttleTimeMs: 0,
    errorCode,
    unknownStateFilters,
    // KafkaApis.handleListTransactionsRequest: only the ids the principal may Describe
    transactionStates: transactions.filter(t => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId, { logIfDenied: false })).map(t => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
  }
})
