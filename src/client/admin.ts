/**
 * The admin client: topics (create, delete, list, describe, add partitions), configs (describe,
 * alter), users' SCRAM credentials, the cluster, and transactions (describe, list, producers'
 * state per partition, aborting a hanging one). In ZooKeeper mode CreateTopics, DeleteTopics and CreatePartitions go to
 * the controller; NOT_CONTROLLER is retriable, so a moved controller costs a metadata refresh and
 * a retry. Per-topic and per-resource outcomes come back as values (one bad topic does not fail
 * its neighbours); only a failure of the whole call throws.
 */
import { randomBytes } from 'node:crypto'
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../protocol/messages/alter-client-quotas.js'
import { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/alter-configs.js'
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../protocol/messages/alter-partition-reassignments.js'
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/messages/alter-user-scram-credentials.js'
import { CreateAclsRequest, CreateAclsResponse } from '../protocol/messages/create-acls.js'
import { DeleteAclsRequest, DeleteAclsResponse } from '../protocol/messages/delete-acls.js'
import { DescribeAclsRequest, DescribeAclsResponse } from '../protocol/messages/describe-acls.js'
import type { AclBinding, AclBindingFilter, AclOperation, AclPermissionType, PatternType, ResourceType as AclResourceType } from '../security/acl-binding.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/messages/create-partitions.js'
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/messages/create-topics.js'
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../protocol/messages/delete-records.js'
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/messages/delete-topics.js'
import { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../protocol/messages/describe-client-quotas.js'
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../protocol/messages/describe-configs.js'
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../protocol/messages/describe-log-dirs.js'
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/messages/describe-user-scram-credentials.js'
import { saltedPassword, scramMechanism, scramMechanismByType, scramMechanisms } from '../security/scram.js'
import { ElectLeadersRequest, ElectLeadersResponse } from '../protocol/messages/elect-leaders.js'
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/messages/incremental-alter-configs.js'
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../protocol/messages/list-partition-reassignments.js'
import { DescribeProducersRequest, DescribeProducersResponse } from '../protocol/messages/describe-producers.js'
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../protocol/messages/describe-transactions.js'
import { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/messages/list-transactions.js'
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/messages/write-txn-markers.js'
import { CoordinatorType, findCoordinator } from './coordinator-channel.js'
import { commonClientSchema, parseClientConfig, type ClientProperties } from './client-config.js'
import type { BrokerNode, TopicMetadata } from './cluster-metadata.js'
import { describeError, KafkaClient } from './kafka-client.js'
import { KafkaError } from '../errors.js'

export interface NewTopic {
  name: string
  /** -1: the broker's num.partitions (CreateTopics v4+). */
  numPartitions?: number
  /** -1: the broker's default.replication.factor. */
  replicationFactor?: number
  /** Broker ids per partition, partition 0 first; replaces numPartitions/replicationFactor. */
  replicaAssignment?: number[][]
  configs?: Record<string, string>
}

/** One log dir of a broker, as DescribeLogDirs answers it (-1 bytes: unknown, before v4). */
export interface LogDirDescription {
  logDir: string
  errorCode: number
  totalBytes: number
  usableBytes: number
  partitions: Array<{ topic: string, partition: number, size: number, offsetLag: number, isFuture: boolean }>
}

export interface TopicResult { name: string, errorCode: number, errorMessage: string | null }

export interface AdminOptions {
  /** For the whole call, retries included (default.api.timeout.ms otherwise). */
  timeoutMs?: number
  validateOnly?: boolean
}

/** Kafka's ConfigResource.Type values on the wire. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType]

export interface ConfigResource { type: ResourceType, name: string }

/** DescribeConfigs' config source (Kafka's ConfigSource ids). */
export const ConfigSource = {
  UNKNOWN: 0, DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5, DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const

export interface ConfigEntry {
  name: string
  value: string | null
  readOnly: boolean
  isSensitive: boolean
  source: number
  synonyms: Array<{ name: string, value: string | null, source: number }>
}

export interface ConfigResult extends ConfigResource { errorCode: number, errorMessage: string | null, entries: ConfigEntry[] }

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType ids). */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const
export interface ConfigChange { name: string, op: (typeof AlterConfigOp)[keyof typeof AlterConfigOp], value: string | null }

export interface RecordsToDelete { topic: string, partition: number, /** -1: the high watermark */ offset: number }
export interface DeletedRecords { topic: string, partition: number, lowWatermark: number, errorCode: number }

export interface UserScramCredentialsDescription {
  user: string
  errorCode: number
  errorMessage: string | null
  credentials: Array<{ mechanism: string, iterations: number }>
}

/** An upsertion (with password and iterations) or, without a password, a deletion of one mechanism's credential. */
/** A client quota entity's part: user or client-id, a null name for the default entity (Kafka's ClientQuotaEntity). */
export interface ClientQuotaEntityPart { entityType: string, entityName: string | null }
export interface ClientQuotaFilterComponent { entityType: string, match: string | null | undefined }
export interface ClientQuotaEntry { entity: ClientQuotaEntityPart[], values: Record<string, number> }
export interface ClientQuotaAlteration { entity: ClientQuotaEntityPart[], ops: Array<{ key: string, value: number | null }> }

export type UserScramCredentialAlteration =
  | { user: string, mechanism: string, iterations: number, password: string }
  | { user: string, mechanism: string, iterations?: undefined, password?: undefined }

export interface TopicPartition { topic: string, partition: number }
/** A partition's reassignment in progress (KIP-455): the full replica set, and who joins and leaves. */
export interface PartitionReassignment extends TopicPartition { replicas: number[], addingReplicas: number[], removingReplicas: number[] }

export interface ClusterDescription { clusterId: string | null, controllerId: number, brokers: BrokerNode[] }

export interface TopicPartitionRef { topic: string, partition: number }

/** ListTransactions' answer per id (Java's TransactionListing). */
export interface TransactionListing { transactionalId: string, producerId: number, state: string }

/** DescribeTransactions' answer (Java's TransactionDescription); errorCode NONE, or the id's error with the rest empty. */
export interface TransactionDescription {
  transactionalId: string
  errorCode: number
  coordinatorId: number
  /** Kafka's state names: Empty, Ongoing, PrepareCommit, ... */
  state: string
  producerId: number
  producerEpoch: number
  transactionTimeoutMs: number
  /** -1 when no transaction is under way. */
  transactionStartTimeMs: number
  topicPartitions: TopicPartitionRef[]
}

/** One producer in a partition's producer state (Java's ProducerState); -1 stands for "none". */
export interface ProducerState {
  producerId: number
  producerEpoch: number
  lastSequence: number
  lastTimestamp: number
  coordinatorEpoch: number
  currentTransactionStartOffset: number
}

export interface PartitionProducerState extends TopicPartitionRef { errorCode: number, errorMessage: string | null, activeProducers: ProducerState[] }

/** What Admin.abortTransaction writes (Java's AbortTransactionSpec). */
export interface AbortTransactionSpec extends TopicPartitionRef { producerId: number, producerEpoch: number, coordinatorEpoch: number }

/** Errors after which a partition's leader is looked up again (Kafka's AbortTransactionHandler and DescribeProducersHandler). */
const LEADER_MOVED = new Set<number>([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REPLICA_NOT_AVAILABLE, ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE])

export class Admin {
  readonly client: KafkaClient
  /** Keys nobody knows, from the properties given (the tools warn about them). */
  readonly unknownKeys: string[]

  constructor (properties: ClientProperties) {
    const { values, unknownKeys } = parseClientConfig(commonClientSchema, properties)
    this.client = new KafkaClient(values)
    this.unknownKeys = unknownKeys
  }

  async createTopics (topics: NewTopic[], options: AdminOptions = {}): Promise<TopicResult[]> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    return await this.onController('CreateTopics', timeoutMs, async conn => {
      const version = conn.version(CreateTopicsRequest, 0, 7)
      const response = await conn.send(CreateTopicsRequest, CreateTopicsResponse, version, {
        topics: topics.map(t => ({
          name: t.name,
          numPartitions: t.replicaAssignment !== undefined ? -1 : t.numPartitions ?? -1,
          replicationFactor: t.replicaAssignment !== undefined ? -1 : t.replicationFactor ?? -1,
          assignments: (t.replicaAssignment ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs,
        validateOnly: options.validateOnly ?? false,
      })
      return response.topics.map(t => ({ name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage }))
    })
  }

  async deleteTopics (names: string[], options: AdminOptions = {}): Promise<TopicResult[]> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    return await this.onController('DeleteTopics', timeoutMs, async conn => {
      const version = conn.version(DeleteTopicsRequest, 0, 5)
      const response = await conn.send(DeleteTopicsRequest, DeleteTopicsResponse, version, { topicNames: names, timeoutMs })
      return response.responses.map(r => ({ name: r.name ?? '', errorCode: r.errorCode, errorMessage: r.errorMessage }))
    })
  }

  /** Grows topics to `count` partitions; `assignments` gives broker ids for each new partition. */
  async createPartitions (topics: Array<{ name: string, count: number, assignments?: number[][] }>, options: AdminOptions = {}): Promise<TopicResult[]> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    return await this.onController('CreatePartitions', timeoutMs, async conn => {
      const version = conn.version(CreatePartitionsRequest, 0, 3)
      const response = await conn.send(CreatePartitionsRequest, CreatePartitionsResponse, version, {
        topics: topics.map(t => ({ name: t.name, count: t.count, assignments: t.assignments?.map(brokerIds => ({ brokerIds })) ?? null })),
        timeoutMs,
        validateOnly: options.validateOnly ?? false,
      })
      return response.results.map(r => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }))
    })
  }

  /**
   * Preferred leader election (ElectLeaders, on the controller) for the given partitions, or all of
   * them (null): per partition, NONE when elected, ELECTION_NOT_NEEDED when the preferred replica
   * already leads, PREFERRED_LEADER_NOT_AVAILABLE when it cannot.
   */
  async electPreferredLeaders (partitions: Array<{ topic: string, partition: number }> | null, options: AdminOptions = {}): Promise<Array<{ topic: string, partition: number, errorCode: number, errorMessage: string | null }>> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    return await this.onController('ElectLeaders', timeoutMs, async conn => {
      const version = conn.version(ElectLeadersRequest, 0, 2)
      const byTopic = new Map<string, number[]>()
      for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
      const response = await conn.send(ElectLeadersRequest, ElectLeadersResponse, version, {
        electionType: 0,
        topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
        timeoutMs,
      })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ElectLeaders failed: ${errorName(response.errorCode)}`)
      return response.replicaElectionResults.flatMap(t => t.partitionResult.map(r => ({ topic: t.topic, partition: r.partitionId, errorCode: r.errorCode, errorMessage: r.errorMessage })))
    })
  }

  /**
   * AlterPartitionReassignments (KIP-455, on the controller): per partition, its target replicas,
   * or null to cancel its reassignment in progress. Answers once the reassignments have started.
   */
  async alterPartitionReassignments (reassignments: ReadonlyArray<TopicPartition & { replicas: number[] | null }>, options: AdminOptions = {}): Promise<Array<TopicPartition & { errorCode: number, errorMessage: string | null }>> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    const byTopic = new Map<string, Array<{ partitionIndex: number, replicas: number[] | null }>>()
    for (const r of reassignments) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), { partitionIndex: r.partition, replicas: r.replicas }])
    return await this.onController('AlterPartitionReassignments', timeoutMs, async conn => {
      const version = conn.version(AlterPartitionReassignmentsRequest, 0, 0)
      const response = await conn.send(AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, version, {
        timeoutMs,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `AlterPartitionReassignments failed: ${response.errorMessage ?? errorName(response.errorCode)}`)
      return response.responses.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode, errorMessage: p.errorMessage })))
    })
  }

  /** ListPartitionReassignments (on the controller): the reassignments in progress among `partitions` (null: all). */
  async listPartitionReassignments (partitions: readonly TopicPartition[] | null = null, options: AdminOptions = {}): Promise<PartitionReassignment[]> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    const byTopic = new Map<string, number[]>()
    for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
    return await this.onController('ListPartitionReassignments', timeoutMs, async conn => {
      const version = conn.version(ListPartitionReassignmentsRequest, 0, 0)
      const response = await conn.send(ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, version, {
        timeoutMs,
        topics: partitions === null ? null : [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ListPartitionReassignments failed: ${response.errorMessage ?? errorName(response.errorCode)}`)
      return response.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })))
    })
  }

  /** Topic names, sorted; internal topics (__consumer_offsets) only when asked for. */
  async listTopics (options: { includeInternal?: boolean } & AdminOptions = {}): Promise<string[]> {
    const topics = await this.describeTopics(null, options)
    return topics.filter(t => options.includeInternal === true || !t.isInternal).map(t => t.name).sort()
  }

  /** Metadata for the named topics (null: all). Unknown names come back with their error code. */
  async describeTopics (names: string[] | null, options: AdminOptions = {}): Promise<TopicMetadata[]> {
    return await this.client.retry('Metadata', async () => {
      await this.client.refreshMetadata(names)
      const all = [...this.client.metadata.topics.values()]
      if (names === null) return all.sort((a, b) => a.name.localeCompare(b.name))
      return names.map(name => this.client.metadata.topics.get(name) ??
        { name, topicId: '', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, isInternal: false, partitions: [], available: [] })
    }, { timeoutMs: options.timeoutMs })
  }

  async describeCluster (options: AdminOptions = {}): Promise<ClusterDescription> {
    return await this.client.retry('DescribeCluster', async () => {
      await this.client.refreshMetadata([])
      const m = this.client.metadata
      return { clusterId: m.clusterId, controllerId: m.controllerId, brokers: [...m.brokers.values()].sort((a, b) => a.nodeId - b.nodeId) }
    }, { timeoutMs: options.timeoutMs })
  }

  /** DescribeConfigs; broker resources are asked of that broker, topics of any. */
  async describeConfigs (resources: ConfigResource[], options: AdminOptions & { keys?: string[] } = {}): Promise<ConfigResult[]> {
    const results: ConfigResult[] = []
    for (const [nodeId, group] of this.byTargetBroker(resources)) {
      const response = await this.client.retry('DescribeConfigs', async () => {
        const conn = nodeId === undefined ? await this.client.anyConnection() : await this.client.connectionTo(nodeId)
        const version = conn.version(DescribeConfigsRequest, 1, 4)
        return await conn.send(DescribeConfigsRequest, DescribeConfigsResponse, version, {
          resources: group.map(r => ({ resourceType: r.type, resourceName: r.name, configurationKeys: options.keys ?? null })),
          includeSynonyms: true,
        })
      }, { timeoutMs: options.timeoutMs, beforeRetry: async () => await this.client.refreshMetadata([]) })
      for (const r of response.results) {
        results.push({
          type: r.resourceType as ResourceType,
          name: r.resourceName,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          entries: r.configs.map(c => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            isSensitive: c.isSensitive,
            source: c.configSource,
            synonyms: c.synonyms.map(s => ({ name: s.name, value: s.value, source: s.source })),
          })),
        })
      }
    }
    return results
  }

  /**
   * IncrementalAlterConfigs; against a broker without it, the legacy AlterConfigs with the
   * current dynamic values merged (AlterConfigs replaces the whole set).
   */
  async incrementalAlterConfigs (changes: Array<{ resource: ConfigResource, changes: ConfigChange[] }>, options: AdminOptions = {}): Promise<Array<ConfigResource & { errorCode: number, errorMessage: string | null }>> {
    const out: Array<ConfigResource & { errorCode: number, errorMessage: string | null }> = []
    for (const [nodeId, group] of this.byTargetBroker(changes.map(c => ({ ...c.resource, changes: c.changes })))) {
      const responses = await this.client.retry('IncrementalAlterConfigs', async () => {
        const conn = nodeId === undefined ? await this.client.anyConnection() : await this.client.connectionTo(nodeId)
        if (conn.apiVersions.has(IncrementalAlterConfigsRequest.apiKey)) {
          const version = conn.version(IncrementalAlterConfigsRequest, 0, 1)
          const response = await conn.send(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, version, {
            resources: group.map(r => ({
              resourceType: r.type,
              resourceName: r.name,
              configs: r.changes.map(c => ({ name: c.name, configOperation: c.op, value: c.value })),
            })),
            validateOnly: options.validateOnly ?? false,
          })
          return response.responses
        }
        return await this.legacyAlterConfigs(group, options)
      }, { timeoutMs: options.timeoutMs, beforeRetry: async () => await this.client.refreshMetadata([]) })
      for (const r of responses) out.push({ type: r.resourceType as ResourceType, name: r.resourceName, errorCode: r.errorCode, errorMessage: r.errorMessage })
    }
    return out
  }

  /** DescribeUserScramCredentials (KIP-554): each user's mechanisms and iterations; null for every user. */
  async describeUserScramCredentials (users: string[] | null, options: AdminOptions = {}): Promise<UserScramCredentialsDescription[]> {
    const response = await this.client.retry('DescribeUserScramCredentials', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse, conn.version(DescribeUserScramCredentialsRequest, 0, 0), {
        users: users === null ? null : users.map(name => ({ name })),
      })
    }, { timeoutMs: options.timeoutMs })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, response.errorMessage ?? errorName(response.errorCode))
    return response.results.map(r => ({
      user: r.user,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      credentials: r.credentialInfos.map(c => ({ mechanism: scramMechanismByType(c.mechanism)?.name ?? `UNKNOWN(${c.mechanism})`, iterations: c.iterations })),
    }))
  }

  /**
   * AlterUserScramCredentials (KIP-554), as Java's Admin: the password is salted and hashed here
   * (a fresh random salt, Hi() with the iterations), so only the salted password travels.
   */
  async alterUserScramCredentials (alterations: readonly UserScramCredentialAlteration[], options: AdminOptions = {}): Promise<Array<{ user: string, errorCode: number, errorMessage: string | null }>> {
    const deletions: Array<{ name: string, mechanism: number }> = []
    const upsertions: Array<{ name: string, mechanism: number, iterations: number, salt: Buffer, saltedPassword: Buffer }> = []
    for (const a of alterations) {
      const m = scramMechanism(a.mechanism)
      if (m === undefined) throw new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${a.mechanism} (${scramMechanisms.map(x => x.name).join(', ')})`)
      if (a.password === undefined) deletions.push({ name: a.user, mechanism: m.type })
      else {
        const salt = randomBytes(m.keyBytes)
        upsertions.push({ name: a.user, mechanism: m.type, iterations: a.iterations, salt, saltedPassword: saltedPassword(m, a.password, salt, a.iterations) })
      }
    }
    const response = await this.client.retry('AlterUserScramCredentials', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse, conn.version(AlterUserScramCredentialsRequest, 0, 0), { deletions, upsertions })
    }, { timeoutMs: options.timeoutMs })
    return response.results.map(r => ({ user: r.user, errorCode: r.errorCode, errorMessage: r.errorMessage }))
  }

  /**
   * DescribeClientQuotas (KIP-546): the entities matching every component, each with its quota
   * values. A component's match: a name (exact), null (the default entity) or undefined (any name).
   * strict leaves out entities with a type no component names.
   */
  async describeClientQuotas (components: readonly ClientQuotaFilterComponent[], strict: boolean, options: AdminOptions = {}): Promise<ClientQuotaEntry[]> {
    const response = await this.client.retry('DescribeClientQuotas', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(DescribeClientQuotasRequest, DescribeClientQuotasResponse, conn.version(DescribeClientQuotasRequest, 0, 1), {
        components: components.map(c => ({ entityType: c.entityType, matchType: c.match === undefined ? 2 : c.match === null ? 1 : 0, match: c.match ?? null })),
        strict,
      })
    }, { timeoutMs: options.timeoutMs })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, response.errorMessage ?? errorName(response.errorCode))
    return (response.entries ?? []).map(e => ({ entity: e.entity.map(x => ({ entityType: x.entityType, entityName: x.entityName })), values: Object.fromEntries(e.values.map(v => [v.key, v.value])) }))
  }

  /** AlterClientQuotas (KIP-546): a value sets a key, null removes it; one outcome per entity, in order. */
  async alterClientQuotas (alterations: readonly ClientQuotaAlteration[], options: AdminOptions & { validateOnly?: boolean } = {}): Promise<Array<{ errorCode: number, errorMessage: string | null }>> {
    const response = await this.client.retry('AlterClientQuotas', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(AlterClientQuotasRequest, AlterClientQuotasResponse, conn.version(AlterClientQuotasRequest, 0, 1), {
        entries: alterations.map(a => ({ entity: a.entity, ops: a.ops.map(op => ({ key: op.key, value: op.value ?? 0, remove: op.value === null })) })),
        validateOnly: options.validateOnly ?? false,
      })
    }, { timeoutMs: options.timeoutMs })
    return response.entries.map(e => ({ errorCode: e.errorCode, errorMessage: e.errorMessage }))
  }

  /** CreateAcls: one outcome per binding, in order. */
  async createAcls (bindings: readonly AclBinding[], options: AdminOptions = {}): Promise<Array<{ errorCode: number, errorMessage: string | null }>> {
    const response = await this.client.retry('CreateAcls', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(CreateAclsRequest, CreateAclsResponse, conn.version(CreateAclsRequest, 1, 3), {
        creations: bindings.map(b => ({
          resourceType: b.pattern.resourceType, resourceName: b.pattern.name, resourcePatternType: b.pattern.patternType,
          principal: b.entry.principal, host: b.entry.host, operation: b.entry.operation, permissionType: b.entry.permissionType,
        })),
      })
    }, { timeoutMs: options.timeoutMs })
    return response.results.map(r => ({ errorCode: r.errorCode, errorMessage: r.errorMessage }))
  }

  /** DescribeAcls: every ACL the filter matches; the broker's error (SECURITY_DISABLED, CLUSTER_AUTHORIZATION_FAILED) is thrown. */
  async describeAcls (filter: AclBindingFilter, options: AdminOptions = {}): Promise<AclBinding[]> {
    const response = await this.client.retry('DescribeAcls', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(DescribeAclsRequest, DescribeAclsResponse, conn.version(DescribeAclsRequest, 1, 3), filterToWire(filter))
    }, { timeoutMs: options.timeoutMs })
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, response.errorMessage ?? errorName(response.errorCode))
    return response.resources.flatMap(r => r.acls.map(a => bindingFromWire(r, a)))
  }

  /** DeleteAcls: per filter, its error or the ACLs it removed. */
  async deleteAcls (filters: readonly AclBindingFilter[], options: AdminOptions = {}): Promise<Array<{ errorCode: number, errorMessage: string | null, deleted: AclBinding[] }>> {
    const response = await this.client.retry('DeleteAcls', async () => {
      const conn = await this.client.anyConnection()
      return await conn.send(DeleteAclsRequest, DeleteAclsResponse, conn.version(DeleteAclsRequest, 1, 3), {
        filters: filters.map(filterToWire),
      })
    }, { timeoutMs: options.timeoutMs })
    return response.filterResults.map(r => ({
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      deleted: r.matchingAcls.map(m => bindingFromWire(m, m)),
    }))
  }

  /**
   * DeleteRecords at each partition's leader (AdminClient.deleteRecords): every record below the
   * offset goes. One outcome per partition, in the order asked; a partition whose leader moved is
   * retried after a metadata refresh until the call's timeout, then answers with its last error.
   */
  async deleteRecords (partitions: readonly RecordsToDelete[], options: AdminOptions = {}): Promise<DeletedRecords[]> {
    const timeoutMs = options.timeoutMs ?? this.client.config['default.api.timeout.ms']
    return await this.atPartitionBrokers('DeleteRecords', partitions, {
      timeoutMs,
      // REQUEST_TIMED_OUT already used the time
      retriable: r => isRetriable(r.errorCode) && r.errorCode !== ErrorCode.REQUEST_TIMED_OUT,
      failed: (p, errorCode) => ({ ...p, lowWatermark: -1, errorCode }),
    }, async (nodeId, list) => {
      const byTopic = new Map<string, Array<{ partitionIndex: number, offset: number }>>()
      for (const p of list) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partitionIndex: p.partition, offset: p.offset }])
      const response = await this.client.send(nodeId, DeleteRecordsRequest, DeleteRecordsResponse, { min: 0, max: 2 }, {
        topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })),
        timeoutMs,
      }, { timeoutMs: timeoutMs + this.client.config['request.timeout.ms'] })
      return response.topics.flatMap(t => t.partitions.map(r => ({ topic: t.name, partition: r.partitionIndex, lowWatermark: r.lowWatermark, errorCode: r.errorCode })))
    })
  }

  /**
   * DescribeLogDirs to each broker (AdminClient.describeLogDirs): its log dirs, each with its
   * error code and the partitions it holds (size, offset lag); every partition when `topics` is null.
   */
  async describeLogDirs (brokerIds: readonly number[], topics: Array<{ topic: string, partitions: number[] }> | null = null, options: AdminOptions = {}): Promise<Map<number, LogDirDescription[]>> {
    const answers = await Promise.all(brokerIds.map(async brokerId => {
      const response = await this.client.retry(`DescribeLogDirs to broker ${brokerId}`, async () => {
        await this.client.refreshMetadata([])
        return await this.client.send(brokerId, DescribeLogDirsRequest, DescribeLogDirsResponse, { min: 0, max: 4 }, { topics })
      }, { timeoutMs: options.timeoutMs })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `DescribeLogDirs to broker ${brokerId} failed: ${errorName(response.errorCode)}`)
      return [brokerId, response.results.map(r => ({
        logDir: r.logDir,
        errorCode: r.errorCode,
        totalBytes: r.totalBytes,
        usableBytes: r.usableBytes,
        partitions: r.topics.flatMap(t => t.partitions.map(p => ({ topic: t.name, partition: p.partitionIndex, size: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey }))),
      }))] as const
    }))
    return new Map(answers)
  }

  /**
   * DescribeTransactions at each id's coordinator (Admin.describeTransactions): one answer per id,
   * in the order asked; a moved or loading coordinator is found again until the call's timeout, an
   * unknown id is TRANSACTIONAL_ID_NOT_FOUND.
   */
  async describeTransactions (transactionalIds: readonly string[], options: AdminOptions = {}): Promise<TransactionDescription[]> {
    return await Promise.all(transactionalIds.map(async transactionalId => await this.client.retry(`DescribeTransactions for ${transactionalId}`, async () => {
      const node = await findCoordinator(this.client, transactionalId, CoordinatorType.TRANSACTION)
      if (!this.client.metadata.brokers.has(node.nodeId)) await this.client.refreshMetadata([])
      const response = await this.client.send(node.nodeId, DescribeTransactionsRequest, DescribeTransactionsResponse, { min: 0, max: 0 }, { transactionalIds: [transactionalId] })
      const t = response.transactionStates.find(x => x.transactionalId === transactionalId)
      if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeTransactions answered nothing for ${transactionalId}`)
      if (isRetriable(t.errorCode)) throw new KafkaError(t.errorCode as ErrorCode, `DescribeTransactions for ${transactionalId} at broker ${node.nodeId}: ${describeError(t.errorCode)}`)
      return {
        transactionalId,
        errorCode: t.errorCode,
        coordinatorId: node.nodeId,
        state: t.transactionState,
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        transactionTimeoutMs: t.transactionTimeoutMs,
        transactionStartTimeMs: t.transactionStartTimeMs,
        topicPartitions: t.topics.flatMap(tp => tp.partitions.map(partition => ({ topic: tp.topic, partition }))),
      }
    }, { timeoutMs: options.timeoutMs })))
  }

  /**
   * ListTransactions on every broker (Admin.listTransactions(...).allByBrokerId()): the ids each
   * coordinates, filtered by state names and producer ids (none given: all) and, when durationMs
   * >= 0 (KIP-994, ListTransactions v1), only those running longer than that.
   */
  async listTransactions (filters: { states?: readonly string[], producerIds?: readonly number[], durationMs?: number } = {}, options: AdminOptions = {}): Promise<Map<number, TransactionListing[]>> {
    await this.client.retry('Metadata', async () => await this.client.refreshMetadata([]), { timeoutMs: options.timeoutMs })
    const durationFilter = filters.durationMs ?? -1
    const answers = await Promise.all([...this.client.metadata.brokers.keys()].map(async nodeId => await this.client.retry(`ListTransactions on broker ${nodeId}`, async () => {
      const response = await this.client.send(nodeId, ListTransactionsRequest, ListTransactionsResponse, { min: durationFilter >= 0 ? 1 : 0, max: 1 }, {
        stateFilters: [...filters.states ?? []], producerIdFilters: [...filters.producerIds ?? []], durationFilter,
      })
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, `ListTransactions on broker ${nodeId}: ${describeError(response.errorCode)}`)
      return [nodeId, response.transactionStates.map(t => ({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState }))] as const
    }, { timeoutMs: options.timeoutMs })))
    return new Map(answers)
  }

  /**
   * DescribeProducers (Admin.describeProducers): each partition's producer state, from its leader
   * (found again while leadership moves) or, with `brokerId`, from that broker's replica (no
   * retry: its error is the answer). One answer per partition, in the order asked.
   */
  async describeProducers (partitions: readonly TopicPartitionRef[], options: AdminOptions & { brokerId?: number } = {}): Promise<PartitionProducerState[]> {
    return await this.atPartitionBrokers('DescribeProducers', partitions, {
      timeoutMs: options.timeoutMs,
      brokerId: options.brokerId,
      retriable: r => options.brokerId === undefined && LEADER_MOVED.has(r.errorCode),
      failed: (p, errorCode) => ({ ...p, errorCode, errorMessage: null, activeProducers: [] }),
    }, async (nodeId, list) => {
      const byTopic = new Map<string, number[]>()
      for (const p of list) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
      const response = await this.client.send(nodeId, DescribeProducersRequest, DescribeProducersResponse, { min: 0, max: 0 }, {
        topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      })
      return response.topics.flatMap(t => t.partitions.map(r => ({
        topic: t.name, partition: r.partitionIndex, errorCode: r.errorCode, errorMessage: r.errorMessage,
        activeProducers: r.activeProducers.map(a => ({ producerId: a.producerId, producerEpoch: a.producerEpoch, lastSequence: a.lastSequence, lastTimestamp: a.lastTimestamp, coordinatorEpoch: a.coordinatorEpoch, currentTransactionStartOffset: a.currentTxnStartOffset })),
      })))
    })
  }

  /**
   * Aborts a hanging transaction on one partition (Admin.abortTransaction): an abort marker for the
   * producer id and epoch, written by the partition's leader as if from the transaction
   * coordinator (WriteTxnMarkers, which needs ClusterAction on the cluster). A moved leader is found
   * again; a refusal (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, ...) throws.
   */
  async abortTransaction (spec: AbortTransactionSpec, options: AdminOptions = {}): Promise<void> {
    const name = `${spec.topic}-${spec.partition}`
    await this.client.retry(`WriteTxnMarkers for ${name}`, async () => {
      await this.client.refreshMetadata([spec.topic])
      const leader = this.client.metadata.leaderFor(spec.topic, spec.partition)
      if (leader === undefined) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${name}`)
      const response = await this.client.send(leader.nodeId, WriteTxnMarkersRequest, WriteTxnMarkersResponse, { min: 0, max: 1 }, {
        markers: [{ producerId: spec.producerId, producerEpoch: spec.producerEpoch, transactionResult: false, coordinatorEpoch: spec.coordinatorEpoch, topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }] }],
      })
      const errorCode = response.markers.find(m => m.producerId === spec.producerId)?.topics.find(t => t.name === spec.topic)?.partitions.find(p => p.partitionIndex === spec.partition)?.errorCode
      if (errorCode === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `WriteTxnMarkers answered nothing for ${name}`)
      if (errorCode === ErrorCode.NONE) return
      // a retriable error (a moved leader among them) is tried again with fresh metadata
      throw new KafkaError(errorCode as ErrorCode, `WriteTxnMarkers for ${name} at broker ${leader.nodeId}: ${describeError(errorCode)}`)
    }, { timeoutMs: options.timeoutMs })
  }

  async close (): Promise<void> {
    await this.client.close()
  }

  private async legacyAlterConfigs (group: Array<ConfigResource & { changes: ConfigChange[] }>, options: AdminOptions): Promise<Array<{ resourceType: number, resourceName: string, errorCode: number, errorMessage: string | null }>> {
    const current = await this.describeConfigs(group, options)
    const resources = group.map((r, i) => {
      const values = new Map<string, string | null>()
      for (const e of current[i]?.entries ?? []) {
        if (e.source === ConfigSource.DYNAMIC_TOPIC_CONFIG || e.source === ConfigSource.DYNAMIC_BROKER_CONFIG) values.set(e.name, e.value)
      }
      for (const c of r.changes) {
        if (c.op === AlterConfigOp.SET) values.set(c.name, c.value)
        else if (c.op === AlterConfigOp.DELETE) values.delete(c.name)
        else throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `the broker has no IncrementalAlterConfigs, so ${c.name} cannot be appended to or subtracted from`)
      }
      return { resourceType: r.type, resourceName: r.name, configs: [...values].map(([name, value]) => ({ name, value })) }
    })
    const conn = await this.client.anyConnection()
    const response = await conn.send(AlterConfigsRequest, AlterConfigsResponse, conn.version(AlterConfigsRequest, 0, 2), {
      resources, validateOnly: options.validateOnly ?? false,
    })
    return response.responses
  }

  /**
   * A per-partition request at each partition's leader (or at `brokerId`), one request per broker:
   * partitions whose answer `retriable` marks are asked again after a metadata refresh until the
   * timeout, then answer with their last error; partitions the cluster's metadata does not have
   * fail at once (UNKNOWN_TOPIC_OR_PARTITION). One result per partition, in the order asked.
   */
  private async atPartitionBrokers<P extends TopicPartitionRef, R extends TopicPartitionRef & { errorCode: number }> (
    what: string, partitions: readonly P[],
    options: { timeoutMs?: number, brokerId?: number, retriable: (r: R) => boolean, failed: (p: P, errorCode: number) => R },
    send: (nodeId: number, partitions: P[]) => Promise<R[]>,
  ): Promise<R[]> {
    const results = new Map<string, R>()
    const key = (p: TopicPartitionRef): string => `${p.topic}\u0000${p.partition}`
    const unknown = new Set<string>()
    const retriable = (r: R): boolean => options.retriable(r) && !unknown.has(key(r))
    const topics = [...new Set(partitions.map(p => p.topic))]
    try {
      await this.client.retry(what, async () => {
        await this.client.refreshMetadata(topics)
        const byBroker = new Map<number, P[]>()
        for (const p of partitions) {
          const previous = results.get(key(p))
          if (previous !== undefined && !retriable(previous)) continue
          const target = options.brokerId ?? this.client.metadata.leaderFor(p.topic, p.partition)?.nodeId
          if (target !== undefined) byBroker.set(target, [...(byBroker.get(target) ?? []), p])
          else if (this.client.metadata.topics.get(p.topic)?.partitions[p.partition] === undefined) {
            unknown.add(key(p))
            results.set(key(p), options.failed(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
          } else results.set(key(p), options.failed(p, ErrorCode.LEADER_NOT_AVAILABLE))
        }
        await Promise.all([...byBroker].map(async ([nodeId, list]) => {
          for (const r of await send(nodeId, list)) results.set(key(r), r)
        }))
        const again = [...results.values()].find(retriable)
        if (again !== undefined) throw new KafkaError(again.errorCode as ErrorCode, `${what} for ${again.topic}-${again.partition} failed: ${errorName(again.errorCode)}`)
      }, { timeoutMs: options.timeoutMs })
    } catch (err) {
      // Out of time with leaders still moving: those partitions answer with their last error.
      if (!(err instanceof KafkaError) || !isRetriable(err.code) || results.size === 0) throw err
    }
    return partitions.map(p => results.get(key(p)) ?? options.failed(p, ErrorCode.REQUEST_TIMED_OUT))
  }

  /** Runs a controller-only request, retrying (after a metadata refresh) while the controller moves. */
  private async onController<T> (what: string, timeoutMs: number, run: (conn: Awaited<ReturnType<KafkaClient['controllerConnection']>>) => Promise<T>): Promise<T> {
    return await this.client.retry(what, async () => {
      const results = await run(await this.client.controllerConnection())
      const notController = Array.isArray(results) && results.some(r => (r as TopicResult).errorCode === ErrorCode.NOT_CONTROLLER)
      if (notController) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `${what} reached a broker that is no longer the controller`)
      return results
    }, { timeoutMs, beforeRetry: async () => await this.client.refreshMetadata([]) })
  }

  /** Broker resources go to that broker (by id); everything else to any broker (key undefined). */
  private byTargetBroker<R extends ConfigResource> (resources: R[]): Map<number | undefined, R[]> {
    const groups = new Map<number | undefined, R[]>()
    for (const r of resources) {
      const target = r.type === ResourceType.BROKER && r.name !== '' ? Number(r.name) : undefined
      groups.set(target, [...(groups.get(target) ?? []), r])
    }
    return groups
  }
}

function filterToWire (f: AclBindingFilter): { resourceTypeFilter: number, resourceNameFilter: string | null, patternTypeFilter: number, principalFilter: string | null, hostFilter: string | null, operation: number, permissionType: number } {
  return {
    resourceTypeFilter: f.pattern.resourceType, resourceNameFilter: f.pattern.name, patternTypeFilter: f.pattern.patternType,
    principalFilter: f.entry.principal, hostFilter: f.entry.host, operation: f.entry.operation, permissionType: f.entry.permissionType,
  }
}

/** A binding from a DescribeAcls or DeleteAcls answer: its resource pattern fields and its entry fields. */
function bindingFromWire (r: { resourceType: number, resourceName: string, patternType: number }, e: { principal: string, host: string, operation: number, permissionType: number }): AclBinding {
  return {
    pattern: { resourceType: r.resourceType as AclResourceType, name: r.resourceName, patternType: r.patternType as PatternType },
    entry: { principal: e.principal, host: e.host, operation: e.operation as AclOperation, permissionType: e.permissionType as AclPermissionType },
  }
}
