/**
 * The registry: every API this project has schemas for, by key. The server looks requests up here,
 * and ApiVersions is derived from what is registered, so what is advertised cannot drift from what
 * can be decoded (Tansu does the same).
 */
import type { MessageDescriptor } from '../schema/index.js'
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from './add-offsets-to-txn.js'
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from './add-partitions-to-txn.js'
import { AlterClientQuotasRequest, AlterClientQuotasResponse } from './alter-client-quotas.js'
import { AlterConfigsRequest, AlterConfigsResponse } from './alter-configs.js'
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from './alter-partition-reassignments.js'
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from './alter-user-scram-credentials.js'
import { ApiVersionsRequest, ApiVersionsResponse } from './api-versions.js'
import { CreateAclsRequest, CreateAclsResponse } from './create-acls.js'
import { DeleteAclsRequest, DeleteAclsResponse } from './delete-acls.js'
import { DescribeAclsRequest, DescribeAclsResponse } from './describe-acls.js'
import { ControlledShutdownRequest, ControlledShutdownResponse } from './controlled-shutdown.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from './create-partitions.js'
import { CreateTopicsRequest, CreateTopicsResponse } from './create-topics.js'
import { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups.js'
import { DeleteRecordsRequest, DeleteRecordsResponse } from './delete-records.js'
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from './describe-log-dirs.js'
import { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics.js'
import { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from './describe-client-quotas.js'
import { DescribeClusterRequest, DescribeClusterResponse } from './describe-cluster.js'
import { DescribeConfigsRequest, DescribeConfigsResponse } from './describe-configs.js'
import { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups.js'
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from './describe-user-scram-credentials.js'
import { ElectLeadersRequest, ElectLeadersResponse } from './elect-leaders.js'
import { EndTxnRequest, EndTxnResponse } from './end-txn.js'
import { FetchRequest, FetchResponse } from './fetch.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator.js'
import { HeartbeatRequest, HeartbeatResponse } from './heartbeat.js'
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './incremental-alter-configs.js'
import { InitProducerIdRequest, InitProducerIdResponse } from './init-producer-id.js'
import { JoinGroupRequest, JoinGroupResponse } from './join-group.js'
import { LeaveGroupRequest, LeaveGroupResponse } from './leave-group.js'
import { ListGroupsRequest, ListGroupsResponse } from './list-groups.js'
import { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets.js'
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from './list-partition-reassignments.js'
import { MetadataRequest, MetadataResponse } from './metadata.js'
import { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit.js'
import { OffsetDeleteRequest, OffsetDeleteResponse } from './offset-delete.js'
import { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch.js'
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from './offset-for-leader-epoch.js'
import { ProduceRequest, ProduceResponse } from './produce.js'
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from './sasl-authenticate.js'
import { SaslHandshakeRequest, SaslHandshakeResponse } from './sasl-handshake.js'
import { SyncGroupRequest, SyncGroupResponse } from './sync-group.js'
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from './txn-offset-commit.js'
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from './write-txn-markers.js'

export interface ApiMessages {
  readonly apiKey: number
  readonly request: MessageDescriptor
  readonly response: MessageDescriptor
}

const PAIRS: Array<[MessageDescriptor, MessageDescriptor]> = [
  [ProduceRequest, ProduceResponse],
  [ControlledShutdownRequest, ControlledShutdownResponse],
  [ElectLeadersRequest, ElectLeadersResponse],
  [FetchRequest, FetchResponse],
  [ListOffsetsRequest, ListOffsetsResponse],
  [MetadataRequest, MetadataResponse],
  [OffsetCommitRequest, OffsetCommitResponse],
  [OffsetFetchRequest, OffsetFetchResponse],
  [FindCoordinatorRequest, FindCoordinatorResponse],
  [JoinGroupRequest, JoinGroupResponse],
  [HeartbeatRequest, HeartbeatResponse],
  [LeaveGroupRequest, LeaveGroupResponse],
  [SyncGroupRequest, SyncGroupResponse],
  [DescribeGroupsRequest, DescribeGroupsResponse],
  [ListGroupsRequest, ListGroupsResponse],
  [SaslHandshakeRequest, SaslHandshakeResponse],
  [ApiVersionsRequest, ApiVersionsResponse],
  [CreateTopicsRequest, CreateTopicsResponse],
  [DeleteTopicsRequest, DeleteTopicsResponse],
  [DeleteRecordsRequest, DeleteRecordsResponse],
  [DescribeLogDirsRequest, DescribeLogDirsResponse],
  [InitProducerIdRequest, InitProducerIdResponse],
  [OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse],
  [AddPartitionsToTxnRequest, AddPartitionsToTxnResponse],
  [AddOffsetsToTxnRequest, AddOffsetsToTxnResponse],
  [EndTxnRequest, EndTxnResponse],
  [WriteTxnMarkersRequest, WriteTxnMarkersResponse],
  [TxnOffsetCommitRequest, TxnOffsetCommitResponse],
  [DescribeConfigsRequest, DescribeConfigsResponse],
  [AlterConfigsRequest, AlterConfigsResponse],
  [SaslAuthenticateRequest, SaslAuthenticateResponse],
  [CreatePartitionsRequest, CreatePartitionsResponse],
  [DeleteGroupsRequest, DeleteGroupsResponse],
  [DescribeAclsRequest, DescribeAclsResponse],
  [CreateAclsRequest, CreateAclsResponse],
  [DeleteAclsRequest, DeleteAclsResponse],
  [IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse],
  [AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse],
  [ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse],
  [OffsetDeleteRequest, OffsetDeleteResponse],
  [DescribeClusterRequest, DescribeClusterResponse],
  [DescribeClientQuotasRequest, DescribeClientQuotasResponse],
  [AlterClientQuotasRequest, AlterClientQuotasResponse],
  [DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse],
  [AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse],
]

/** Registered APIs, ordered by key. */
export const apiMessages: readonly ApiMessages[] = PAIRS
  .map(([request, response]) => ({ apiKey: request.apiKey, request, response }))
  .sort((a, b) => a.apiKey - b.apiKey)

const BY_KEY = new Map(apiMessages.map(m => [m.apiKey, m]))

/** The schemas for an API key, or undefined when this project does not know the API. */
export function messagesFor (apiKey: number): ApiMessages | undefined {
  return BY_KEY.get(apiKey)
}
