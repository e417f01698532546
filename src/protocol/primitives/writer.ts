/**
 * The write half of the primitive types: a growable buffer that doubles when full. Large byte
 * fields (a Fetch response's records) are not copied: they are kept as separate chunks, and
 * `toChunks()` hands the pieces to socket.writev / cork+write.
 */
import { writeInt64 } from './int64.js'
import { uuidToBytes } from './uuid.js'

/** Below this, copying is cheaper than another chunk and another iovec entry. */
const ZERO_COPY_BYTES = 4096

export class Writer {
  private buf: Buffer
  private pos = 0
  /** Start of the bytes in `buf` not yet handed to `chunks`. */
  private start = 0
  private readonly chunks: Buffer[] = []
  private chunkedBytes = 0

  /** `initial`: a size, or a buffer to write into (producers reuse batch buffers: fresh big ones cost page faults). */
  constructor (initial: number | Buffer = 512) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(initial) : initial
  }

  /** Bytes written so far. */
  get length (): number { return this.chunkedBytes + this.pos - this.start }

  int8 (n: number): this {
    this.ensure(1)
    this.pos = this.buf.writeInt8(n, this.pos)
    return this
  }

  bool (b: boolean): this {
    this.ensure(1)
    this.buf[this.pos++] = b ? 1 : 0
    return this
  }

  int16 (n: number): this {
    this.ensure(2)
    this.pos = this.buf.writeInt16BE(n, this.pos)
    return this
  }

  uint16 (n: number): this {
    this.ensure(2)
    this.pos = this.buf.writeUInt16BE(n, this.pos)
    return this
  }

  int32 (n: number): this {
    this.ensure(4)
    this.pos = this.buf.writeInt32BE(n, this.pos)
    return this
  }

  uint32 (n: number): this {
    this.ensure(4)
    this.pos = this.buf.writeUInt32BE(n, this.pos)
    return this
  }

  /** Any integer number; beyond the int64 range it saturates (see int64.ts). */
  int64 (n: number): this {
    this.ensure(8)
    writeInt64(this.buf, this.pos, n)
    this.pos += 8
    return this
  }

  bigint64 (n: bigint): this {
    this.ensure(8)
    this.pos = this.buf.writeBigInt64BE(n, this.pos)
    return this
  }

  float64 (n: number): this {
    this.ensure(8)
    this.pos = this.buf.writeDoubleBE(n, this.pos)
    return this
  }

  uvarint (n: number): this {
    this.ensure(10)
    const buf = this.buf
    let p = this.pos
    while (n >= 0x80) {
      buf[p++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    buf[p++] = n
    this.pos = p
    return this
  }

  /** Zigzag; valid for the whole safe-integer range, so it serves varint and varlong alike. */
  varint (n: number): this {
    return this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1)
  }

  varlong (n: number): this {
    return this.varint(n)
  }

  nullableString (s: string | null): this {
    if (s === null) return this.int16(-1)
    const len = Buffer.byteLength(s)
    this.ensure(2 + len)
    this.pos = this.buf.writeInt16BE(len, this.pos)
    this.pos += this.buf.write(s, this.pos, len, 'utf8')
    return this
  }

  string (s: string): this {
    return this.nullableString(s)
  }

  compactNullableString (s: string | null): this {
    if (s === null) return this.uvarint(0)
    const len = Buffer.byteLength(s)
    this.uvarint(len + 1)
    this.ensure(len)
    this.pos += this.buf.write(s, this.pos, len, 'utf8')
    return this
  }

  compactString (s: string): this {
    return this.compactNullableString(s)
  }

  nullableBytes (b: Uint8Array | null): this {
    if (b === null) return this.int32(-1)
    return this.int32(b.length).raw(b)
  }

  bytes (b: Uint8Array): this {
    return this.nullableBytes(b)
  }

  compactNullableBytes (b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0)
    return this.uvarint(b.length + 1).raw(b)
  }

  compactBytes (b: Uint8Array): this {
    return this.compactNullableBytes(b)
  }

  uuid (text: string): this {
    this.ensure(16)
    uuidToBytes(text, this.buf, this.pos)
    this.pos += 16
    return this
  }

  /** Appends bytes as they are; big ones become a chunk of their own instead of a copy. */
  raw (b: Uint8Array): this {
    if (b.length >= ZERO_COPY_BYTES) {
      this.flushSegment()
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length))
      this.chunkedBytes += b.length
      return this
    }
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
    return this
  }

  /** Overwrites an int32 written earlier at `offset` (frame sizes, record-batch lengths). */
  patchInt32 (offset: number, n: number): this {
    const at = offset - this.chunkedBytes
    if (at >= 0) {
      this.buf.writeInt32BE(n, this.start + at)
      return this
    }
    const bytes = Buffer.allocUnsafe(4)
    bytes.writeInt32BE(n, 0)
    for (let i = 0; i < 4; i++) this.patchByte(offset + i, bytes[i]!)
    return this
  }

  /** The bytes written, as one Buffer (concatenated if big fields were kept apart). */
  toBuffer (): Buffer {
    if (this.chunks.length === 0) return this.buf.subarray(this.start, this.pos)
    return Buffer.concat(this.toChunks(), this.length)
  }

  /** The bytes written, as the pieces they are held in (for writev). */
  toChunks (): Buffer[] {
    const tail = this.buf.subarray(this.start, this.pos)
    return tail.length === 0 ? [...this.chunks] : [...this.chunks, tail]
  }

  private ensure (n: number): void {
    if (this.pos + n <= this.buf.length) return
    const used = this.pos - this.start
    let size = this.buf.length * 2
    while (size < used + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, this.start, this.pos)
    this.buf = next
    this.start = 0
    this.pos = used
  }

  private flushSegment (): void {
    if (this.pos === this.start) return
    this.chunks.push(this.buf.subarray(this.start, this.pos))
    this.chunkedBytes += this.pos - this.start
    this.start = this.pos
  }

  private patchByte (offset: number, byte: number): void {
    let base = 0
    for (const chunk of this.chunks) {
      if (offset < base + chunk.length) {
        chunk[offset - base] = byte
        return
      }
      base += chunk.length
    }
    this.buf[this.start + offset - base] = byte
  }
}
