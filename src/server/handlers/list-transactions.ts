import { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/messages/list-transactions.js'
import { TransactionState } from '../../coordinator/transaction-state.js'
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
    transactionStates: transactions.map(t => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
  }
})
