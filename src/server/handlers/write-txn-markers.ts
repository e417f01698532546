import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/write-txn-markers.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

/**
 * WriteTxnMarkers, from a transaction coordinator: each marker is appended to the partitions this
 * broker leads and waited for as acks=all (replication/txn-marker-writer.ts); one error per partition.
 */
export const handleWriteTxnMarkers = defineHandler(WriteTxnMarkersRequest, WriteTxnMarkersResponse, async (req, ctx) => {
  // only brokers write markers (KafkaApis: ClusterAction on the cluster)
  ctx.ensureAuthorized(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)
  const markers = await Promise.all(req.markers.map(async m => {
    const results = await ctx.broker.writeTxnMarker({
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      commit: m.transactionResult,
      coordinatorEpoch: m.coordinatorEpoch,
      partitions: m.topics.flatMap(t => t.partitionIndexes.map(partition => ({ topic: t.name, partition }))),
    })
    // results come in request order: each topic takes the next as many as it named (linear, whatever a request names)
    let next = 0
    return {
      producerId: m.producerId,
      topics: m.topics.map(t => ({
        name: t.name,
        partitions: results.slice(next, next += t.partitionIndexes.length).map(r => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      })),
    }
  }))
  return { markers }
})
