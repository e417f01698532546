/**
 * Record compression codecs (README 5.6). Node ships gzip only; snappy, lz4 and zstd need
 * third-party packages, so they are refused with a clear error. The broker itself never inflates
 * v2 batches; this serves clients, tests and the legacy message-set conversion.
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import { ProtocolError } from '../protocol-error.js'

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type Compression = (typeof Compression)[keyof typeof Compression]

const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export function compress (codec: number, data: Buffer): Buffer {
  if (codec === Compression.none) return data
  if (codec === Compression.gzip) return gzipSync(data)
  throw unsupported(codec)
}

export function decompress (codec: number, data: Buffer): Buffer {
  if (codec === Compression.none) return data
  if (codec === Compression.gzip) {
    try {
      return gunzipSync(data)
    } catch (err) {
      throw new ProtocolError('gzip payload does not inflate', { cause: err })
    }
  }
  throw unsupported(codec)
}

function unsupported (codec: number): ProtocolError {
  return new ProtocolError(`compression codec ${NAMES[codec] ?? codec} is not supported (only gzip is built in)`)
}
