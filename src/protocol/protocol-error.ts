/**
 * Bytes that do not parse as the protocol says (truncated frame, negative length, bad varint).
 * A RangeError, so callers that only know "the input was out of range" can still catch it; the
 * server closes or answers the one connection, never the process.
 */
export class ProtocolError extends RangeError {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ProtocolError'
  }
}
