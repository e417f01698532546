import type { Kafka } from 'kafkajs'
import type { ConsumedRecord } from './client-records.js'

/**
 * KafkaJS 2.2 has only a group consumer. The tests read without a group through KafkaJS's own
 * Cluster and Broker objects, the ones its consumer drives: metadata, leader lookup, Fetch (up to
 * v11) and its record-batch decoding are all KafkaJS's. The Cluster factory is a private symbol of
 * the Kafka instance, so it is found by its description.
 */
export async function readWithKafkaJs (kafka: Kafka, topic: string, count: number, timeoutMs = 15_000): Promise<ConsumedRecord[]> {
  const cluster = createCluster(kafka)
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    const partitions = (cluster.findTopicPartitionMetadata(topic) as Array<{ partitionId: number }>).map(p => p.partitionId)
    const leaders = cluster.findLeaderForPartitions(topic, partitions) as Record<string, number[]>
    const next = new Map(partitions.map(p => [p, 0]))
    const received: ConsumedRecord[] = []
    const deadline = Date.now() + timeoutMs
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${count} records from ${topic} with KafkaJS (read ${received.length})`)
      for (const [nodeId, ids] of Object.entries(leaders)) {
        const broker = await cluster.findBroker({ nodeId })
        const response = await broker.fetch({
          replicaId: -1, isolationLevel: 0, maxWaitTime: 100, minBytes: 1, maxBytes: 1 << 20,
          topics: [{ topic, partitions: ids.map(p => ({ partition: p, fetchOffset: String(next.get(p)), maxBytes: 1 << 20 })) }],
        }) as FetchResponse
        for (const { partitions: answers } of response.responses) {
          for (const answer of answers) {
            if (answer.errorCode !== 0) throw new Error(`KafkaJS fetch of ${topic}-${answer.partition}: error ${answer.errorCode}`)
            for (const m of answer.messages) {
              const offset = Number(m.offset)
              if (offset < next.get(answer.partition)!) continue // a batch starts before the fetch offset
              next.set(answer.partition, offset + 1)
              received.push({
                partition: answer.partition,
                offset,
                key: m.key?.toString() ?? null,
                value: m.value?.toString() ?? null,
                headers: Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]),
                timestamp: Number(m.timestamp),
              })
            }
          }
        }
      }
    }
    return received
  } finally {
    await cluster.disconnect()
  }
}

interface FetchResponse {
  responses: Array<{
    topicName: string
    partitions: Array<{
      partition: number
      errorCode: number
      messages: Array<{ offset: string, key: Buffer | null, value: Buffer | null, headers?: Record<string, Buffer>, timestamp: string }>
    }>
  }>
}

interface KafkaJsCluster {
  connect (): Promise<void>
  disconnect (): Promise<void>
  addTargetTopic (topic: string): Promise<void>
  findTopicPartitionMetadata (topic: string): unknown
  findLeaderForPartitions (topic: string, partitions: number[]): unknown
  findBroker (options: { nodeId: string }): Promise<{ fetch (request: unknown): Promise<unknown> }>
}

function createCluster (kafka: Kafka): KafkaJsCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  if (symbol === undefined) throw new Error('KafkaJS no longer has its private createCluster: update readWithKafkaJs')
  const create = (kafka as unknown as Record<symbol, (options: object) => KafkaJsCluster>)[symbol]!
  return create({ metadataMaxAge: 300_000, allowAutoTopicCreation: false, isolationLevel: 0 })
}
