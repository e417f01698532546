import { ErrorCode } from '../../protocol/error-codes.js'
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../protocol/messages/alter-partition-reassignments.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { defineHandler } from '../api-handler.js'

const NOT_CONTROLLER_MESSAGE = 'This is not the correct controller for this cluster.'

/**
 * AlterPartitionReassignments (KIP-455), served by the controller: starts, replaces or cancels
 * (replicas null) each partition's reassignment and answers once they are under way, not done
 * (ListPartitionReassignments and kafka-reassign-partitions --verify follow them).
 */
export const handleAlterPartitionReassignments = defineHandler(AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, async (req, ctx) => {
  // KafkaApis.handleAlterPartitionReassignmentsRequest: Alter on the cluster
  ctx.ensureAuthorized(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)
  const requests = req.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })))
  const results = await ctx.broker.controller.alterPartitionReassignments(requests)
  let i = 0
  const responses = req.topics.map(t => ({
    name: t.name,
    partitions: t.partitions.map(p => {
      const r = results?.[i++] ?? { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: NOT_CONTROLLER_MESSAGE }
      return { partitionIndex: p.partitionIndex, errorCode: r.errorCode, errorMessage: r.errorMessage }
    }),
  }))
  if (results === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: NOT_CONTROLLER_MESSAGE, responses }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses }
})
