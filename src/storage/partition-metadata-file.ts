/** `partition.metadata`: the topic id a partition directory belongs to (KIP-516), as Kafka writes it. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { atomicWrite } from './atomic-write.js'

const FILE_NAME = 'partition.metadata'

export function readPartitionMetadata (partitionDir: string): { topicId: string } | null {
  let text: string
  try {
    text = readFileSync(join(partitionDir, FILE_NAME), 'utf8')
  } catch {
    return null
  }
  const topicId = /^topic_id: (\S+)$/m.exec(text)?.[1]
  return topicId === undefined ? null : { topicId }
}

export function writePartitionMetadata (partitionDir: string, topicId: string): void {
  atomicWrite(join(partitionDir, FILE_NAME), `version: 0\ntopic_id: ${topicId}\n`)
}
