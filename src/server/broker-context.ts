import type { KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { ZkSession } from '../cluster/zk-session.js'
import type { PartitionLeadership } from '../controller/partition-leadership.js'
import type { GroupCoordinator } from '../coordinator/group-coordinator.js'
import type { ReplicaManager } from '../replication/replica-manager.js'

/** What request handlers may use: the broker's identity, its cluster view and its partitions. */
export interface BrokerContext {
  brokerId: number
  clusterId: string
  config: KafkaConfig
  log: Logger
  zk: ZkSession
  metadata: MetadataCache
  replicas: ReplicaManager
  /** The controller's side, answering only while this broker is the controller. */
  leadership: PartitionLeadership
  /** The group coordinator for the __consumer_offsets partitions this broker leads. */
  groups: GroupCoordinator
  /** (apiKey, min, max) served: ApiVersions answers from it. */
  supportedVersions: () => Array<{ apiKey: number, minVersion: number, maxVersion: number }>
}
