/**
 * The admin client (Java's Admin): topics, replicas and leaders, configs, users' SCRAM
 * credentials, client quotas, ACLs, partitions' logs, the cluster, and transactions. As Kafka's
 * KafkaAdminClient hands each API to its own handler, each concept's requests live in its own
 * module (topic-admin, replica-admin, config-admin, ...) and Admin is the one object callers hold.
 * Per-topic and per-resource outcomes come back as values (one bad topic does not fail its
 * neighbours); only a failure of the whole call throws.
 */
import { abortTransaction, describeProducers, describeTransactions, listTransactions, type AbortTransactionSpec, type PartitionProducerState, type TransactionDescription, type TransactionListing } from './transaction-admin.js'
import { createAcls, deleteAcls, describeAcls } from './acl-admin.js'
import { alterClientQuotas, describeClientQuotas, type ClientQuotaAlteration, type ClientQuotaEntry, type ClientQuotaFilterComponent } from './client-quota-admin.js'
import { commonClientSchema, parseClientConfig, type ClientProperties } from './client-config.js'
import type { BrokerNode, TopicMetadata } from './cluster-metadata.js'
import { describeConfigs, incrementalAlterConfigs, type ConfigChange, type ConfigResource, type ConfigResult } from './config-admin.js'
import { KafkaClient } from './kafka-client.js'
import { deleteRecords, describeLogDirs, type DeletedRecords, type LogDirDescription, type RecordsToDelete } from './log-admin.js'
import { alterPartitionReassignments, electPreferredLeaders, listPartitionReassignments, type PartitionReassignment } from './replica-admin.js'
import { alterUserScramCredentials, describeUserScramCredentials, type UserScramCredentialAlteration, type UserScramCredentialsDescription } from './scram-credential-admin.js'
import { createPartitions, createTopics, deleteTopics, describeTopics, listTopics, type NewTopic, type TopicResult } from './topic-admin.js'
import type { AclBinding, AclBindingFilter } from '../security/acl-binding.js'

export interface AdminOptions {
  /** For the whole call, retries included (default.api.timeout.ms otherwise). */
  timeoutMs?: number
  validateOnly?: boolean
}

export interface TopicPartition { topic: string, partition: number }

export interface ClusterDescription { clusterId: string | null, controllerId: number, brokers: BrokerNode[] }

export interface TopicPartitionRef { topic: string, partition: number }

export class Admin {
  readonly client: KafkaClient
  /** Keys nobody knows, from the properties given (the tools warn about them). */
  readonly unknownKeys: string[]

  constructor (properties: ClientProperties) {
    const { values, unknownKeys } = parseClientConfig(commonClientSchema, properties)
    this.client = new KafkaClient(values)
    this.unknownKeys = unknownKeys
  }

  async createTopics (topics: NewTopic[], options?: AdminOptions): Promise<TopicResult[]> {
    return await createTopics(this.client, topics, options)
  }

  async deleteTopics (names: string[], options?: AdminOptions): Promise<TopicResult[]> {
    return await deleteTopics(this.client, names, options)
  }

  async createPartitions (topics: Array<{ name: string, count: number, assignments?: number[][] }>, options?: AdminOptions): Promise<TopicResult[]> {
    return await createPartitions(this.client, topics, options)
  }

  async listTopics (options?: { includeInternal?: boolean } & AdminOptions): Promise<string[]> {
    return await listTopics(this.client, options)
  }

  async describeTopics (names: string[] | null, options?: AdminOptions): Promise<TopicMetadata[]> {
    return await describeTopics(this.client, names, options)
  }

  async electPreferredLeaders (partitions: Array<{ topic: string, partition: number }> | null, options?: AdminOptions): Promise<Array<{ topic: string, partition: number, errorCode: number, errorMessage: string | null }>> {
    return await electPreferredLeaders(this.client, partitions, options)
  }

  async alterPartitionReassignments (reassignments: ReadonlyArray<TopicPartition & { replicas: number[] | null }>, options?: AdminOptions): Promise<Array<TopicPartition & { errorCode: number, errorMessage: string | null }>> {
    return await alterPartitionReassignments(this.client, reassignments, options)
  }

  async listPartitionReassignments (partitions?: readonly TopicPartition[] | null, options?: AdminOptions): Promise<PartitionReassignment[]> {
    return await listPartitionReassignments(this.client, partitions, options)
  }

  async describeCluster (options: AdminOptions = {}): Promise<ClusterDescription> {
    return await this.client.retry('DescribeCluster', async () => {
      await this.client.refreshMetadata([])
      const m = this.client.metadata
      return { clusterId: m.clusterId, controllerId: m.controllerId, brokers: [...m.brokers.values()].sort((a, b) => a.nodeId - b.nodeId) }
    }, { timeoutMs: options.timeoutMs })
  }

  async describeConfigs (resources: ConfigResource[], options?: AdminOptions & { keys?: string[] }): Promise<ConfigResult[]> {
    return await describeConfigs(this.client, resources, options)
  }

  async incrementalAlterConfigs (changes: Array<{ resource: ConfigResource, changes: ConfigChange[] }>, options?: AdminOptions): Promise<Array<ConfigResource & { errorCode: number, errorMessage: string | null }>> {
    return await incrementalAlterConfigs(this.client, changes, options)
  }

  async describeUserScramCredentials (users: string[] | null, options?: AdminOptions): Promise<UserScramCredentialsDescription[]> {
    return await describeUserScramCredentials(this.client, users, options)
  }

  async alterUserScramCredentials (alterations: readonly UserScramCredentialAlteration[], options?: AdminOptions): Promise<Array<{ user: string, errorCode: number, errorMessage: string | null }>> {
    return await alterUserScramCredentials(this.client, alterations, options)
  }

  async describeClientQuotas (components: readonly ClientQuotaFilterComponent[], strict: boolean, options?: AdminOptions): Promise<ClientQuotaEntry[]> {
    return await describeClientQuotas(this.client, components, strict, options)
  }

  async alterClientQuotas (alterations: readonly ClientQuotaAlteration[], options?: AdminOptions & { validateOnly?: boolean }): Promise<Array<{ errorCode: number, errorMessage: string | null }>> {
    return await alterClientQuotas(this.client, alterations, options)
  }

  async createAcls (bindings: readonly AclBinding[], options?: AdminOptions): Promise<Array<{ errorCode: number, errorMessage: string | null }>> {
    return await createAcls(this.client, bindings, options)
  }

  async describeAcls (filter: AclBindingFilter, options?: AdminOptions): Promise<AclBinding[]> {
    return await describeAcls(this.client, filter, options)
  }

  async deleteAcls (filters: readonly AclBindingFilter[], options?: AdminOptions): Promise<Array<{ errorCode: number, errorMessage: string | null, deleted: AclBinding[] }>> {
    return await deleteAcls(this.client, filters, options)
  }

  async deleteRecords (partitions: readonly RecordsToDelete[], options?: AdminOptions): Promise<DeletedRecords[]> {
    return await deleteRecords(this.client, partitions, options)
  }

  async describeLogDirs (brokerIds: readonly number[], topics?: Array<{ topic: string, partitions: number[] }> | null, options?: AdminOptions): Promise<Map<number, LogDirDescription[]>> {
    return await describeLogDirs(this.client, brokerIds, topics, options)
  }

  async describeTransactions (transactionalIds: readonly string[], options?: AdminOptions): Promise<TransactionDescription[]> {
    return await describeTransactions(this.client, transactionalIds, options)
  }

  async listTransactions (filters?: { states?: readonly string[], producerIds?: readonly number[], durationMs?: number }, options?: AdminOptions): Promise<Map<number, TransactionListing[]>> {
    return await listTransactions(this.client, filters, options)
  }

  async describeProducers (partitions: readonly TopicPartitionRef[], options?: AdminOptions & { brokerId?: number }): Promise<PartitionProducerState[]> {
    return await describeProducers(this.client, partitions, options)
  }

  async abortTransaction (spec: AbortTransactionSpec, options?: AdminOptions): Promise<void> {
    await abortTransaction(this.client, spec, options)
  }

  async close (): Promise<void> {
    await this.client.close()
  }
}
