/**
 * AddOffsetsToTxn (key 25), transcribed from Kafka 3.9's AddOffsetsToTxnRequest.json / AddOffsetsToTxnResponse.json.
 */
import { int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const AddOffsetsToTxnRequest = message({
  name: 'AddOffsetsToTxnRequest', apiKey: 25, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    transactionalId: string('0+'),
    producerId: int64('0+'),
    producerEpoch: int16('0+'),
    groupId: string('0+'),
  },
})

export const AddOffsetsToTxnResponse = message({
  name: 'AddOffsetsToTxnResponse', apiKey: 25, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
  },
})

/** What a handler receives. */
export type AddOffsetsToTxnRequest = Decoded<typeof AddOffsetsToTxnRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type AddOffsetsToTxnResponse = Infer<typeof AddOffsetsToTxnResponse>
