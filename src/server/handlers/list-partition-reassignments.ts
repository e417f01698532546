import { ErrorCode } from '../../protocol/error-codes.js'
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../protocol/messages/list-partition-reassignments.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { defineHandler } from '../api-handler.js'

type OngoingPartition = ListPartitionReassignmentsResponse['topics'][number]['partitions'][number]

/**
 * ListPartitionReassignments (KIP-455), served by the controller: the reassignments in progress,
 * among the partitions named (topics null: all); partitions not being reassigned are left out.
 */
export const handleListPartitionReassignments = defineHandler(ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, async (req, ctx) => {
  // KafkaApis.handleListPartitionReassignmentsRequest: Describe on the cluster
  ctx.ensureAuthorized(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)
  const wanted = req.topics === null ? null : req.topics.flatMap(t => t.partitionIndexes.map(partition => ({ topic: t.name, partition })))
  const ongoing = await ctx.broker.controller.listPartitionReassignments(wanted)
  if (ongoing === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'This is not the correct controller for this cluster.', topics: [] }
  const byTopic = new Map<string, OngoingPartition[]>()
  for (const r of ongoing) {
    const list = byTopic.get(r.topic) ?? []
    list.push({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas })
    byTopic.set(r.topic, list)
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }
})
