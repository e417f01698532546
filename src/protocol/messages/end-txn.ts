/**
 * EndTxn (key 26), transcribed from Kafka 3.9's EndTxnRequest.json / EndTxnResponse.json.
 */
import { bool, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const EndTxnRequest = message({
  name: 'EndTxnRequest', apiKey: 26, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    transactionalId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    committed: bool('0+'),
  },
})

export const EndTxnResponse = message({
  name: 'EndTxnResponse', apiKey: 26, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
  },
})

/** What a handler receives. */
export type EndTxnRequest = Decoded<typeof EndTxnRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type EndTxnResponse = Infer<typeof EndTxnResponse>
