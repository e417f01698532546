/**
 * One TCP connection to one broker. Requests are pipelined: each is written as soon as it is sent,
 * and responses are matched to requests in order (Kafka answers a connection's requests in the
 * order received), with the correlation id checked as a guard. A request that outlives its timeout
 * closes the connection, as Java's NetworkClient does: the stream's position would be unknown
 * otherwise. Every failure is a KafkaError, so callers decide on retries by the error table alone.
 */
import { connect, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import type { ClientSecurity, SslConfig } from '../config/listener-security.js'
import { clientTlsOptions } from '../security/ssl-factory.js'
import { FrameReader } from './frame-reader.js'
import { saslAuthenticate } from './sasl-client-authenticator.js'
import { decode } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { encodeRequestFrameChunks, readResponseHeader, responseHeaderVersion } from '../protocol/header.js'
import { networkBufferPool } from '../protocol/buffer-pool.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions.js'
import { Reader } from '../protocol/primitives/reader.js'
import type { Decoded, Infer, MessageDescriptor } from '../protocol/schema/index.js'
import { KafkaError } from '../errors.js'

export interface BrokerAddress { host: string, port: number }

export interface ConnectionOptions {
  clientId: string
  /** Kafka's socket.connection.setup.timeout.ms. */
  connectTimeoutMs: number
  /** Kafka's request.timeout.ms: how long a response may take (a long poll adds its wait). */
  requestTimeoutMs: number
  /** security.protocol with its ssl.* keys and SASL login; PLAINTEXT when absent. */
  security?: ClientSecurity
  /**
   * Kafka's connections.max.idle.ms (clients: 9 minutes, a minute before the broker's 10): a
   * connection with nothing sent or received for this long, and no request awaiting its answer, is
   * closed, so that the broker's own idle close never meets a request on its way. 0 or absent: never.
   */
  idleMs?: number
}

export interface SendOptions {
  /** Overrides requestTimeoutMs for this request (Fetch adds fetch.max.wait.ms). */
  timeoutMs?: number
  /** A request of the SASL exchange itself: it never waits for a re-authentication. */
  authentication?: boolean
}

/** Inclusive version range of one API as the broker advertised it. */
export interface VersionRange { min: number, max: number }

interface InFlight {
  correlationId: number
  response: MessageDescriptor
  version: number
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
  /** Resolve with the response and a release of its frame (sendReleasable). */
  releasable?: boolean
}

/** A response whose frame may be pooled: `release` gives it back once nothing reads the response's bytes. */
export interface Releasable<T> { response: T, release: () => void }

/**
 * Plain sockets read into this one buffer (net.connect's onread) instead of a new one per read:
 * every read is copied into its frame before the callback returns, so one buffer serves all.
 */
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024)

export class Connection {
  /** The broker's ApiVersions answer, by api key; filled in by `connect`. */
  readonly apiVersions = new Map<number, VersionRange>()
  private socket?: Socket
  private readonly inFlight: InFlight[] = []
  private nextCorrelationId = 0
  /** Answers come in request order: a frame is the oldest request's. Only a caller that releases its frame gets a pooled one (a pooled buffer may be twice the frame's size). */
  private readonly frames = new FrameReader({
    allocate: size => this.inFlight[0]?.releasable === true ? networkBufferPool.allocate(size) : Buffer.allocUnsafe(size),
    refuse: size => size < 4 ? `broker ${this.description} sent a frame of ${size} bytes` : undefined,
    onRefused: reason => this.fail(new KafkaError(ErrorCode.CORRUPT_MESSAGE, reason)),
    onFrame: frame => {
      this.onFrame(frame)
      return this.closedError === undefined
    },
  })
  private closedError?: KafkaError
  /** KIP-368: when this connection re-authenticates (85-95% into its SASL session, as Kafka's clients do); undefined: never. */
  private reauthenticateAtMs?: number
  /** The re-authentication under way: requests wait for it. */
  private reauthenticating?: Promise<void>
  /** Wakes the re-authentication once nothing is in flight. */
  private drained?: () => void

  constructor (readonly address: BrokerAddress, private readonly options: ConnectionOptions) {}

  get description (): string { return `${this.address.host}:${this.address.port}` }
  get inFlightCount (): number { return this.inFlight.length }
  get isOpen (): boolean { return this.socket !== undefined && this.closedError === undefined }

  /** Opens the socket (with TLS for SSL listeners), asks the broker which API versions it speaks, and authenticates for SASL ones. */
  async connect (): Promise<void> {
    const security = this.options.security
    const tls = security?.protocol === 'SSL' || security?.protocol === 'SASL_SSL'
    const socket = await openSocket(this.address, this.options.connectTimeoutMs, tls ? security?.ssl : undefined, chunk => this.frames.push(chunk))
    this.socket = socket
    socket.on('error', err => this.fail(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.description} failed: ${err.message}`, { cause: err })))
    socket.on('close', () => this.fail(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.description} was closed`)))
    const idleMs = this.options.idleMs ?? 0
    if (idleMs > 0) {
      socket.setTimeout(idleMs)
      socket.on('timeout', () => {
        if (this.inFlight.length > 0 || this.reauthenticating !== undefined) socket.setTimeout(idleMs)
        else this.fail(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.description} was closed after ${idleMs} ms idle (connections.max.idle.ms)`))
      })
    }
    // v0 is the one every broker answers; the ranges are all this client needs from it
    const versions = await this.send(ApiVersionsRequest, ApiVersionsResponse, 0, {})
    if (versions.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(versions.errorCode as ErrorCode, `broker ${this.description} refused ApiVersions`)
    }
    for (const k of versions.apiKeys) this.apiVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion })
    if (security?.protocol === 'SASL_PLAINTEXT' || security?.protocol === 'SASL_SSL') {
      if (security.sasl === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, `security.protocol ${security.protocol} needs sasl.mechanism and sasl.jaas.config`)
      this.scheduleReauthentication(await saslAuthenticate(this, security.sasl))
    }
  }

  private scheduleReauthentication (sessionLifetimeMs: number): void {
    this.reauthenticateAtMs = sessionLifetimeMs > 0 ? Date.now() + sessionLifetimeMs * (0.85 + Math.random() * 0.1) : undefined
  }

  /** Undefined, or what a request must wait for: the re-authentication under way, or started by this request when it is due. */
  private beforeSend (options: SendOptions): Promise<void> | undefined {
    if (options.authentication === true) return undefined
    if (this.reauthenticating !== undefined) return this.reauthenticating
    if (this.reauthenticateAtMs === undefined || Date.now() < this.reauthenticateAtMs) return undefined
    this.reauthenticateAtMs = undefined
    this.reauthenticating = this.reauthenticate().finally(() => { this.reauthenticating = undefined })
    return this.reauthenticating
  }

  /**
   * A second SASL exchange on the open connection (KIP-368), before the broker's session ends.
   * As Kafka's clients do, with nothing else in flight, so no other answer comes in between.
   */
  private async reauthenticate (): Promise<void> {
    while (this.inFlight.length > 0 && this.closedError === undefined) await new Promise<void>(resolve => { this.drained = resolve })
    if (this.closedError !== undefined) throw this.closedError
    try {
      this.scheduleReauthentication(await saslAuthenticate(this, this.options.security!.sasl!))
    } catch (err) {
      const error = err instanceof KafkaError ? err : new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `re-authentication to ${this.description} failed: ${(err as Error).message}`)
      this.fail(error)
      throw error
    }
  }

  /**
   * The highest version of `msg` that both sides speak, within the client's own [min, max];
   * UNSUPPORTED_VERSION when there is none.
   */
  version (msg: MessageDescriptor, min: number, max: number): number {
    const broker = this.apiVersions.get(msg.apiKey)
    const top = Math.min(max, broker?.max ?? -1)
    if (broker === undefined || top < Math.max(min, broker.min)) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION,
        `broker ${this.description} does not support ${msg.name} v${min}-${max} (it offers ${broker === undefined ? 'none' : `v${broker.min}-${broker.max}`})`)
    }
    return top
  }

  /** Sends one request and resolves with its decoded response. */
  async send<Req extends MessageDescriptor, Res extends MessageDescriptor> (
    request: Req, response: Res, version: number, value: Infer<Req>, options: SendOptions = {},
  ): Promise<Decoded<Res>> {
    return await this.request(request, response, version, value, options, false)
  }

  /**
   * As send, for a response whose record bytes the caller is done with soon (a follower appends
   * them): its frame comes from the network buffer pool, and `release` gives it back.
   */
  async sendReleasable<Req extends MessageDescriptor, Res extends MessageDescriptor> (
    request: Req, response: Res, version: number, value: Infer<Req>, options: SendOptions = {},
  ): Promise<Releasable<Decoded<Res>>> {
    return await this.request(request, response, version, value, options, true)
  }

  private async request<Req extends MessageDescriptor, Res extends MessageDescriptor, T> (
    request: Req, response: Res, version: number, value: Infer<Req>, options: SendOptions, releasable: boolean,
  ): Promise<T> {
    const wait = this.beforeSend(options)
    if (wait !== undefined) await wait
    const correlationId = this.write(request, version, value)
    return await new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs
      const timer = setTimeout(() => this.fail(new KafkaError(ErrorCode.REQUEST_TIMED_OUT,
        `${request.name} to ${this.description} got no response within ${timeoutMs} ms`)), timeoutMs)
      this.inFlight.push({ correlationId, response, version, resolve: resolve as (v: unknown) => void, reject, timer, releasable })
    })
  }

  /**
   * Sends a request that gets no response (Produce with acks=0); resolves once the socket has
   * written it, so the caller may then reuse the buffers the request held (a producer's batches).
   */
  async sendOneWay<Req extends MessageDescriptor> (request: Req, version: number, value: Infer<Req>): Promise<void> {
    const wait = this.beforeSend({})
    if (wait !== undefined) await wait
    await new Promise<void>((resolve, reject) => this.write(request, version, value, err => {
      if (err === undefined || err === null) resolve()
      else reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `${request.name} to ${this.description} was not written: ${err.message}`, { cause: err }))
    }))
  }

  /** Closes the socket; requests still waiting fail with NETWORK_EXCEPTION. */
  close (): void {
    this.fail(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.description} was closed by the client`))
  }

  /** `onWritten`: called when the socket is done with the frame's bytes (or failed to write them). */
  private write<Req extends MessageDescriptor> (request: Req, version: number, value: Infer<Req>, onWritten?: (err?: Error | null) => void): number {
    if (this.closedError !== undefined) throw this.closedError
    const socket = this.socket
    if (socket === undefined) throw new KafkaError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.description} is not open`)
    const correlationId = this.nextCorrelationId
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff
    const chunks = encodeRequestFrameChunks(request, { apiVersion: version, correlationId, clientId: this.options.clientId }, value)
    // corked, the pieces leave in one writev: big record batches are sent from where they lie
    socket.cork()
    for (let i = 0; i < chunks.length; i++) socket.write(chunks[i]!, i === chunks.length - 1 ? onWritten : undefined)
    socket.uncork()
    return correlationId
  }

  private onFrame (frame: Buffer): void {
    const pending = this.inFlight.shift()
    if (this.inFlight.length === 0 && this.drained !== undefined) {
      this.drained()
      this.drained = undefined
    }
    const reader = new Reader(frame)
    if (pending === undefined) {
      this.fail(new KafkaError(ErrorCode.CORRUPT_MESSAGE, `broker ${this.description} sent a response nobody asked for`))
      return
    }
    clearTimeout(pending.timer)
    try {
      const { correlationId } = readResponseHeader(reader, responseHeaderVersion(pending.response.apiKey, pending.version))
      if (correlationId !== pending.correlationId) {
        throw new Error(`correlation id ${correlationId} where ${pending.correlationId} was due`)
      }
      const response = decode(pending.response, pending.version, reader)
      pending.resolve(pending.releasable === true ? { response, release: () => networkBufferPool.release(frame) } : response)
    } catch (err) {
      const error = new KafkaError(ErrorCode.CORRUPT_MESSAGE, `bad ${pending.response.name} from ${this.description}: ${(err as Error).message}`, { cause: err })
      pending.reject(error)
      this.fail(error)
    }
  }

  private fail (err: KafkaError): void {
    if (this.closedError !== undefined) return
    this.closedError = err
    this.socket?.destroy()
    for (const pending of this.inFlight.splice(0)) {
      clearTimeout(pending.timer)
      pending.reject(err)
    }
    this.drained?.()
    this.drained = undefined
  }
}

/** `onData` gets every read; a plain socket's reads are views of sharedReadBuffer, valid during the call only. */
async function openSocket (address: BrokerAddress, timeoutMs: number, ssl: SslConfig | undefined, onData: (chunk: Buffer) => void): Promise<Socket> {
  return await new Promise((resolve, reject) => {
    const socket = ssl === undefined
      ? connect({ host: address.host, port: address.port, noDelay: true, onread: { buffer: sharedReadBuffer, callback: (n: number, buffer: Uint8Array) => { onData((buffer as Buffer).subarray(0, n)); return true } } })
      : connectTls({ ...clientTlsOptions(ssl, address.host), port: address.port }).setNoDelay(true).on('data', onData)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `could not connect to ${address.host}:${address.port} within ${timeoutMs} ms`))
    }, timeoutMs)
    // a TLS socket is ready for requests once its handshake is done, not at TCP connect
    socket.once(ssl === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', err => {
      clearTimeout(timer)
      reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `could not connect to ${address.host}:${address.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }))
    })
  })
}
