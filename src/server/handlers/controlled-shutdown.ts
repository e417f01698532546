import { ErrorCode } from '../../protocol/error-codes.js'
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../../protocol/messages/controlled-shutdown.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/**
 * Served by the controller: moves the stopping broker's leaderships away before it exits. Only the
 * broker's current incarnation may ask (KIP-380): a request must carry the epoch of its live
 * registration. Kafka's KafkaController lets an epoch of -1 (and so v0-1, which have no epoch
 * field) through; this broker refuses those too, on purpose, since anyone who can reach the
 * controller could otherwise put a live broker into "shutting down" and strip its leaderships.
 */
export const handleControlledShutdown = defineHandler(ControlledShutdownRequest, ControlledShutdownResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)
  const broker = ctx.broker.metadata.broker(req.brokerId)
  if (broker === undefined) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] }
  if (req.brokerEpoch !== broker.epoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] }
  const remaining = await ctx.broker.controller.controlledShutdown(req.brokerId)
  if (remaining === undefined) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] }
  return { errorCode: ErrorCode.NONE, remainingPartitions: remaining.map(tp => ({ topicName: tp.topic, partitionIndex: tp.partition })) }
})
