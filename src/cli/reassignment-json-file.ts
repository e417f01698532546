/**
 * kafka-reassign-partitions' JSON files, as Kafka's ReassignPartitionsCommand reads and writes them:
 * the reassignment (`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],
 * "log_dirs":["any","any"]}]}`, log_dirs optional) and the topics to move (`{"version":1,
 * "topics":[{"topic":"t"}]}`). Version 1 (the default) only. Every problem is a UsageError naming
 * the flag, with Kafka's sentence where Kafka has one, found before anything is sent.
 */
import { UsageError } from '../errors.js'
import type { TopicPartition } from '../client/admin.js'

export interface PartitionReplicas extends TopicPartition { replicas: number[] }

const ANY_LOG_DIR = 'any'
const INT32_MAX = 0x7fffffff

/**
 * A reassignment file for --execute, --verify and --cancel. Kafka checks emptiness and duplicates
 * only for --execute (`forExecute`); --verify and --cancel take the file as it is.
 */
export function parseReassignmentJson (flag: string, text: string, forExecute: boolean): PartitionReplicas[] {
  const js = parseVersioned(flag, text)
  const partitions = js.partitions ?? []
  if (!Array.isArray(partitions)) throw new UsageError(`Option ${flag}: "partitions" must be an array`)
  const out = partitions.map((p: unknown, i: number): PartitionReplicas => {
    const where = `partitions[${i}]`
    if (!isObject(p)) throw new UsageError(`Option ${flag}: ${where} must be an object with "topic", "partition" and "replicas"`)
    if (typeof p.topic !== 'string' || p.topic === '') throw new UsageError(`Option ${flag}: ${where}.topic must be a non-empty string, got ${JSON.stringify(p.topic)}`)
    if (!isInt32(p.partition)) throw new UsageError(`Option ${flag}: ${where}.partition must be an integer from 0 to ${INT32_MAX}, got ${JSON.stringify(p.partition)}`)
    if (!Array.isArray(p.replicas) || !p.replicas.every(isInt32)) throw new UsageError(`Option ${flag}: ${where}.replicas must be an array of broker ids, got ${JSON.stringify(p.replicas)}`)
    const replicas = p.replicas as number[]
    const name = `${p.topic}-${p.partition as number}`
    if (p.log_dirs !== undefined) {
      if (!Array.isArray(p.log_dirs) || !p.log_dirs.every(d => typeof d === 'string')) throw new UsageError(`Option ${flag}: ${where}.log_dirs must be an array of strings, got ${JSON.stringify(p.log_dirs)}`)
      if (p.log_dirs.length !== replicas.length) throw new UsageError(`Option ${flag}: Size of replicas list [${replicas.join(', ')}] is different from size of log dirs list [${p.log_dirs.join(', ')}] for partition ${name}`)
      const moved = p.log_dirs.find(d => d !== ANY_LOG_DIR)
      // Kafka moves such a replica between the broker's log dirs (AlterReplicaLogDirs), which is not implemented here.
      if (moved !== undefined) throw new UsageError(`Option ${flag}: log dir "${moved as string}" for partition ${name}: moving replicas between log directories is not supported; use "any"`)
    }
    return { topic: p.topic, partition: p.partition as number, replicas }
  })
  if (!forExecute) return out
  if (out.length === 0) throw new UsageError(`Option ${flag}: Partition reassignment list cannot be empty`)
  if (out.some(p => p.replicas.length === 0)) throw new UsageError(`Option ${flag}: Partition replica list cannot be empty`)
  const partitionNames = duplicates(out.map(p => `${p.topic}-${p.partition}`))
  if (partitionNames.length > 0) throw new UsageError(`Option ${flag}: Partition reassignment contains duplicate topic partitions: ${partitionNames.join(',')}`)
  const repeated = out.map(p => ({ p, ids: duplicates(p.replicas) })).filter(d => d.ids.length > 0)
  if (repeated.length > 0) {
    throw new UsageError(`Option ${flag}: Partition replica lists may not contain duplicate entries: ${repeated.map(d => `${d.p.topic}-${d.p.partition} contains multiple entries for ${d.ids.join(',')}`).join('. ')}`)
  }
  return out
}

/** The topics file of --generate: the topic names, none twice. */
export function parseTopicsJson (flag: string, text: string): string[] {
  const js = parseVersioned(flag, text)
  const topics = js.topics ?? []
  if (!Array.isArray(topics)) throw new UsageError(`Option ${flag}: "topics" must be an array`)
  const names = topics.map((t: unknown, i: number) => {
    if (!isObject(t) || typeof t.topic !== 'string' || t.topic === '') throw new UsageError(`Option ${flag}: topics[${i}] must be an object with a non-empty "topic", got ${JSON.stringify(t)}`)
    return t.topic
  })
  if (names.length === 0) throw new UsageError(`Option ${flag}: the file names no topics to move`)
  const repeated = duplicates(names)
  if (repeated.length > 0) throw new UsageError(`Option ${flag}: List of topics to reassign contains duplicate entries: [${repeated.join(', ')}]`)
  return names
}

/** Kafka's formatAsReassignmentJson: partitions in topic, then partition order, every log dir "any". */
export function formatReassignmentJson (partitions: readonly PartitionReplicas[]): string {
  const sorted = [...partitions].sort(compareTopicPartitions)
  return JSON.stringify({ version: 1, partitions: sorted.map(p => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => ANY_LOG_DIR) })) })
}

/** Topic name (Java's String.compareTo: UTF-16 code units, as JS compares), then partition. */
export function compareTopicPartitions (a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}

function parseVersioned (flag: string, text: string): Record<string, unknown> {
  let js: unknown
  try {
    js = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`Option ${flag}: The input string is not a valid JSON: ${(err as Error).message}`)
  }
  if (!isObject(js)) throw new UsageError(`Option ${flag}: expected a JSON object with "version"`)
  const version = js.version ?? 1
  if (version !== 1) throw new UsageError(`Option ${flag}: Not supported version field value ${JSON.stringify(version)}`)
  return js
}

function duplicates<T> (items: readonly T[]): T[] {
  const seen = new Set<T>()
  const twice = new Set<T>()
  for (const i of items) (seen.has(i) ? twice : seen).add(i)
  return [...twice]
}

function isInt32 (value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= INT32_MAX
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
