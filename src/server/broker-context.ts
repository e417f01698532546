import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { ZkClient } from '../cluster/zk-session.js'
import type { Controller } from '../controller/controller.js'
import type { GroupCoordinator } from '../coordinator/group-coordinator.js'
import type { ProducerIdManager } from '../coordinator/producer-id-manager.js'
import type { TransactionCoordinator } from '../coordinator/transaction-coordinator.js'
import type { ClientQuotaManagers } from '../quota/client-quota-manager.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { MarkerResult, TxnMarker } from '../replication/txn-marker-writer.js'
import type { AclAuthorizer } from '../security/acl-authorizer.js'
import type { AddPartitionsToTxnManager } from './add-partitions-to-txn-manager.js'
import type { BrokerMetrics } from './broker-metrics.js'
import type { FetchManager } from './fetch-session.js'

/** What request handlers may use: the broker's identity, its cluster view and its partitions. */
export interface BrokerContext {
  brokerId: number
  clusterId: string
  config: KafkaConfig
  log: Logger
  zk: ZkClient
  metadata: MetadataCache
  replicas: ReplicaManager
  /** Incremental fetch sessions (KIP-227), max.incremental.fetch.session.cache.slots of them. */
  fetchManager: FetchManager
  /** The controller's side, answering only while this broker is the controller. */
  controller: Controller
  /** The group coordinator for the __consumer_offsets partitions this broker leads. */
  groups: GroupCoordinator
  /** Producer ids for InitProducerId, in blocks reserved in ZooKeeper. */
  producerIds: ProducerIdManager
  /** The transaction coordinator for the __transaction_state partitions this broker leads. */
  transactions: TransactionCoordinator
  /** Asks transaction coordinators whether a partition is in a producer's transaction (Produce, KIP-890). */
  transactionVerifier: AddPartitionsToTxnManager
  /** WriteTxnMarkers for the partitions this broker leads (the handler's and the local coordinator's). */
  writeTxnMarker: (marker: TxnMarker) => Promise<MarkerResult[]>
  /** (apiKey, min, max) served: ApiVersions answers from it. */
  supportedVersions: () => Array<{ apiKey: number, minVersion: number, maxVersion: number }>
  /** Client quotas (producer_byte_rate, consumer_byte_rate, request_percentage) from /config/clients and /config/users. */
  quotas: ClientQuotaManagers
  /** authorizer.class.name's AclAuthorizer; absent, every request is allowed. */
  authorizer?: AclAuthorizer
  /** Counts for /metrics; absent (and nothing counted) without metrics.listener. */
  metrics?: BrokerMetrics
}
