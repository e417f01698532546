import { Connection } from '../../src/client/connection.js'
import { ErrorCode, errorName } from '../../src/protocol/error-codes.js'
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/messages/create-topics.js'

/**
 * Creates a topic through the Kafka protocol (CreateTopics v4) on the first broker of a bootstrap
 * list, with an optional explicit layout; throws naming the error code when the broker refuses.
 */
export async function createTopic (bootstrap: string, name: string, options: { partitions?: number, replicationFactor?: number, assignments?: number[][], configs?: Record<string, string> }): Promise<void> {
  const [host, port] = (bootstrap.split(',')[0] ?? '').split(':')
  const connection = new Connection({ host: host ?? '127.0.0.1', port: Number(port) }, { clientId: 'integration-test', connectTimeoutMs: 5000, requestTimeoutMs: 30_000 })
  await connection.connect()
  try {
    const response = await connection.send(CreateTopicsRequest, CreateTopicsResponse, 4, {
      topics: [{
        name,
        numPartitions: options.assignments !== undefined ? -1 : options.partitions ?? 1,
        replicationFactor: options.assignments !== undefined ? -1 : options.replicationFactor ?? 1,
        assignments: (options.assignments ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
        configs: Object.entries(options.configs ?? {}).map(([n, value]) => ({ name: n, value })),
      }],
      timeoutMs: 20_000,
      validateOnly: false,
    })
    const result = response.topics[0]
    if (result === undefined || result.errorCode !== ErrorCode.NONE) {
      throw new Error(`CreateTopics ${name} failed: ${errorName(result?.errorCode ?? -1)} ${result?.errorMessage ?? ''}`)
    }
  } finally {
    connection.close()
  }
}
