import { ErrorCode } from '../../protocol/error-codes.js'
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../../protocol/messages/controlled-shutdown.js'
import { defineHandler } from '../api-handler.js'

/** Served by the controller: moves the stopping broker's leaderships away before it exits. */
export const handleControlledShutdown = defineHandler(ControlledShutdownRequest, ControlledShutdownResponse, async (req, ctx) => {
  const broker = ctx.broker.metadata.broker(req.brokerId)
  if (broker === undefined) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remainingPartitions: [] }
  if (req.brokerEpoch >= 0 && BigInt(req.brokerEpoch) !== broker.epoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] }
  const remaining = await ctx.broker.leadership.controlledShutdown(req.brokerId)
  if (remaining === undefined) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] }
  return { errorCode: ErrorCode.NONE, remainingPartitions: remaining.map(tp => ({ topicName: tp.topic, partitionIndex: tp.partition })) }
})
