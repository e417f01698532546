/**
 * int64 as a number (STYLE: offsets and timestamps are numbers), for every place that reads or
 * writes one: the codec's Reader and Writer, record batch headers, the time index.
 *
 * Why no range check: Kafka accepts any CreateTime timestamp up to Long.MAX_VALUE (LogValidator
 * has no limit by default), and a client may send any int64 in any field. A reader that refused
 * values beyond 2^53 would fail, for good, every request that touches a partition holding one
 * (ListOffsets, the log cleaner, the coordinator's load), and a writer that refused them could not
 * answer with what was read. So:
 *
 *   - reading never throws: up to 2^53 the value is exact; beyond, it is the nearest number. That
 *     rounding is monotone, so comparisons, which is all the broker does with such values
 *     (ListOffsets by timestamp, retention, segment.ms, the time index's order), keep their
 *     answers, except that int64s closer together than a number can tell apart compare equal
 *     (2^10 apart at 2^62);
 *   - writing takes any integer number and saturates at the int64 bounds, so Long.MAX_VALUE, which
 *     reads as 2^63, goes back out as Long.MAX_VALUE: whatever the reader produced writes back,
 *     exactly when the value was a number to begin with.
 *
 * Where an exact value matters beyond 2^53 (a broker epoch is a ZooKeeper zxid, compared for
 * equality), the schema says `bigint64` instead and the value stays a bigint.
 */
import { ProtocolError } from '../protocol-error.js'

const TWO_32 = 4294967296
const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)

/** The int64 at `position`: exact to 2^53, else the nearest number (one rounding of the exact sum). */
export function readInt64 (buf: Buffer, position: number): number {
  return buf.readInt32BE(position) * TWO_32 + buf.readUInt32BE(position + 4)
}

/** Writes an integer number as an int64, saturating at Long.MIN_VALUE / Long.MAX_VALUE. */
export function writeInt64 (buf: Buffer, position: number, value: number): void {
  if (Number.isSafeInteger(value)) {
    const high = Math.floor(value / TWO_32)
    buf.writeInt32BE(high, position)
    buf.writeUInt32BE(value - high * TWO_32, position + 4)
    return
  }
  if (!Number.isInteger(value)) throw new ProtocolError(`int64 value ${value} is not an integer`)
  const exact = BigInt(value)
  buf.writeBigInt64BE(exact > INT64_MAX ? INT64_MAX : exact < INT64_MIN ? INT64_MIN : exact, position)
}
