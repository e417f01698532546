/**
 * Carries the coordinator's markers to partition leaders (Kafka's TransactionMarkerChannelManager):
 * partitions this broker leads are written in-process, the others through one WriteTxnMarkers v1
 * connection per leader over the inter-broker listener. A failed connection answers every
 * partition it carried with NETWORK_EXCEPTION, which the coordinator retries.
 */
import type { InterBrokerConnections } from '../cluster/inter-broker-connections.js'
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/messages/write-txn-markers.js'
import type { MarkerResult, TxnMarker } from '../replication/txn-marker-writer.js'

const WRITE_TXN_MARKERS_VERSION = 1

export interface TransactionMarkerChannelOptions {
  brokerId: number
  /** To the other leaders, over the inter-broker listener. */
  connections: InterBrokerConnections
  writeLocal: (marker: TxnMarker) => Promise<MarkerResult[]>
  log: Logger
}

export class TransactionMarkerChannel {
  constructor (private readonly options: TransactionMarkerChannelOptions) {}

  /** Sends the marker to `leader` for its partitions; every partition gets an answer. */
  async send (leader: number, marker: TxnMarker): Promise<MarkerResult[]> {
    if (leader === this.options.brokerId) return await this.options.writeLocal(marker)
    try {
      const connection = await this.options.connections.get(leader)
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
      this.options.connections.drop(leader)
      return marker.partitions.map(p => ({ ...p, errorCode: ErrorCode.NETWORK_EXCEPTION }))
    }
  }

  close (): void {
    this.options.connections.close()
  }
}
