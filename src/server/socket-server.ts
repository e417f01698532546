import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { Endpoint } from '../config/listeners.js'
import type { Logger } from '../logger.js'
import type { ChannelBuilder } from './channel-builder.js'
import { Connection } from './connection.js'
import type { BrokerConfig } from '../config/broker-config.js'
import { connectionLimits, normalizeAddress, type ConnectionQuotas } from './connection-quotas.js'
import type { Dispatcher } from './dispatcher.js'

export interface SocketServerOptions {
  /**
   * The broker's config at start: socket.request.max.bytes, connections.max.idle.ms,
   * socket.listen.backlog.size (the kernel's accept queue, and how many accepted sockets wait for
   * a slot), and the dynamic limits `quotas` was built from.
   */
  config: BrokerConfig
  quotas: ConnectionQuotas
  log: Logger
}

/** The dynamic keys ConnectionQuotas' limits come from (Kafka's SocketServer.ReconfigurableConfigs). */
const LIMIT_KEYS = ['max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides', 'max.connection.creation.rate'] as const

interface Listener {
  name: string
  server: Server
  /** Accepted sockets waiting for a slot under max.connections or for the creation rate, oldest first; unread meanwhile. */
  waiting: Socket[]
  /** The first waiting socket is already in the creation rates: it goes once the throttle is over. */
  headRecorded: boolean
  /** Set while the creation rate holds the listener back: it admits again when this fires. */
  throttle?: NodeJS.Timeout
  admit: (socket: Socket) => void
}

/**
 * One listener per configured listener, each with its own dispatcher (Metadata is per listener)
 * and its security protocol's channel: TLS around the socket, and SASL before any request.
 *
 * Every listener accepts plain TCP and counts the socket against the connection quotas before
 * anything is read from it, TLS handshake included (Kafka's Acceptor counts at accept too): a
 * socket over its address's limit is closed at once, and one over the broker-wide or its listener's
 * limit waits, unread, until a connection closes, as one over a creation rate waits for the rate to
 * come down. A TLS listener then hands the socket to its TLS server.
 */
export class SocketServer {
  private readonly listeners: Listener[] = []
  private readonly connections = new Map<Connection, string>()
  /** The dynamic limits' values in force, and the change being applied (host names resolve asynchronously). */
  private limitValues: unknown[]
  private limitsUpdate = Promise.resolve()

  constructor (private readonly options: SocketServerOptions) {
    this.limitValues = LIMIT_KEYS.map(k => options.config[k])
  }

  async listen (endpoint: Endpoint, dispatcher: Dispatcher, channel: ChannelBuilder): Promise<void> {
    const { log } = this.options
    const name = endpoint.listenerName
    const onSocket = (socket: Socket): void => {
      const connection = new Connection(socket, {
        maxRequestBytes: this.options.config['socket.request.max.bytes'],
        maxInFlight: 100,
        idleMs: this.options.config['connections.max.idle.ms'],
        handle: async (frame, conn) => authenticator === undefined || authenticator.complete
          ? await dispatcher.dispatch(frame, conn)
          : await authenticator.handle(frame, conn, async f => await dispatcher.dispatch(f, conn)),
        log,
      })
      this.connections.set(connection, name)
      socket.on('close', () => this.connections.delete(connection))
      let authenticator: ReturnType<ChannelBuilder['accept']>
      try {
        authenticator = channel.accept(connection)
      } catch (err) {
        // Kafka closes a connection whose principal cannot be built (no mapping rule applies)
        connection.close(`failed authentication: ${(err as Error).message}`)
      }
      // accepted paused (pauseOnConnect), so that nothing was read before the quotas allowed it
      socket.resume()
    }
    let admit = onSocket
    if (channel.tls !== undefined) {
      // Not listening itself: it gets each admitted socket as its 'connection' (Node's net.Server docs).
      const tls = createTlsServer(channel.tls, onSocket)
      // A failed TLS handshake (no or a wrong client certificate, a plaintext client) ends that socket only.
      tls.on('tlsClientError', (err: Error, socket: Socket) => log.info('TLS handshake failed', { listener: name, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, error: err.message }))
      admit = socket => tls.emit('connection', socket)
    }
    const server = createServer({ pauseOnConnect: true }, socket => this.accept(listener, socket))
    const listener: Listener = { name, server, waiting: [], headRecorded: false, admit }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: endpoint.host === '' ? undefined : endpoint.host, port: endpoint.port, backlog: this.options.config['socket.listen.backlog.size'] }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err: Error) => log.error('listener error', { listener: name, error: err.message }))
    this.listeners.push(listener)
    log.info('listening', { listener: name, securityProtocol: endpoint.securityProtocol, host: endpoint.host, port: endpoint.port })
  }

  /**
   * Kafka's SocketServer.reconfigure, for a dynamic config change: max.connections,
   * max.connections.per.ip and its overrides and max.connection.creation.rate apply to the next
   * connection; waiting sockets may now be admitted, and a lowered max.connections closes what is over it.
   */
  reconfigure (values: BrokerConfig): void {
    const next = LIMIT_KEYS.map(k => values[k])
    if (next.every((x, i) => x === this.limitValues[i])) return
    this.limitValues = next
    const { quotas, log } = this.options
    this.limitsUpdate = this.limitsUpdate.then(async () => {
      quotas.set(await connectionLimits(values, log))
      log.info('connection limits changed', Object.fromEntries(LIMIT_KEYS.map(k => [k, values[k]])))
      for (const l of this.listeners) this.admitWaiting(l)
      this.closeExcessConnections()
    })
  }

  async close (): Promise<void> {
    for (const l of this.listeners) {
      clearTimeout(l.throttle)
      for (const s of l.waiting.splice(0)) s.destroy()
    }
    for (const c of this.connections.keys()) c.socket.destroy()
    await Promise.all(this.listeners.map(async l => await new Promise<void>(resolve => l.server.close(() => resolve()))))
  }

  private accept (listener: Listener, socket: Socket): void {
    // Kafka's Acceptor stops accepting at a limit and the kernel's queue holds the rest; here
    // they are accepted, and as many as socket.listen.backlog.size wait unread.
    if (listener.waiting.length >= this.options.config['socket.listen.backlog.size']) {
      // debug, as a flood would otherwise fill the log; Kafka's kernel queue drops them silently
      this.options.log.debug('connection dropped: socket.listen.backlog.size connections already wait for max.connections or the connection creation rate', { listener: listener.name, remote: normalizeAddress(socket.remoteAddress) })
      socket.destroy()
      return
    }
    listener.waiting.push(socket)
    socket.once('close', () => {
      const i = listener.waiting.indexOf(socket)
      if (i === 0) listener.headRecorded = false
      if (i >= 0) listener.waiting.splice(i, 1)
    })
    this.admitWaiting(listener)
  }

  /**
   * Admits the listener's waiting sockets in order while it has a slot and its creation rates
   * allow (Kafka's waitForConnectionSlot): a socket is recorded in the rates once, and when they
   * say wait, the listener waits that long, its socket first in line.
   */
  private admitWaiting (listener: Listener): void {
    const { quotas } = this.options
    while (listener.throttle === undefined && listener.waiting.length > 0 && quotas.slotAvailable(listener.name)) {
      if (!listener.headRecorded) {
        listener.headRecorded = true
        const waitMs = quotas.recordConnection(listener.name, Date.now())
        if (waitMs > 0) {
          listener.throttle = setTimeout(() => {
            listener.throttle = undefined
            this.admitWaiting(listener)
          }, waitMs)
          return
        }
      }
      const socket = listener.waiting.shift()!
      listener.headRecorded = false
      if (!socket.destroyed) this.take(listener, socket)
    }
  }

  /** Counts the socket and admits it, or closes it when its address is at its limit (Kafka's TooManyConnectionsException). */
  private take (listener: Listener, socket: Socket): void {
    const { quotas, log } = this.options
    const address = normalizeAddress(socket.remoteAddress)
    const atLimit = quotas.inc(listener.name, address)
    if (atLimit !== undefined) {
      log.info(`Rejected connection from ${address}, address already has the configured maximum of ${atLimit} connections.`, { listener: listener.name })
      socket.destroy()
      return
    }
    socket.once('close', () => {
      quotas.dec(listener.name, address)
      for (const l of this.listeners) this.admitWaiting(l)
    })
    listener.admit(socket)
    this.closeExcessConnections()
  }

  /**
   * Kafka's Processor.closeExcessConnections: while the broker is over max.connections (the
   * inter-broker listener admitted past it, or the limit was lowered), the least recently used
   * connection of another listener is closed.
   */
  private closeExcessConnections (): void {
    const { quotas } = this.options
    // a connection closed but not yet uncounted (its socket's 'close' is still to come) already makes up for one
    let excess = quotas.excess()
    if (excess === 0) return
    const open: Connection[] = []
    for (const [c, name] of this.connections) {
      if (c.isClosed) excess--
      else if (!quotas.isProtected(name)) open.push(c)
    }
    if (excess <= 0) return
    open.sort((a, b) => a.lastActiveMs - b.lastActiveMs)
    for (const c of open.slice(0, excess)) c.close('max.connections reached: closing the least recently used connection', 'info')
  }
}
