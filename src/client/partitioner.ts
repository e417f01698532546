/**
 * Kafka's built-in partitioner (Java 3.3+ BuiltInPartitioner, KIP-794): a record with a partition
 * goes there; a keyed record goes to murmur2(key) over all the topic's partitions, so a key lands
 * where any Java-compatible client puts it; a record without a key sticks to one partition until
 * batch.size bytes went there, then a random available partition is chosen, so null-key traffic
 * fills whole batches instead of many small ones.
 */
import { partitionForKey } from './murmur2.js'

export class Partitioner {
  private readonly sticky = new Map<string, { partition: number, bytes: number }>()

  constructor (private readonly batchSize: number, private readonly ignoreKeys = false, private readonly random = Math.random) {}

  /**
   * The partition for a record. `available` are the partitions with a leader (sticky choices
   * prefer them); `numPartitions` counts all of them (keys hash over all, as in Kafka).
   */
  partition (topic: string, key: Buffer | null, numPartitions: number, available: readonly number[]): number {
    if (key !== null && !this.ignoreKeys) return partitionForKey(key, numPartitions)
    const current = this.sticky.get(topic)
    if (current !== undefined && current.partition < numPartitions) return current.partition
    return this.nextSticky(topic, numPartitions, available)
  }

  /** Counts bytes produced to the sticky partition; past batch.size the next record moves on. */
  onAppend (topic: string, partition: number, bytes: number, numPartitions: number, available: readonly number[]): void {
    const current = this.sticky.get(topic)
    if (current === undefined || current.partition !== partition) return
    current.bytes += bytes
    if (current.bytes >= this.batchSize) this.nextSticky(topic, numPartitions, available, partition)
  }

  private nextSticky (topic: string, numPartitions: number, available: readonly number[], previous?: number): number {
    const pool = available.length > 0 ? available : Array.from({ length: numPartitions }, (_, i) => i)
    let choice = pool[Math.floor(this.random() * pool.length)]!
    // moving on means moving: pick another partition when there is one (Kafka does the same)
    if (choice === previous && pool.length > 1) choice = pool[(pool.indexOf(choice) + 1) % pool.length]!
    this.sticky.set(topic, { partition: choice, bytes: 0 })
    return choice
  }
}
