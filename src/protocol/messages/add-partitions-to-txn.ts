/**
 * AddPartitionsToTxn (key 24), transcribed from Kafka 3.9's AddPartitionsToTxnRequest.json /
 * AddPartitionsToTxnResponse.json. Versions 0-3 are the clients'; version 4 batches transactions
 * and carries VerifyOnly, which partition leaders send to the coordinator (KIP-890).
 */
import { array, bool, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

const AddPartitionsToTxnTopic = {
  name: string('0+'),
  partitions: array('0+', 'int32'),
}

const AddPartitionsToTxnTopicResult = {
  name: string('0+'),
  resultsByPartition: array('0+', {
    partitionIndex: int32('0+'),
    partitionErrorCode: int16('0+'),
  }),
}

export const AddPartitionsToTxnRequest = message({
  name: 'AddPartitionsToTxnRequest', apiKey: 24, validVersions: '0-4', flexibleVersions: '3+',
  fields: {
    transactions: array('4+', {
      transactionalId: string('4+'),
      producerId: int64('4+'),
      producerEpoch: int16('4+'),
      verifyOnly: bool('4+', { default: false }),
      topics: array('4+', AddPartitionsToTxnTopic),
    }),
    v3AndBelowTransactionalId: string('0-3'),
    v3AndBelowProducerId: int64('0-3'),
    v3AndBelowProducerEpoch: int16('0-3'),
    v3AndBelowTopics: array('0-3', AddPartitionsToTxnTopic),
  },
})

export const AddPartitionsToTxnResponse = message({
  name: 'AddPartitionsToTxnResponse', apiKey: 24, validVersions: '0-4', flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('4+'),
    resultsByTransaction: array('4+', {
      transactionalId: string('4+'),
      topicResults: array('4+', AddPartitionsToTxnTopicResult),
    }),
    resultsByTopicV3AndBelow: array('0-3', AddPartitionsToTxnTopicResult),
  },
})

/** What a handler receives. */
export type AddPartitionsToTxnRequest = Decoded<typeof AddPartitionsToTxnRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type AddPartitionsToTxnResponse = Infer<typeof AddPartitionsToTxnResponse>
