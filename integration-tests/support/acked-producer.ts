import { Kafka, logLevel } from 'kafkajs'

/**
 * A KafkaJS producer (a client we did not write) sending `v0`, `v1` ... with acks=all, one at a
 * time, round-robin over `partitions` partitions, and keeping the values the cluster acknowledged:
 * what a fault test later checks is still there. Sends that fail are counted and not retried.
 */
export interface AckedProducer {
  readonly acked: readonly string[]
  readonly failures: number
  /** Ends the loop after the send in flight and disconnects; safe to call twice. */
  stop (): Promise<void>
}

/**
 * With `idempotent`, a send retried after leadership moved under it (the old leader answers NOT_LEADER_OR_FOLLOWER
 * for a record its successor already has) is not written twice: what exactly-once checks need.
 */
export async function startAckedProducer (brokers: readonly string[], topic: string, partitions: number, clientId: string, { idempotent = false } = {}): Promise<AckedProducer> {
  const kafka = new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } })
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent, maxInFlightRequests: idempotent ? 1 : undefined })
  await producer.connect()
  const acked: string[] = []
  let failures = 0
  let stopped = false
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      try {
        await producer.send({ topic, acks: -1, timeout: 3000, messages: [{ partition: i % partitions, value: `v${i}` }] })
        acked.push(`v${i}`)
      } catch {
        failures++
      }
    }
  })()
  let stopping: Promise<void> | undefined
  return {
    acked,
    get failures () { return failures },
    stop: async () => {
      stopped = true
      stopping ??= loop.then(async () => await producer.disconnect())
      await stopping
    },
  }
}
