/**
 * ListTransactions (key 66, KIP-664; v1 adds DurationFilter, KIP-994), transcribed from Kafka
 * 3.9's ListTransactionsRequest.json / ListTransactionsResponse.json.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ListTransactionsRequest = message({
  name: 'ListTransactionsRequest', apiKey: 66, validVersions: '0-1', flexibleVersions: '0+',
  fields: {
    stateFilters: array('0+', 'string'),
    producerIdFilters: array('0+', 'int64'),
    durationFilter: int64('1+', { default: -1 }),
  },
})

export const ListTransactionsResponse = message({
  name: 'ListTransactionsResponse', apiKey: 66, validVersions: '0-1', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    unknownStateFilters: array('0+', 'string'),
    transactionStates: array('0+', {
      transactionalId: string('0+'),
      producerId: int64('0+'),
      transactionState: string('0+'),
    }),
  },
})

/** What a handler receives. */
export type ListTransactionsRequest = Decoded<typeof ListTransactionsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type ListTransactionsResponse = Infer<typeof ListTransactionsResponse>
