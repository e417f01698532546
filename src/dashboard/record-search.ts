/**
 * The message browser's search: from a seek position (an offset, a timestamp, the beginning, the
 * end, or the last N of each partition), read a topic's partitions forward through the gateway's
 * shared fetch, a chunk of each in turn, keeping the records that pass the filters, until `limit`
 * records matched, every partition reached the log end it had when the search began, or a bound
 * was hit: MAX_SCAN_RECORDS records read or MAX_SCAN_MS spent. The answer says which offset ranges
 * were read, so a search that stopped early shows what it did not look at.
 */
import safeRegex from 'safe-regex2'
import type { SharedFetch } from '../gateway/shared-fetch.js'
import { readChunk, type ReadRecord } from './partition-reader.js'

export const MAX_SCAN_RECORDS = 100_000
export const MAX_SCAN_MS = 3000
export const MAX_RESULTS = 500
const EARLIEST = -2
const LATEST = -1

export type Seek = { kind: 'beginning' } | { kind: 'end' } | { kind: 'offset', offset: number } | { kind: 'timestamp', timestampMs: number } | { kind: 'last', count: number }

export interface RecordFilter { field: 'key' | 'value' | 'header', name?: string, op: 'contains' | 'equals' | 'regex', text: string }

export interface SearchRequest { topic: string, partitions?: number[], seek: Seek, limit: number, filters: RecordFilter[] }

export interface ScannedRange { partition: number, from: number, to: number, end: number }

export interface SearchResult {
  records: Array<{ partition: number, offset: number, timestamp: number, key: string | null, value: string | null, headers: Array<{ name: string, value: string | null }> }>
  /** Per partition: [from, to) was read; `end` was its log end when the search began. */
  scanned: ScannedRange[]
  scannedRecords: number
  /** Every partition was read to `end`. */
  complete: boolean
  /** Why it stopped before that: enough matches, or a bound. */
  stoppedBy?: 'limit' | 'records' | 'time'
  limits: { records: number, ms: number }
}

export interface SearchSource {
  fetch: SharedFetch
  partitionCount: (topic: string) => number
  offsetsAt: (tps: Array<{ topic: string, partition: number }>, timestamp: number) => Promise<Map<string, number>>
}

/** Parses a search's JSON body; a problem names the field. Regexes with nested repetition are refused, as the gateway's pattern subscriptions refuse them. */
export function parseSearch (topic: string, body: Record<string, unknown>): SearchRequest | { problem: string } {
  const seek = body['seek'] as Record<string, unknown> | undefined
  const int = (v: unknown, min: number): number | undefined => typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : undefined
  let parsed: Seek
  switch (seek?.['kind']) {
    case 'beginning': case 'end': parsed = { kind: seek['kind'] }; break
    case 'offset': { const o = int(seek['offset'], 0); if (o === undefined) return { problem: '"seek.offset" must be an offset (an integer >= 0)' }; parsed = { kind: 'offset', offset: o }; break }
    case 'timestamp': { const t = int(seek['timestampMs'], 0); if (t === undefined) return { problem: '"seek.timestampMs" must be milliseconds since the epoch' }; parsed = { kind: 'timestamp', timestampMs: t }; break }
    case 'last': { const n = int(seek['count'], 1); if (n === undefined || n > MAX_RESULTS) return { problem: `"seek.count" must be from 1 to ${MAX_RESULTS}` }; parsed = { kind: 'last', count: n }; break }
    default: return { problem: '"seek.kind" must be "beginning", "end", "offset", "timestamp" or "last"' }
  }
  const limit = body['limit'] === undefined ? 100 : int(body['limit'], 1)
  if (limit === undefined || limit > MAX_RESULTS) return { problem: `"limit" must be from 1 to ${MAX_RESULTS}` }
  const partitions = body['partitions']
  if (partitions !== undefined && (!Array.isArray(partitions) || partitions.length > 100_000 || partitions.some(p => int(p, 0) === undefined))) return { problem: '"partitions" must be a list of partition numbers' }
  const rawFilters = body['filters'] ?? []
  if (!Array.isArray(rawFilters) || rawFilters.length > 10) return { problem: '"filters" must be a list of at most 10 filters' }
  const filters: RecordFilter[] = []
  for (const [i, f] of (rawFilters as Array<Record<string, unknown>>).entries()) {
    const field = f?.['field']
    const op = f?.['op']
    const text = f?.['text']
    if (field !== 'key' && field !== 'value' && field !== 'header') return { problem: `"filters[${i}].field" must be "key", "value" or "header"` }
    if (op !== 'contains' && op !== 'equals' && op !== 'regex') return { problem: `"filters[${i}].op" must be "contains", "equals" or "regex"` }
    if (typeof text !== 'string' || text.length > 1000) return { problem: `"filters[${i}].text" must be a string of at most 1,000 characters` }
    const name = f['name']
    if (field === 'header' && (typeof name !== 'string' || name === '')) return { problem: `"filters[${i}].name" must name the header` }
    if (op === 'regex') {
      try {
        new RegExp(text) // only to see that it compiles
      } catch (err) {
        return { problem: `"filters[${i}].text" is not a regular expression: ${(err as Error).message}` }
      }
      if (!safeRegex(text)) return { problem: `"filters[${i}].text" has nested repetition that could take exponential time; simplify it` }
    }
    filters.push({ field, op, text, ...(field === 'header' ? { name: name as string } : {}) })
  }
  return { topic, seek: parsed, limit, filters, ...(partitions !== undefined ? { partitions: partitions as number[] } : {}) }
}

/** Key, value and header values are matched as UTF-8 text. */
function matcher (filters: readonly RecordFilter[]): (r: ReadRecord) => boolean {
  const tests = filters.map(f => {
    const re = f.op === 'regex' ? new RegExp(f.text) : undefined
    const ok = (bytes: Buffer | null): boolean => {
      if (bytes === null) return false
      const s = bytes.toString('utf8')
      return f.op === 'equals' ? s === f.text : f.op === 'contains' ? s.includes(f.text) : re!.test(s)
    }
    if (f.field === 'key') return (r: ReadRecord) => ok(r.key)
    if (f.field === 'value') return (r: ReadRecord) => ok(r.value)
    return (r: ReadRecord) => r.headers.some(h => h.key === f.name && ok(h.value))
  })
  return r => tests.every(t => t(r))
}

export async function searchRecords (source: SearchSource, req: SearchRequest): Promise<SearchResult> {
  const started = Date.now()
  const count = source.partitionCount(req.topic)
  const partitions = (req.partitions ?? Array.from({ length: count }, (_, i) => i)).filter(p => p < count)
  const tps = partitions.map(partition => ({ topic: req.topic, partition }))
  const k = (p: number): string => `${req.topic}\u0000${p}`
  const [starts, ends] = await Promise.all([source.offsetsAt(tps, EARLIEST), source.offsetsAt(tps, LATEST)])
  let from: Map<string, number>
  switch (req.seek.kind) {
    case 'beginning': from = starts; break
    case 'end': from = ends; break
    case 'offset': { const o = req.seek.offset; from = new Map(partitions.map(p => [k(p), o])); break }
    case 'last': { const n = req.seek.count; from = new Map(partitions.map(p => [k(p), Math.max(starts.get(k(p)) ?? 0, (ends.get(k(p)) ?? 0) - n)])); break }
    case 'timestamp': {
      const at = await source.offsetsAt(tps, req.seek.timestampMs)
      from = new Map(partitions.map(p => [k(p), (at.get(k(p)) ?? -1) < 0 ? ends.get(k(p)) ?? 0 : at.get(k(p))!]))
    }
  }
  const ranges: ScannedRange[] = partitions.map(p => {
    const start = Math.max(from.get(k(p)) ?? 0, starts.get(k(p)) ?? 0)
    const end = Math.max(0, ends.get(k(p)) ?? 0)
    return { partition: p, from: Math.min(start, end), to: Math.min(start, end), end }
  })
  const matches = matcher(req.filters)
  const found: ReadRecord[] = []
  let scannedRecords = 0
  let stoppedBy: SearchResult['stoppedBy']
  let open = ranges.filter(r => r.to < r.end)
  while (open.length > 0 && stoppedBy === undefined) {
    for (const r of open) {
      if (found.length >= req.limit) { stoppedBy = 'limit'; break }
      if (scannedRecords >= MAX_SCAN_RECORDS) { stoppedBy = 'records'; break }
      const left = MAX_SCAN_MS - (Date.now() - started)
      if (left <= 0) { stoppedBy = 'time'; break }
      const { records, nextOffset } = await readChunk(source.fetch, req.topic, r.partition, r.to, left)
      for (const rec of records) {
        if (rec.offset >= r.end) break
        scannedRecords++
        if (found.length < req.limit && matches(rec)) found.push(rec)
      }
      // a chunk may end past the log end we began with: what lies beyond is not part of this search
      r.to = Math.min(Math.max(r.to, nextOffset), r.end)
    }
    open = open.filter(r => r.to < r.end)
  }
  found.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset)
  const b64 = (b: Buffer | null): string | null => b === null ? null : b.toString('base64')
  return {
    records: found.map(r => ({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: b64(r.key), value: b64(r.value), headers: r.headers.map(h => ({ name: h.key, value: b64(h.value) })) })),
    scanned: ranges,
    scannedRecords,
    complete: ranges.every(r => r.to >= r.end),
    ...(stoppedBy !== undefined && !ranges.every(r => r.to >= r.end) ? { stoppedBy } : {}),
    limits: { records: MAX_SCAN_RECORDS, ms: MAX_SCAN_MS },
  }
}
