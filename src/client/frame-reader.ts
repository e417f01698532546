/**
 * Splits a client connection's byte stream into Kafka's size-prefixed frames (a 4-byte big-endian
 * size, then that many bytes). Each read is copied into the frame it belongs to as it arrives, so
 * a read buffer is never kept: it is the one buffer all plain sockets read into (onread).
 *
 * A frame's buffer is allocated once its size is known and checked (as Kafka's NetworkReceive does
 * after maxSize), up to the buffer pool's largest class; a larger frame is gathered as copies of
 * the reads that bring it, so no more memory is held than bytes arrived.
 */
import { networkBufferPool } from '../protocol/buffer-pool.js'

export interface FrameReaderOptions {
  /** The frame's buffer, once its size is known. */
  allocate: (size: number) => Buffer
  /** A size the reader refuses: a reason to close with, or undefined to accept it. */
  refuse: (size: number) => string | undefined
  /** Called with the reason when a size is refused; nothing more is read after it. */
  onRefused: (reason: string) => void
  /** Called with each whole frame, in stream order. Return false to stop reading the current chunk (the connection failed). */
  onFrame: (frame: Buffer) => boolean
}

export class FrameReader {
  private readonly sizePrefix = Buffer.allocUnsafe(4)
  private sizeFilled = 0
  private frame?: Buffer
  private filled = 0
  /** A frame above the pool's largest size: copies of its pieces, and the bytes still to come. */
  private pieces?: Buffer[]
  private missing = 0
  /** Set once a size is refused: nothing more is read. */
  private stopped = false

  constructor (private readonly options: FrameReaderOptions) {}

  /** Takes one read; `chunk` is not used after the call returns. */
  push (chunk: Buffer): void {
    let at = 0
    while (at < chunk.length && !this.stopped) {
      if (this.frame === undefined && this.pieces === undefined) {
        const n = Math.min(4 - this.sizeFilled, chunk.length - at)
        chunk.copy(this.sizePrefix, this.sizeFilled, at, at + n)
        this.sizeFilled += n
        at += n
        if (this.sizeFilled < 4) return
        this.sizeFilled = 0
        const size = this.sizePrefix.readInt32BE(0)
        const refused = this.options.refuse(size)
        if (refused !== undefined) {
          this.stopped = true
          this.options.onRefused(refused)
          return
        }
        this.filled = 0
        if (size > networkBufferPool.maxBytes) {
          this.pieces = []
          this.missing = size
        } else this.frame = this.options.allocate(size)
        continue
      }
      let frame: Buffer
      if (this.pieces !== undefined) {
        const n = Math.min(this.missing, chunk.length - at)
        this.pieces.push(Buffer.from(chunk.subarray(at, at + n)))
        this.missing -= n
        at += n
        if (this.missing > 0) return
        frame = Buffer.concat(this.pieces)
        this.pieces = undefined
      } else {
        frame = this.frame!
        const n = Math.min(frame.length - this.filled, chunk.length - at)
        chunk.copy(frame, this.filled, at, at + n)
        this.filled += n
        at += n
        if (this.filled < frame.length) return
        this.frame = undefined
      }
      if (!this.options.onFrame(frame)) return
    }
  }
}
