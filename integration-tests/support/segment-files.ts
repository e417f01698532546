import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface StoredBatch {
  partition: number
  baseOffset: number
  magic: number
  /** attributes bits 0-2 (Message Format: Record Batch); 0 for none. */
  codec: number
  lastOffsetDelta: number
}

/**
 * The batches a broker wrote for `topic`, read straight from its segment files under `dataDir`
 * (`<topic>-<partition>/*.log`): what is on disk, whatever any API says. Kafka's layout: baseOffset
 * int64, batchLength int32 (bytes after it), partitionLeaderEpoch int32, magic int8, crc int32,
 * attributes int16, lastOffsetDelta int32.
 */
export function storedBatches (dataDir: string, topic: string): StoredBatch[] {
  const batches: StoredBatch[] = []
  for (const dir of readdirSync(dataDir).filter(d => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1)))) {
    const partition = Number(dir.slice(topic.length + 1))
    for (const file of readdirSync(join(dataDir, dir)).filter(f => f.endsWith('.log')).sort()) {
      const log = readFileSync(join(dataDir, dir, file))
      for (let pos = 0; pos + 27 <= log.length; pos += 12 + log.readInt32BE(pos + 8)) {
        batches.push({
          partition,
          baseOffset: Number(log.readBigInt64BE(pos)),
          magic: log.readInt8(pos + 16),
          codec: log.readInt16BE(pos + 21) & 0x07,
          lastOffsetDelta: log.readInt32BE(pos + 23),
        })
      }
    }
  }
  return batches
}
