/**
 * DescribeCluster (key 60), transcribed from Kafka 3.9's DescribeClusterRequest.json / DescribeClusterResponse.json.
 */
import { array, bool, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeClusterRequest = message({
  name: 'DescribeClusterRequest', apiKey: 60, validVersions: '0-1', flexibleVersions: '0+',
  fields: {
    includeClusterAuthorizedOperations: bool('0+'),
    endpointType: int8('1+', { default: 1 }),
  },
})

export const DescribeClusterResponse = message({
  name: 'DescribeClusterResponse', apiKey: 60, validVersions: '0-1', flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+', default: null }),
    endpointType: int8('1+', { default: 1 }),
    clusterId: string('0+'),
    controllerId: int32('0+', { default: -1 }),
    brokers: array('0+', {
      brokerId: int32('0+'),
      host: string('0+'),
      port: int32('0+'),
      rack: string('0+', { nullableVersions: '0+', default: null }),
    }),
    clusterAuthorizedOperations: int32('0+', { default: -2147483648 }),
  },
})

/** What a handler receives. */
export type DescribeClusterRequest = Decoded<typeof DescribeClusterRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeClusterResponse = Infer<typeof DescribeClusterResponse>
