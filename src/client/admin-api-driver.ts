/**
 * Where an admin request goes and how it is retried, shared by the per-concept admin modules (as
 * Kafka's KafkaAdminClient hands requests to its ControllerNodeProvider, and its AdminApiDriver to a
 * PartitionLeaderStrategy). In ZooKeeper mode CreateTopics, DeleteTopics and CreatePartitions go to
 * the controller; NOT_CONTROLLER is retriable, so a moved controller costs a metadata refresh and
 * a retry.
 */
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import type { TopicPartitionRef } from './admin.js'
import type { KafkaClient } from './kafka-client.js'
import type { TopicResult } from './topic-admin.js'

/** Runs a controller-only request, retrying (after a metadata refresh) while the controller moves. */
export async function onController<T> (client: KafkaClient, what: string, timeoutMs: number, run: (conn: Awaited<ReturnType<KafkaClient['controllerConnection']>>) => Promise<T>): Promise<T> {
  return await client.retry(what, async () => {
    const results = await run(await client.controllerConnection())
    const notController = Array.isArray(results) && results.some(r => (r as TopicResult).errorCode === ErrorCode.NOT_CONTROLLER)
    if (notController) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `${what} reached a broker that is no longer the controller`)
    return results
  }, { timeoutMs, beforeRetry: async () => await client.refreshMetadata([]) })
}

/**
 * A per-partition request at each partition's leader (or at `brokerId`), one request per broker:
 * partitions whose answer `retriable` marks are asked again after a metadata refresh until the
 * timeout, then answer with their last error; partitions the cluster's metadata does not have
 * fail at once (UNKNOWN_TOPIC_OR_PARTITION). One result per partition, in the order asked.
 */
export async function atPartitionBrokers<P extends TopicPartitionRef, R extends TopicPartitionRef & { errorCode: number }> (
  client: KafkaClient,
  what: string, partitions: readonly P[],
  options: { timeoutMs?: number, brokerId?: number, retriable: (r: R) => boolean, failed: (p: P, errorCode: number) => R },
  send: (nodeId: number, partitions: P[]) => Promise<R[]>,
): Promise<R[]> {
  const results = new Map<string, R>()
  const key = (p: TopicPartitionRef): string => `${p.topic}\u0000${p.partition}`
  const unknown = new Set<string>()
  const retriable = (r: R): boolean => options.retriable(r) && !unknown.has(key(r))
  const topics = [...new Set(partitions.map(p => p.topic))]
  try {
    await client.retry(what, async () => {
      await client.refreshMetadata(topics)
      const byBroker = new Map<number, P[]>()
      for (const p of partitions) {
        const previous = results.get(key(p))
        if (previous !== undefined && !retriable(previous)) continue
        const target = options.brokerId ?? client.metadata.leaderFor(p.topic, p.partition)?.nodeId
        if (target !== undefined) byBroker.set(target, [...(byBroker.get(target) ?? []), p])
        else if (client.metadata.topics.get(p.topic)?.partitions[p.partition] === undefined) {
          unknown.add(key(p))
          results.set(key(p), options.failed(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
        } else results.set(key(p), options.failed(p, ErrorCode.LEADER_NOT_AVAILABLE))
      }
      await Promise.all([...byBroker].map(async ([nodeId, list]) => {
        for (const r of await send(nodeId, list)) results.set(key(r), r)
      }))
      const again = [...results.values()].find(retriable)
      if (again !== undefined) throw new KafkaError(again.errorCode as ErrorCode, `${what} for ${again.topic}-${again.partition} failed: ${errorName(again.errorCode)}`)
    }, { timeoutMs: options.timeoutMs })
  } catch (err) {
    // Out of time with leaders still moving: those partitions answer with their last error.
    if (!(err instanceof KafkaError) || !isRetriable(err.code) || results.size === 0) throw err
  }
  return partitions.map(p => results.get(key(p)) ?? options.failed(p, ErrorCode.REQUEST_TIMED_OUT))
}
