/**
 * Kafka's murmur2 (Utils.murmur2 in the Java client): the hash that places a keyed record, so a
 * key lands in the partition every Java-compatible client picks (librdkafka's murmur2_random too).
 * Math.imul keeps the multiplications in 32-bit two's complement, as Java's int does.
 */
const SEED = 0x9747b28c
const M = 0x5bd1e995
const R = 24

/** The signed 32-bit hash, equal to Java's `Utils.murmur2(bytes)`. */
export function murmur2 (data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> R
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // Java's fall-through switch over the 1-3 trailing bytes
  const tail = length & ~3
  const left = length & 3
  if (left === 3) h ^= data[tail + 2]! << 16
  if (left >= 2) h ^= data[tail + 1]! << 8
  if (left >= 1) {
    h ^= data[tail]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Java's `Utils.toPositive(murmur2(key)) % numPartitions`. */
export function partitionForKey (key: Uint8Array, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions
}
