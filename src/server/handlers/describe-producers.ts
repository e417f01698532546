import { ErrorCode } from '../../protocol/error-codes.js'
import { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/messages/describe-producers.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'
import { defineHandler } from '../api-handler.js'

/**
 * DescribeProducers (KIP-664), answered by any replica of the partition from its producer state
 * (Kafka's ReplicaManager.activeProducerState; clients ask the leader, `kafka-transactions
 * describe-producers --broker-id` a given replica): every producer id it keeps, with its epoch,
 * last sequence and timestamp, the coordinator epoch of its last marker and the first offset of
 * its open transaction (-1 when none).
 */
export const handleDescribeProducers = defineHandler(DescribeProducersRequest, DescribeProducersResponse, async (req, ctx) => ({
  throttleTimeMs: 0,
  topics: req.topics.map(topic => ({
    name: topic.name,
    partitions: topic.partitionIndexes.map(partitionIndex => {
      const partition = ctx.broker.replicas.partition(topic.name, partitionIndex)
      const fail = (errorCode: number, errorMessage: string | null = null): DescribeProducersResponse['topics'][number]['partitions'][number] => ({ partitionIndex, errorCode, errorMessage, activeProducers: [] })
      // KafkaApis.handleDescribeProducersRequest: Read on the topic
      if (!ctx.authorize(AclOperation.READ, ResourceType.TOPIC, topic.name)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED)
      if (ctx.broker.replicas.isOffline(topic.name, partitionIndex)) return fail(ErrorCode.KAFKA_STORAGE_ERROR)
      if (partition === undefined) return fail(ctx.broker.metadata.partition(topic.name, partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER)
      return {
        partitionIndex,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        activeProducers: [...partition.log.producerStateManager.activeProducers.values()].map(p => ({
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          lastSequence: p.lastSeq,
          lastTimestamp: p.lastTimestamp,
          coordinatorEpoch: p.coordinatorEpoch,
          currentTxnStartOffset: p.currentTxnFirstOffset,
        })),
      }
    }),
  })),
}))
