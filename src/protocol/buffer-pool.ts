/**
 * Recycled memory for the large buffers records pass through: request frames, log reads for
 * Fetch, a follower's fetch responses. Every fresh Buffer lives outside V8's heap, and V8 answers
 * each 64 MB of such memory allocated since its last full collection with another full
 * collection, however small the heap: under RF=3 acks=all a broker ran 8-11 of them per million
 * records, all marking a 13 MB heap that had nothing to free (bench/README.md, "replication").
 * Kafka's producer keeps a pool of batch.size buffers for the same reason
 * (org.apache.kafka.clients.producer.internals.BufferPool), and its SocketServer takes request
 * buffers from a MemoryPool that the request handler releases (org.apache.kafka.common.memory).
 *
 * A buffer is only recycled by an explicit release from the one code path that knows its bytes are
 * no longer referenced (a Produce frame once its records are in the log, a Fetch's reads once its
 * response is written, a follower's response once appended). A buffer never released is ordinary
 * garbage, so any other user of the same frames stays correct without knowing about the pool.
 */
export class BufferPool {
  /** Free ArrayBuffers by capacity (powers of two). */
  private readonly free = new Map<number, ArrayBuffer[]>()
  /** Lent and not yet released: a second release, or a buffer the pool never lent, is ignored. */
  private readonly lent = new WeakSet<ArrayBuffer>()
  private freeBytes = 0

  /**
   * @param maxFreeBytes what the pool may keep unused (beyond it, released buffers are dropped)
   * @param minBytes smaller requests are plain allocations, which Node's own 8 KiB slab serves
   *   (Buffer.allocUnsafe takes from it below Buffer.poolSize / 2); from there up, every plain
   *   allocation would be an ArrayBuffer of its own
   * @param maxBytes larger requests are plain allocations, never kept; by default the largest the
   *   pool could keep. A consumer that raises max.partition.fetch.bytes to 16 MiB has each read of
   *   the log take a 32 MiB class: a fresh allocation there costs a page fault and a zeroed page per
   *   4 KiB on every fetch (bench/README.md, "Consumers that read 16 MiB per partition")
   */
  constructor (readonly maxFreeBytes: number, readonly minBytes = Buffer.poolSize >>> 1, readonly maxBytes = maxFreeBytes) {}

  /** `size` bytes, uninitialized: recycled when the pool has a buffer of its size class. */
  allocate (size: number): Buffer {
    if (size < this.minBytes || size > this.maxBytes) return Buffer.allocUnsafe(size)
    const capacity = 2 ** Math.ceil(Math.log2(size))
    let backing = this.free.get(capacity)?.pop()
    if (backing === undefined) backing = new ArrayBuffer(capacity)
    else this.freeBytes -= capacity
    this.lent.add(backing)
    return Buffer.from(backing, 0, size)
  }

  /** Gives a buffer from allocate (or any view of it) back; its bytes must no longer be read anywhere. */
  release (buffer: Buffer): void {
    const backing = buffer.buffer
    if (!(backing instanceof ArrayBuffer) || !this.lent.has(backing)) return
    this.lent.delete(backing)
    if (this.freeBytes + backing.byteLength > this.maxFreeBytes) return
    const list = this.free.get(backing.byteLength)
    if (list === undefined) this.free.set(backing.byteLength, [backing])
    else list.push(backing)
    this.freeBytes += backing.byteLength
  }

  /** Bytes kept for reuse now. */
  get freeBytesHeld (): number { return this.freeBytes }

  /**
   * An allocator for one request's buffers and the one release of them all, for a reader that may
   * allocate several times (a segment read that has to read again) before its answer goes out.
   */
  lease (): BufferLease {
    const taken: Buffer[] = []
    return {
      allocate: size => {
        const buffer = this.allocate(size)
        if (size >= this.minBytes) taken.push(buffer)
        return buffer
      },
      release: () => { for (const buffer of taken.splice(0)) this.release(buffer) },
    }
  }
}

export interface BufferLease {
  allocate: (size: number) => Buffer
  release: () => void
}

/**
 * The process's pool: brokers, followers and clients in one process share it. 32 MiB kept free at
 * most: a few dozen fetch responses of replica.fetch.max.bytes (1 MiB) in flight.
 */
export const networkBufferPool = new BufferPool(32 * 1024 * 1024)
