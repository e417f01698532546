import type { Socket } from 'node:net'
import type { Logger } from '../logger.js'
import { ApiKey } from '../protocol/api-keys.js'
import { networkBufferPool } from '../protocol/buffer-pool.js'
import { ANONYMOUS, type KafkaPrincipal } from '../security/kafka-principal.js'

/**
 * What the dispatcher answers for one frame: bytes to send, or nothing (Produce with acks=0).
 * `written` runs once the socket has sent them (a Fetch's pooled read buffers are then free).
 */
export type Reply = (Buffer[] & { written?: () => void }) | null

export interface ConnectionOptions {
  maxRequestBytes: number
  /** Stop reading the socket while this many requests await their turn (backpressure). */
  maxInFlight: number
  /**
   * connections.max.idle.ms: a connection with nothing read or written for this long, and no request
   * awaiting its answer, is closed, as Kafka's Selector closes idle channels; 0 or less, never.
   */
  idleMs: number
  handle: (frame: Buffer, connection: Connection) => Promise<Reply>
  log: Logger
}

interface Slot { reply?: Reply, done: boolean }

/**
 * One client connection: splits the byte stream into size-prefixed frames, hands each to the
 * dispatcher at once (requests run concurrently), and writes replies strictly in request order,
 * as Kafka guarantees per connection. Garbage framing (negative size, above
 * socket.request.max.bytes) closes this connection with a log line and nothing else.
 */
export class Connection {
  private readonly chunks: Buffer[] = []
  private buffered = 0
  /** Bytes of the size prefix (while `inFrame` is false) or of the frame itself still to come. */
  private needed = 4
  /** A frame of exactly 4 bytes must not be taken for the next size prefix. */
  private inFrame = false
  private readonly slots: Slot[] = []
  private closed = false
  /** Set once the connection must end: no frame is read after it, and it closes when the replies before it are out. */
  private closingReason?: string
  readonly remote: string
  /** Who the requests act as: set by TLS client authentication or SASL (Kafka's session principal). */
  principal: KafkaPrincipal = ANONYMOUS
  /** The largest frame accepted now: sasl.server.max.receive.size until SASL completes, then socket.request.max.bytes. */
  maxFrameBytes: number
  /** Muted by a quota (KIP-219): no frame is read until the throttle time is over. */
  private throttledUntilMs = 0
  private unthrottleTimer?: NodeJS.Timeout
  /** When something was last read or written: which connection max.connections closes first (Kafka's lowestPriorityChannel). */
  lastActiveMs = Date.now()

  constructor (readonly socket: Socket, private readonly options: ConnectionOptions) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    this.maxFrameBytes = options.maxRequestBytes
    socket.setNoDelay(true)
    socket.on('data', (data: Buffer) => this.onData(data))
    socket.on('error', (err: Error) => options.log.debug('connection error', { remote: this.remote, error: err.message }))
    if (options.idleMs > 0) {
      socket.setTimeout(options.idleMs)
      socket.on('timeout', () => {
        // a client still waiting for an answer (a JoinGroup waits up to its rebalance timeout) is not idle
        if (this.slots.length > 0) socket.setTimeout(options.idleMs)
        else this.close(`idle for ${options.idleMs} ms (connections.max.idle.ms)`, 'debug')
      })
    }
    socket.on('close', () => {
      this.closed = true
      clearTimeout(this.unthrottleTimer)
    })
  }

  get isClosed (): boolean { return this.closed }
  /** socket.request.max.bytes: the frame limit once the connection is authenticated. */
  get maxRequestBytes (): number { return this.options.maxRequestBytes }

  close (reason: string, level: 'warn' | 'info' | 'debug' = 'warn'): void {
    if (this.closed) return
    this.closed = true
    this.options.log[level]('closing connection', { remote: this.remote, reason })
    this.socket.destroy()
  }

  /**
   * Reads no further frame and closes once every reply already due is written: a failed
   * authentication's answer reaches the client, and nothing after it is served.
   */
  closeAfterReplies (reason: string): void {
    if (this.closed || this.closingReason !== undefined) return
    this.closingReason = reason
    this.chunks.length = 0
    this.buffered = 0
    this.flush()
  }

  /**
   * A client over a quota (KIP-219): its replies, throttle time included, still go out, but the
   * channel is muted, nothing more read from it, for throttleTimeMs (Kafka's ThrottledChannel).
   * Frames it already sent wait in the socket, so the client is held back even if it ignores the
   * throttle time. A later throttle that ends sooner changes nothing.
   */
  throttle (throttleTimeMs: number): void {
    if (throttleTimeMs <= 0 || this.closed) return
    const until = Date.now() + throttleTimeMs
    if (until <= this.throttledUntilMs) return
    this.throttledUntilMs = until
    this.socket.pause()
    clearTimeout(this.unthrottleTimer)
    this.unthrottleTimer = setTimeout(() => {
      this.throttledUntilMs = 0
      this.readFrames()
      this.resumeIfRoom()
    }, throttleTimeMs)
  }

  private get throttled (): boolean { return this.throttledUntilMs !== 0 }

  private onData (data: Buffer): void {
    if (this.closingReason !== undefined) return
    this.lastActiveMs = Date.now()
    this.chunks.push(data)
    this.buffered += data.length
    this.readFrames()
  }

  private readFrames (): void {
    while (!this.closed && !this.throttled && this.closingReason === undefined && this.buffered >= this.needed) {
      if (!this.inFrame) {
        const size = this.peekInt32()
        if (size < 0 || size > this.maxFrameBytes) {
          this.close(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} (${this.maxFrameBytes === this.options.maxRequestBytes ? 'socket.request.max.bytes' : 'sasl.server.max.receive.size before authentication'})`)
          return
        }
        this.take(4)
        this.needed = size
        this.inFrame = true
        if (size === 0) { this.close('empty frame'); return }
      } else {
        const frame = this.take(this.needed)
        this.needed = 4
        this.inFrame = false
        this.dispatch(frame)
      }
    }
  }

  private dispatch (frame: Buffer): void {
    const slot: Slot = { done: false }
    this.slots.push(slot)
    if (this.slots.length >= this.options.maxInFlight) this.socket.pause()
    this.options.handle(frame, this).then(reply => {
      slot.reply = reply
      slot.done = true
      this.flush()
    }, (err: unknown) => {
      // The dispatcher answers every error it can; reaching here means the frame was unanswerable.
      slot.done = true
      this.close(`unanswerable request: ${(err as Error).message}`)
    })
  }

  /** Writes every finished reply at the head of the queue; a later reply waits for earlier ones. */
  private flush (): void {
    let wrote = false
    while (this.slots.length > 0 && this.slots[0]?.done === true) {
      const slot = this.slots.shift() as Slot
      if (this.closed || slot.reply === null || slot.reply === undefined) continue
      if (!wrote) {
        this.socket.cork()
        wrote = true
        this.lastActiveMs = Date.now()
      }
      const reply = slot.reply
      const written = reply.written
      for (let i = 0; i < reply.length; i++) {
        this.socket.write(reply[i]!, written !== undefined && i === reply.length - 1 ? err => { if (err === undefined || err === null) written() } : undefined)
      }
    }
    if (wrote) process.nextTick(() => this.socket.uncork())
    if (this.closingReason !== undefined) {
      if (this.slots.length === 0 && !this.closed) {
        this.closed = true
        this.options.log.info('closing connection', { remote: this.remote, reason: this.closingReason })
        // end() sends what is written, then FIN; destroy() follows so a client that never reads cannot hold the socket
        this.socket.end(() => this.socket.destroy())
        setTimeout(() => this.socket.destroy(), 5000).unref()
      }
      return
    }
    this.resumeIfRoom()
  }

  private resumeIfRoom (): void {
    if (!this.closed && !this.throttled && this.closingReason === undefined && this.slots.length < this.options.maxInFlight && this.socket.isPaused()) this.socket.resume()
  }

  private peekInt32 (): number {
    const first = this.chunks[0] as Buffer
    if (first.length >= 4) return first.readInt32BE(0)
    return Buffer.concat(this.chunks, 4).readInt32BE(0)
  }

  /**
   * The next n buffered bytes; a subarray (no copy) when they lie in one chunk. A frame spanning
   * reads is copied once it is whole, not read by read as the client's FrameReader does: copying
   * eagerly let each 64 KiB read buffer be freed at once, and glibc then trimmed and regrew its
   * heap around them, 3-4x the page faults and ~30% more CPU per 10 KB record (bench/README.md).
   */
  private take (n: number): Buffer {
    this.buffered -= n
    const first = this.chunks[0] as Buffer
    if (first.length > n) {
      this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    if (first.length === n) {
      this.chunks.shift()
      return first
    }
    // A Produce spanning reads is copied into a pooled buffer, which Produce gives back once its
    // records are in the log; other frames get their exact size (a pooled buffer may be twice it).
    const out = first.length >= 2 && first.readInt16BE(0) === ApiKey.Produce ? networkBufferPool.allocate(n) : Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const c = this.chunks[0] as Buffer
      const used = Math.min(c.length, n - filled)
      c.copy(out, filled, 0, used)
      filled += used
      if (used === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(used)
    }
    return out
  }
}
