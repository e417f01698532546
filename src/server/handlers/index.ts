import type { ApiHandler } from '../api-handler.js'
import { handleAlterClientQuotas } from './alter-client-quotas.js'
import { handleAlterConfigs } from './alter-configs.js'
import { handleAlterPartitionReassignments } from './alter-partition-reassignments.js'
import { handleApiVersions } from './api-versions.js'
import { handleControlledShutdown } from './controlled-shutdown.js'
import { handleCreatePartitions } from './create-partitions.js'
import { handleCreateTopics } from './create-topics.js'
import { handleDeleteRecords } from './delete-records.js'
import { handleDeleteTopics } from './delete-topics.js'
import { handleDescribeClientQuotas } from './describe-client-quotas.js'
import { handleDescribeCluster } from './describe-cluster.js'
import { handleDescribeConfigs } from './describe-configs.js'
import { handleDescribeLogDirs } from './describe-log-dirs.js'
import { handleElectLeaders } from './elect-leaders.js'
import { handleFetch } from './fetch.js'
import { handleIncrementalAlterConfigs } from './incremental-alter-configs.js'
import { handleListOffsets } from './list-offsets.js'
import { handleListPartitionReassignments } from './list-partition-reassignments.js'
import { handleMetadata } from './metadata.js'
import { handleOffsetForLeaderEpoch } from './offset-for-leader-epoch.js'
import { handleProduce } from './produce.js'
import { handleFindCoordinator } from './find-coordinator.js'
import { handleJoinGroup } from './join-group.js'
import { handleSyncGroup } from './sync-group.js'
import { handleHeartbeat } from './heartbeat.js'
import { handleLeaveGroup } from './leave-group.js'
import { handleOffsetCommit } from './offset-commit.js'
import { handleOffsetFetch } from './offset-fetch.js'
import { handleDescribeGroups } from './describe-groups.js'
import { handleListGroups } from './list-groups.js'
import { handleDeleteGroups } from './delete-groups.js'
import { handleOffsetDelete } from './offset-delete.js'
import { handleInitProducerId } from './init-producer-id.js'
import { handleAddPartitionsToTxn } from './add-partitions-to-txn.js'
import { handleAddOffsetsToTxn } from './add-offsets-to-txn.js'
import { handleEndTxn } from './end-txn.js'
import { handleWriteTxnMarkers } from './write-txn-markers.js'
import { handleTxnOffsetCommit } from './txn-offset-commit.js'
import { handleDescribeProducers } from './describe-producers.js'
import { handleDescribeTransactions } from './describe-transactions.js'
import { handleListTransactions } from './list-transactions.js'
import { handleSaslAuthenticate } from './sasl-authenticate.js'
import { handleSaslHandshake } from './sasl-handshake.js'
import { handleAlterUserScramCredentials } from './alter-user-scram-credentials.js'
import { handleDescribeUserScramCredentials } from './describe-user-scram-credentials.js'
import { handleCreateAcls } from './create-acls.js'
import { handleDeleteAcls } from './delete-acls.js'
import { handleDescribeAcls } from './describe-acls.js'

/** The dispatch table: one handler per API; ApiVersions advertises exactly these. */
export const handlers: readonly ApiHandler[] = [
  handleProduce,
  handleFetch,
  handleListOffsets,
  handleMetadata,
  handleApiVersions,
  handleCreateTopics,
  handleDeleteTopics,
  handleDeleteRecords,
  handleDescribeLogDirs,
  handleCreatePartitions,
  handleDescribeCluster,
  handleOffsetForLeaderEpoch,
  handleControlledShutdown,
  handleElectLeaders,
  handleAlterPartitionReassignments,
  handleListPartitionReassignments,
  handleDescribeConfigs,
  handleAlterConfigs,
  handleIncrementalAlterConfigs,
  handleFindCoordinator,
  handleJoinGroup,
  handleSyncGroup,
  handleHeartbeat,
  handleLeaveGroup,
  handleOffsetCommit,
  handleOffsetFetch,
  handleDescribeGroups,
  handleListGroups,
  handleDeleteGroups,
  handleOffsetDelete,
  handleInitProducerId,
  handleAddPartitionsToTxn,
  handleAddOffsetsToTxn,
  handleEndTxn,
  handleWriteTxnMarkers,
  handleTxnOffsetCommit,
  handleDescribeProducers,
  handleDescribeTransactions,
  handleListTransactions,
  handleSaslHandshake,
  handleSaslAuthenticate,
  handleDescribeUserScramCredentials,
  handleAlterUserScramCredentials,
  handleDescribeClientQuotas,
  handleAlterClientQuotas,
  handleDescribeAcls,
  handleCreateAcls,
  handleDeleteAcls,
]
