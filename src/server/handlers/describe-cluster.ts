import { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages/describe-cluster.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { defineHandler } from '../api-handler.js'
import { CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

export const handleDescribeCluster = defineHandler(DescribeClusterRequest, DescribeClusterResponse, (req, ctx) => {
  // endpointType 2 asks for controllers (KRaft); in ZooKeeper mode the brokers are the answer.
  if (ctx.apiVersion >= 1 && req.endpointType !== 1) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Only brokers can be described here', endpointType: req.endpointType, clusterId: ctx.broker.clusterId, brokers: [] }
  }
  const brokers = ctx.broker.metadata.brokers().flatMap(b => {
    const e = b.endpoints.find(x => x.listenerName === ctx.listenerName)
    return e === undefined ? [] : [{ brokerId: b.id, host: e.host, port: e.port, rack: b.rack }]
  })
  // KIP-430: what the principal may do with the cluster, when asked
  const clusterAuthorizedOperations = req.includeClusterAuthorizedOperations ? ctx.authorizedOperations(ResourceType.CLUSTER, CLUSTER_NAME) : -2147483648
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, endpointType: 1, clusterId: ctx.broker.clusterId, controllerId: ctx.broker.metadata.controllerId, brokers, clusterAuthorizedOperations }
})
