/**
 * A cursor over one Buffer: the read half of every Kafka primitive type (the protocol guide's Protocol Primitive Types).
 * Byte fields come back as subarrays of the input, never copies, so a Produce request's records
 * stay a view of the frame they arrived in.
 */
import { ProtocolError } from '../protocol-error.js'
import { readInt64 } from './int64.js'
import { uuidFromBytes } from './uuid.js'

export class Reader {
  pos: number
  readonly end: number

  constructor (readonly buf: Buffer, start = 0, end = buf.length) {
    this.pos = start
    this.end = end
  }

  get remaining (): number { return this.end - this.pos }

  int8 (): number {
    const p = this.take(1)
    return this.buf.readInt8(p)
  }

  bool (): boolean {
    return this.buf[this.take(1)] !== 0
  }

  int16 (): number {
    return this.buf.readInt16BE(this.take(2))
  }

  uint16 (): number {
    return this.buf.readUInt16BE(this.take(2))
  }

  int32 (): number {
    return this.buf.readInt32BE(this.take(4))
  }

  uint32 (): number {
    return this.buf.readUInt32BE(this.take(4))
  }

  /** int64 as a number: exact to 2^53, the nearest number beyond; never throws (see int64.ts). */
  int64 (): number {
    return readInt64(this.buf, this.take(8))
  }

  /** int64 as a bigint, exact: for the fields whose values are compared for equality (broker epochs). */
  bigint64 (): bigint {
    return this.buf.readBigInt64BE(this.take(8))
  }

  float64 (): number {
    return this.buf.readDoubleBE(this.take(8))
  }

  /**
   * Unsigned base-128 varint, at most 5 bytes (32 bits). Most are one byte (a record's deltas,
   * lengths and counts), so that case is a function small enough for V8 to inline.
   */
  uvarint (): number {
    const p = this.pos
    if (p < this.end) {
      const b = this.buf[p]!
      if (b < 0x80) {
        this.pos = p + 1
        return b
      }
    }
    return this.multiByteUvarint()
  }

  private multiByteUvarint (): number {
    const buf = this.buf
    const end = this.end
    let p = this.pos
    let n = 0
    let mul = 1
    for (let i = 0; i < 5; i++) {
      const b = p < end ? buf[p++]! : this.truncated(i + 1)
      n += (b & 0x7f) * mul
      if (b < 0x80) {
        this.pos = p
        return n
      }
      mul *= 128
    }
    throw new ProtocolError(`uvarint at byte ${this.pos} is longer than 5 bytes`)
  }

  /** Zigzag varint (record lengths and deltas, Message Format: Record). */
  varint (): number {
    const n = this.uvarint()
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2
  }

  /**
   * Zigzag varlong as a number (timestamp deltas), at most 10 bytes: exact to 2^52, beyond it the
   * nearest number, as int64 fields (int64.ts), since a record may lie any distance from its batch's
   * base timestamp.
   */
  varlong (): number {
    const buf = this.buf
    const start = this.pos
    let p = start
    let n = 0
    let mul = 1
    for (let i = 0; ; i++) {
      if (i === 10) throw new ProtocolError(`varlong at byte ${start} is longer than 10 bytes`)
      const b = p < this.end ? buf[p++]! : this.truncated(i + 1)
      n += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) break
    }
    this.pos = p
    if (n <= Number.MAX_SAFE_INTEGER) return n % 2 === 0 ? n / 2 : -(n + 1) / 2
    // The sum above has rounded away the sign bit: decode again exactly, 64 bits as Kafka's ByteUtils.readVarlong keeps.
    let z = 0n
    for (let i = p - 1; i >= start; i--) z = (z << 7n) | BigInt(buf[i]! & 0x7f)
    z = BigInt.asUintN(64, z)
    return Number((z >> 1n) ^ -(z & 1n))
  }

  /** int16 length + UTF-8; null for length -1. */
  nullableString (): string | null {
    const len = this.int16()
    if (len < 0) {
      if (len === -1) return null
      throw new ProtocolError(`negative string length ${len}`)
    }
    return this.utf8(len)
  }

  string (): string {
    const s = this.nullableString()
    if (s === null) throw new ProtocolError(`null string at byte ${this.pos - 2} where null is not allowed`)
    return s
  }

  /** uvarint (length + 1) + UTF-8; null for 0. */
  compactNullableString (): string | null {
    const len = this.uvarint() - 1
    return len < 0 ? null : this.utf8(len)
  }

  compactString (): string {
    const s = this.compactNullableString()
    if (s === null) throw new ProtocolError(`null compact string at byte ${this.pos - 1} where null is not allowed`)
    return s
  }

  /** int32 length + bytes as a subarray; null for -1. */
  nullableBytes (): Buffer | null {
    const len = this.int32()
    if (len < 0) {
      if (len === -1) return null
      throw new ProtocolError(`negative bytes length ${len}`)
    }
    return this.raw(len)
  }

  bytes (): Buffer {
    const b = this.nullableBytes()
    if (b === null) throw new ProtocolError(`null bytes at byte ${this.pos - 4} where null is not allowed`)
    return b
  }

  compactNullableBytes (): Buffer | null {
    const len = this.uvarint() - 1
    return len < 0 ? null : this.raw(len)
  }

  compactBytes (): Buffer {
    const b = this.compactNullableBytes()
    if (b === null) throw new ProtocolError(`null compact bytes at byte ${this.pos - 1} where null is not allowed`)
    return b
  }

  /** 16 bytes in Kafka's text form (URL-safe base64, 22 chars), the form ZooKeeper and the CLI use. */
  uuid (): string {
    const p = this.take(16)
    return uuidFromBytes(this.buf, p)
  }

  /** The next n bytes as a view of the input. */
  raw (n: number): Buffer {
    const p = this.take(n)
    return this.buf.subarray(p, p + n)
  }

  skip (n: number): void {
    this.take(n)
  }

  /**
   * Guards an element count before allocating for it: each element takes at least one byte, so a
   * count above the bytes left is garbage (Kafka's "Tried to allocate a collection of size" check).
   */
  checkCount (count: number): number {
    if (count > this.end - this.pos) {
      throw new ProtocolError(`collection of ${count} elements at byte ${this.pos} exceeds the ${this.end - this.pos} bytes left`)
    }
    return count
  }

  /** Advances by n and returns where the n bytes start. */
  private take (n: number): number {
    const p = this.pos
    if (n < 0 || p + n > this.end) this.truncated(n)
    this.pos = p + n
    return p
  }

  private utf8 (len: number): string {
    const p = this.take(len)
    return this.buf.toString('utf8', p, p + len)
  }

  private truncated (n: number): never {
    throw new ProtocolError(`need ${n} bytes at byte ${this.pos}, only ${this.end - this.pos} left`)
  }
}
