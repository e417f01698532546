/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of record batch v2
 * (Message Format: Record Batch: it covers bytes [21, end of batch)). It runs on every produced batch.
 *
 * The native @node-rs/crc32 (SSE4.2, prebuilt per platform) measured 5.4 GB/s on 16 KiB batches
 * against 1.5 GB/s for the slicing-by-8 JS below (bench/README.md), so it is used when its
 * binary loads; the JS version stays for platforms without a prebuilt binary.
 */
import { createRequire } from 'node:module'

type NativeCrc32c = (input: Uint8Array, initialState?: number) => number

export const crc32c: (buf: Uint8Array, start?: number, end?: number) => number = chooseImplementation()

/** Slicing-by-8: eight 256-entry tables let each step consume 8 bytes with independent lookups. */
export function crc32cSoftware (buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = ~0
  let i = start
  const t = TABLES
  const end8 = end - ((end - i) & 7)
  while (i < end8) {
    const lo = (crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)))
    crc = t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + buf[i + 4]!]! ^
      t[2 * 256 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!
    i += 8
  }
  while (i < end) crc = t[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

const TABLES = buildTables()

function buildTables (): Int32Array {
  const t = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[s * 256 + n] = c
    }
  }
  return t
}

function chooseImplementation (): (buf: Uint8Array, start?: number, end?: number) => number {
  let native: NativeCrc32c
  try {
    native = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: NativeCrc32c }).crc32c
    if (native(Buffer.from('123456789')) !== 0xe3069283) return crc32cSoftware
  } catch {
    return crc32cSoftware
  }
  return (buf, start = 0, end = buf.length) =>
    native(start === 0 && end === buf.length ? buf : buf.subarray(start, end))
}
