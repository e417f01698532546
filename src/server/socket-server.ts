import { createServer, type Server } from 'node:net'
import type { Endpoint } from '../config/listeners.js'
import type { Logger } from '../logger.js'
import { Connection } from './connection.js'
import type { Dispatcher } from './dispatcher.js'

/** One TCP listener per configured listener, each with its own dispatcher (Metadata is per listener). */
export class SocketServer {
  private readonly servers: Server[] = []
  private readonly connections = new Set<Connection>()

  constructor (private readonly maxRequestBytes: number, private readonly log: Logger) {}

  async listen (endpoint: Endpoint, dispatcher: Dispatcher): Promise<void> {
    const server = createServer(socket => {
      const connection = new Connection(socket, {
        maxRequestBytes: this.maxRequestBytes,
        maxInFlight: 100,
        handle: async (frame, conn) => await dispatcher.dispatch(frame, conn),
        log: this.log,
      })
      this.connections.add(connection)
      socket.on('close', () => this.connections.delete(connection))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: endpoint.host === '' ? undefined : endpoint.host, port: endpoint.port }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err: Error) => this.log.error('listener error', { listener: endpoint.listenerName, error: err.message }))
    this.servers.push(server)
    this.log.info('listening', { listener: endpoint.listenerName, host: endpoint.host, port: endpoint.port })
  }

  async close (): Promise<void> {
    for (const c of this.connections) c.socket.destroy()
    await Promise.all(this.servers.map(async s => await new Promise<void>(resolve => s.close(() => resolve()))))
  }
}
