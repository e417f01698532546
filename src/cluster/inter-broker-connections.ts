/**
 * One connection per broker over the inter-broker listener, opened on first use and reopened after
 * a failure (Kafka's InterBrokerSendThread keeps one NetworkClient per purpose: the transaction
 * marker sender and the AddPartitionsToTxn verification sender each have their own pool).
 */
import { Connection } from '../client/connection.js'
import type { ClientSecurity } from '../config/listener-security.js'
import type { MetadataCache } from './metadata-cache.js'

export interface InterBrokerConnectionsOptions {
  /** Named in each connection's client id, as Kafka's `broker-<id>-<purpose>` threads. */
  clientId: string
  metadata: MetadataCache
  listenerName: string
  security?: ClientSecurity
  requestTimeoutMs: number
}

export class InterBrokerConnections {
  private readonly connections = new Map<number, Promise<Connection>>()

  constructor (private readonly options: InterBrokerConnectionsOptions) {}

  /** The open connection to `brokerId`; throws when the broker or its listener is unknown or unreachable. */
  async get (brokerId: number): Promise<Connection> {
    let pending = this.connections.get(brokerId)
    if (pending !== undefined) {
      const c = await pending.catch(() => undefined)
      if (c?.isOpen === true) return c
      if (this.connections.get(brokerId) === pending) this.connections.delete(brokerId)
    }
    const endpoint = this.options.metadata.broker(brokerId)?.endpoints.find(e => e.listenerName === this.options.listenerName)
    if (endpoint === undefined) throw new Error(`broker ${brokerId} has no ${this.options.listenerName} endpoint`)
    const c = new Connection(endpoint, { clientId: this.options.clientId, connectTimeoutMs: 5000, requestTimeoutMs: this.options.requestTimeoutMs, security: this.options.security })
    pending = c.connect().then(() => c)
    this.connections.set(brokerId, pending)
    return await pending
  }

  /** After a failed request: the next one reconnects. */
  drop (brokerId: number): void {
    const pending = this.connections.get(brokerId)
    this.connections.delete(brokerId)
    void pending?.then(c => c.close(), () => {})
  }

  close (): void {
    for (const id of [...this.connections.keys()]) this.drop(id)
  }
}
