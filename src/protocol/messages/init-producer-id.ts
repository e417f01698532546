/**
 * InitProducerId (key 22), transcribed from Kafka 3.9's InitProducerIdRequest.json / InitProducerIdResponse.json.
 */
import { int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const InitProducerIdRequest = message({
  name: 'InitProducerIdRequest', apiKey: 22, validVersions: '0-5', flexibleVersions: '2+',
  fields: {
    transactionalId: string('0+', { nullableVersions: '0+' }),
    transactionTimeoutMs: int32('0+'),
    producerId: int64('3+', { default: -1 }),
    producerEpoch: int16('3+', { default: -1 }),
  },
})

export const InitProducerIdResponse = message({
  name: 'InitProducerIdResponse', apiKey: 22, validVersions: '0-5', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    producerId: int64('0+', { default: -1 }),
    producerEpoch: int16('0+'),
  },
})

/** What a handler receives. */
export type InitProducerIdRequest = Decoded<typeof InitProducerIdRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type InitProducerIdResponse = Infer<typeof InitProducerIdResponse>
