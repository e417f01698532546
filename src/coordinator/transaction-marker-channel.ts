/**
 * Carries the coordinator's markers to partition leaders (Kafka's TransactionMarkerChannelManager):
 * partitions this broker leads are written in-process, the others through one WriteTxnMarkers v1
 * connection per leader over the inter-broker listener. A failed connection answers every
 * partition it carried with NETWORK_EXCEPTION, which the coordinator retries.
 */
import { Connection } from '../client/connection.js'
import type { ClientSecurity } from '../config/listener-security.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/messages/write-txn-markers.js'
import type { MarkerResult, TxnMarker } from '../replication/txn-marker-writer.js'

const WRITE_TXN_MARKERS_VERSION = 1

export interface TransactionMarkerChannelOptions {
  brokerId: number
  metadata: MetadataCache
  listenerName: string
  security?: ClientSecurity
  requestTimeoutMs: number
  writeLocal: (marker: TxnMarker) => Promise<MarkerResult[]>
  log: Logger
}

export class TransactionMarkerChannel {
  private readonly connections = new Map<number, Promise<Connection>>()

  constructor (private readonly options: TransactionMarkerChannelOptions) {}

  /** Sends the marker to `leader` for its partitions; every partition gets an answer. */
  async send (leader: number, marker: TxnMarker): Promise<MarkerResult[]> {
    if (leader === this.options.brokerId) return await this.options.writeLocal(marker)
    try {
      const connection = await this.connect(leader)
      const byTopic = new Map<string, number[]>()
      for (const p of marker.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
      const response = await connection.send(WriteTxnMarkersRequest, WriteTxnMarkersResponse, WRITE_TXN_MARKERS_VERSION, {
        markers: [{
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          transactionResult: marker.commit,
          coordinatorEpoch: marker.coordinatorEpoch,
          topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        }],
      })
      const answered = new Map<string, number>()
      for (const m of response.markers) for (const t of m.topics) for (const p of t.partitions) answered.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode)
      return marker.partitions.map(p => ({ ...p, errorCode: answered.get(`${p.topic}\u0000${p.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR }))
    } catch (err) {
      this.options.log.debug('sending transaction markers failed', { leader, error: (err as Error).message })
      this.drop(leader)
      return marker.partitions.map(p => ({ ...p, errorCode: ErrorCode.NETWORK_EXCEPTION }))
    }
  }

  close (): void {
    for (const id of [...this.connections.keys()]) this.drop(id)
  }

  private async connect (leader: number): Promise<Connection> {
    let pending = this.connections.get(leader)
    if (pending !== undefined) {
      const c = await pending.catch(() => undefined)
      if (c?.isOpen === true) return c
      this.connections.delete(leader)
    }
    const endpoint = this.options.metadata.broker(leader)?.endpoints.find(e => e.listenerName === this.options.listenerName)
    if (endpoint === undefined) throw new Error(`broker ${leader} has no ${this.options.listenerName} endpoint`)
    const c = new Connection(endpoint, { clientId: `broker-${this.options.brokerId}-txn-marker-sender`, connectTimeoutMs: 5000, requestTimeoutMs: this.options.requestTimeoutMs, security: this.options.security })
    pending = c.connect().then(() => c)
    this.connections.set(leader, pending)
    return await pending
  }

  private drop (leader: number): void {
    const pending = this.connections.get(leader)
    this.connections.delete(leader)
    void pending?.then(c => c.close(), () => {})
  }
}
