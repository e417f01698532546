/**
 * kafka-delete-records' --offset-json-file (Kafka's DeleteRecordsCommand.parseOffsetJsonStringWithoutDedup):
 * `{"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}`, version 1 (the default)
 * only; offset -1 means the high watermark. Every problem is a UsageError naming the flag and the
 * field, found before anything is sent.
 */
import { UsageError } from '../errors.js'
import type { RecordsToDelete } from '../client/log-admin.js'

const FLAG = 'offset-json-file'
const INT32_MAX = 0x7fffffff

export function parseOffsetJson (text: string): RecordsToDelete[] {
  let js: unknown
  try {
    js = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`Option ${FLAG}: the file is not valid JSON: ${(err as Error).message}`)
  }
  if (!isObject(js)) throw new UsageError(`Option ${FLAG}: expected a JSON object with "partitions" and "version"`)
  const version = js.version ?? 1
  if (version !== 1) throw new UsageError(`Option ${FLAG}: "version" ${JSON.stringify(version)} is not supported (only 1)`)
  if (js.partitions === undefined) throw new UsageError(`Option ${FLAG}: missing "partitions" field`)
  if (!Array.isArray(js.partitions)) throw new UsageError(`Option ${FLAG}: "partitions" must be an array`)
  const seen = new Set<string>()
  const duplicates: string[] = []
  const out = js.partitions.map((p: unknown, i: number): RecordsToDelete => {
    const where = `partitions[${i}]`
    if (!isObject(p)) throw new UsageError(`Option ${FLAG}: ${where} must be an object with "topic", "partition" and "offset"`)
    if (typeof p.topic !== 'string' || p.topic === '') throw new UsageError(`Option ${FLAG}: ${where}.topic must be a non-empty string, got ${JSON.stringify(p.topic)}`)
    if (!Number.isInteger(p.partition) || (p.partition as number) < 0 || (p.partition as number) > INT32_MAX) {
      throw new UsageError(`Option ${FLAG}: ${where}.partition must be an integer from 0 to ${INT32_MAX}, got ${JSON.stringify(p.partition)}`)
    }
    if (!Number.isSafeInteger(p.offset) || (p.offset as number) < -1) {
      throw new UsageError(`Option ${FLAG}: ${where}.offset must be an integer >= -1 (-1: the high watermark), got ${JSON.stringify(p.offset)}`)
    }
    const name = `${p.topic}-${p.partition as number}`
    if (seen.has(name)) duplicates.push(name)
    seen.add(name)
    return { topic: p.topic, partition: p.partition as number, offset: p.offset as number }
  })
  if (duplicates.length > 0) throw new UsageError(`Option ${FLAG}: Offset json file contains duplicate topic partitions: ${duplicates.join(',')}`)
  return out
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
