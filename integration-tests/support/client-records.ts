import assert from 'node:assert/strict'

/**
 * The records every client test sends, and the checks every client test makes on what it reads
 * back. Records travel between a test and a client program as JSON lines: a producer reads
 * `SampleRecord`s on stdin (and may print `Delivery`s), a consumer prints `ConsumedRecord`s.
 */
export interface SampleRecord {
  key: string | null
  value: string | null
  /** [name, value] pairs in order; UTF-8 strings. */
  headers: Array<[string, string]>
  /** CreateTime in ms. */
  timestamp: number
}

export interface ConsumedRecord extends SampleRecord {
  partition: number
  offset: number
}

export interface Delivery { key: string | null, partition: number, offset: number }

export const KEYS = 8

/** `count` keyed records over KEYS keys, with unique values, two headers each and distinct timestamps. */
export function sampleRecords (client: string, count = 40, { headers = true } = {}): SampleRecord[] {
  const base = Date.UTC(2024, 0, 1)
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${i % KEYS}`,
    value: `value-${i} from ${client} ✓ ${'x'.repeat(i)}`,
    headers: headers ? [['client', client], ['index', String(i)]] : [],
    timestamp: base + i * 1000,
  }))
}

export function toJsonLines (records: readonly SampleRecord[]): string {
  return records.map(r => JSON.stringify(r)).join('\n') + '\n'
}

export interface RoundTripExpectations {
  partitions: number
  /** false for clients or formats without headers (magic 0/1): none may come back. */
  headers: boolean
  /** 'exact': as sent; a window: CreateTime set by the client while producing; 'none': magic 0. */
  timestamps: 'exact' | 'none' | { min: number, max: number }
  /** What the producer reported per record, in send order, if it reports it. */
  deliveries?: readonly Delivery[]
}

/**
 * Every record came back exactly once with its key, value, headers and timestamp; records with the
 * same key share a partition; more than one partition is used; within a partition the records
 * sit at offsets 0.. in the order they were sent; reported deliveries match what was read.
 */
export function assertRoundTrip (sent: readonly SampleRecord[], received: readonly ConsumedRecord[], expect: RoundTripExpectations): void {
  assert.equal(received.length, sent.length, `read back ${received.length} records, sent ${sent.length}`)
  const sentIndex = new Map(sent.map((r, i) => [r.value, i]))
  const seen = new Set<number>()
  const partitionOfKey = new Map<string | null, number>()
  for (const r of received) {
    const i = sentIndex.get(r.value)
    assert.ok(i !== undefined, `read a record that was never sent: ${JSON.stringify(r)}`)
    assert.ok(!seen.has(i), `record ${i} read twice`)
    seen.add(i)
    const s = sent[i]!
    assert.equal(r.key, s.key, `key of record ${i}`)
    assert.deepEqual(r.headers, expect.headers ? s.headers : [], `headers of record ${i}`)
    const ts = expect.timestamps
    if (ts === 'exact') assert.equal(r.timestamp, s.timestamp, `timestamp of record ${i}`)
    else if (ts === 'none') assert.equal(r.timestamp, -1, `record ${i} has no timestamp (magic 0)`)
    else assert.ok(r.timestamp >= ts.min && r.timestamp <= ts.max, `timestamp ${r.timestamp} of record ${i} within the produce window ${ts.min}..${ts.max}`)
    assert.ok(Number.isInteger(r.partition) && r.partition >= 0 && r.partition < expect.partitions, `partition ${r.partition} of record ${i}`)
    const keyPartition = partitionOfKey.get(r.key)
    if (keyPartition === undefined) partitionOfKey.set(r.key, r.partition)
    else assert.equal(r.partition, keyPartition, `key ${r.key} went to partitions ${keyPartition} and ${r.partition}`)
  }
  assert.ok(new Set(partitionOfKey.values()).size > 1, `${KEYS} keys spread over more than one partition: ${JSON.stringify([...partitionOfKey])}`)
  const byPartition = new Map<number, ConsumedRecord[]>()
  for (const r of received) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r])
  for (const [partition, records] of byPartition) {
    records.sort((a, b) => a.offset - b.offset)
    assert.deepEqual(records.map(r => r.offset), records.map((_, i) => i), `offsets of partition ${partition} run 0..${records.length - 1}`)
    const order = records.map(r => sentIndex.get(r.value)!)
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `partition ${partition} keeps the send order`)
  }
  if (expect.deliveries !== undefined) {
    assert.equal(expect.deliveries.length, sent.length, 'one delivery report per record')
    const at = new Map(received.map(r => [`${r.partition}/${r.offset}`, r]))
    expect.deliveries.forEach((d, i) => {
      assert.equal(at.get(`${d.partition}/${d.offset}`)?.value, sent[i]!.value, `record ${i} was reported at ${d.partition}/${d.offset}`)
    })
  }
}
