/**
 * The partition leader's side of WriteTxnMarkers (Kafka's KafkaApis.handleWriteTxnMarkersRequest):
 * for each partition it leads, a commit or abort marker is appended as a control batch of the
 * producer's id and epoch and waited for as acks=all; a __consumer_offsets partition then hands
 * the producer's pending transactional offsets to the group coordinator. The handler serves remote
 * coordinators with it, the transaction coordinator calls it directly for partitions it leads.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import { delayedProduce } from './delayed-produce.js'
import type { ReplicaManager } from './replica-manager.js'

export interface TxnMarker {
  producerId: number
  producerEpoch: number
  commit: boolean
  coordinatorEpoch: number
  partitions: ReadonlyArray<{ topic: string, partition: number }>
}

export interface MarkerResult { topic: string, partition: number, errorCode: number }

export interface TxnMarkerWriterDeps {
  replicas: ReplicaManager
  metadata: MetadataCache
  /** A marker reached a partition of an internal topic and is replicated (the group coordinator's pending offsets). */
  onMarkerWritten: (topic: string, partition: number, producerId: number, commit: boolean) => void
  /** request.timeout.ms for the ISR wait. */
  timeoutMs: number
}

export async function writeTxnMarker (deps: TxnMarkerWriterDeps, marker: TxnMarker): Promise<MarkerResult[]> {
  return await Promise.all(marker.partitions.map(async ({ topic, partition: index }) => {
    const answer = (errorCode: number): MarkerResult => ({ topic, partition: index, errorCode })
    if (deps.replicas.isOffline(topic, index)) return answer(ErrorCode.KAFKA_STORAGE_ERROR)
    const partition = deps.replicas.partition(topic, index)
    if (partition === undefined) return answer(deps.metadata.partition(topic, index) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER)
    const appended = partition.appendMarkerAsLeader(marker.producerId, marker.producerEpoch, { commit: marker.commit, coordinatorEpoch: marker.coordinatorEpoch })
    if (appended.errorCode !== ErrorCode.NONE) return answer(appended.errorCode)
    const code = await delayedProduce(deps.replicas, partition, appended.lastOffset, deps.timeoutMs)
    if (code === ErrorCode.NONE) deps.onMarkerWritten(topic, index, marker.producerId, marker.commit)
    return answer(code)
  }))
}
