import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { Endpoint } from '../config/listeners.js'
import type { Logger } from '../logger.js'
import type { ChannelBuilder } from './channel-builder.js'
import { Connection } from './connection.js'
import type { Dispatcher } from './dispatcher.js'

/**
 * One listener per configured listener, each with its own dispatcher (Metadata is per listener)
 * and its security protocol's channel: TLS around the socket, and SASL before any request.
 */
export class SocketServer {
  private readonly servers: Server[] = []
  private readonly connections = new Set<Connection>()

  constructor (private readonly maxRequestBytes: number, private readonly log: Logger) {}

  async listen (endpoint: Endpoint, dispatcher: Dispatcher, channel: ChannelBuilder): Promise<void> {
    const onSocket = (socket: Socket): void => {
      const connection = new Connection(socket, {
        maxRequestBytes: this.maxRequestBytes,
        maxInFlight: 100,
        handle: async (frame, conn) => authenticator === undefined || authenticator.complete
          ? await dispatcher.dispatch(frame, conn)
          : await authenticator.handle(frame, conn, async f => await dispatcher.dispatch(f, conn)),
        log: this.log,
      })
      this.connections.add(connection)
      socket.on('close', () => this.connections.delete(connection))
      let authenticator: ReturnType<ChannelBuilder['accept']>
      try {
        authenticator = channel.accept(connection)
      } catch (err) {
        // Kafka closes a connection whose principal cannot be built (no mapping rule applies)
        connection.close(`failed authentication: ${(err as Error).message}`)
      }
    }
    const server = channel.tls === undefined ? createServer(onSocket) : createTlsServer(channel.tls, onSocket)
    // A failed TLS handshake (no or a wrong client certificate, a plaintext client) ends that socket only.
    server.on('tlsClientError', (err: Error, socket: Socket) => this.log.info('TLS handshake failed', { listener: endpoint.listenerName, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, error: err.message }))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: endpoint.host === '' ? undefined : endpoint.host, port: endpoint.port }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err: Error) => this.log.error('listener error', { listener: endpoint.listenerName, error: err.message }))
    this.servers.push(server)
    this.log.info('listening', { listener: endpoint.listenerName, securityProtocol: endpoint.securityProtocol, host: endpoint.host, port: endpoint.port })
  }

  async close (): Promise<void> {
    for (const c of this.connections) c.socket.destroy()
    await Promise.all(this.servers.map(async s => await new Promise<void>(resolve => s.close(() => resolve()))))
  }
}
