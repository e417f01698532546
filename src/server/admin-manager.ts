import { ErrorCode } from '../protocol/error-codes.js'
import { invalidTopicNameReason, isInternalTopic } from '../cluster/topic-name.js'
import { createTopic, readAssignment, requestTopicDeletion, TopicExistsError, writeAssignment, ZnodeTooLargeError } from '../cluster/topic-admin.js'
import { ZkError } from '../cluster/zk-session.js'
import { topicConfigProblems } from '../config/topic-config.js'
import { assignReplicasToBrokers, ReplicaAssignmentError } from '../cluster/replica-assignment.js'
import type { BrokerContext } from './broker-context.js'

export interface TopicResult { errorCode: number, errorMessage: string | null, topicId?: string }

export interface NewTopic {
  name: string
  /** -1: the broker's num.partitions (CreateTopics v4+). */
  numPartitions: number
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number
  /** Explicit layout, partition → brokers, as requested; overrides the counts. */
  assignments: ReadonlyArray<{ partitionIndex: number, brokerIds: number[] }>
  configs: Record<string, string>
}

export interface PartitionIncrease {
  name: string
  /** The new total number of partitions. */
  count: number
  /** Explicit layout of the added partitions, or null to assign them. */
  assignments: number[][] | null
}

const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage })
const OK: TopicResult = { errorCode: ErrorCode.NONE, errorMessage: null }

/**
 * Topic administration as Kafka's ZkAdminManager does it: validate, write the znodes, then wait
 * (up to the request's timeout) until every partition has a leader in this broker's metadata.
 *
 * Everything a request asks for is checked before any work is done for it, so that no number a
 * client sends sizes the work: max.partitions.per.request bounds the partitions one request adds
 * (POLICY_VIOLATION for the whole request, as KRaft's ReplicationControlManager
 * validateTotalNumberOfPartitions does), and max.broker.partitions the replicas any broker would
 * host afterwards (POLICY_VIOLATION for the topic, as KIP-578 proposes). One instance per broker
 * (`AdminManager.of`) counts the replicas of creations in flight, which the metadata cache shows
 * only once ZooKeeper's watches have fired.
 */
export class AdminManager {
  private static readonly instances = new WeakMap<BrokerContext, AdminManager>()
  /** Replicas per broker written (or being written) by requests that have not finished yet. */
  private readonly inFlight = new Map<number, number>()

  static of (broker: BrokerContext): AdminManager {
    let admin = AdminManager.instances.get(broker)
    if (admin === undefined) AdminManager.instances.set(broker, admin = new AdminManager(broker))
    return admin
  }

  private constructor (private readonly broker: BrokerContext) {}

  /** One result per requested topic, in order. */
  async createTopics (topics: readonly NewTopic[], timeoutMs: number, validateOnly: boolean): Promise<TopicResult[]> {
    const counts = new Map<string, number>()
    for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    const requested = topics.reduce((sum, t) => sum + this.partitionsRequested(t), 0)
    const tooMany = this.requestLimitProblem(requested)
    if (tooMany !== undefined) return topics.map(() => tooMany)
    const hosted = this.replicasHosted()
    return await Promise.all(topics.map(async t => (counts.get(t.name) ?? 0) > 1
      ? fail(ErrorCode.INVALID_REQUEST, 'Found multiple entries for this topic.')
      : await this.createTopic(t, hosted, timeoutMs, validateOnly)))
  }

  /** One result per requested topic, in order; a topic named twice is deleted once. */
  async deleteTopics (names: readonly string[], timeoutMs: number): Promise<TopicResult[]> {
    const byName = new Map<string, Promise<TopicResult>>()
    return await Promise.all(names.map(async name => {
      let result = byName.get(name)
      if (result === undefined) byName.set(name, result = this.deleteTopic(name, timeoutMs))
      return await result
    }))
  }

  /** One result per requested topic, in order. */
  async createPartitions (topics: readonly PartitionIncrease[], timeoutMs: number, validateOnly: boolean): Promise<TopicResult[]> {
    const counts = new Map<string, number>()
    for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    // From the metadata cache, before any ZooKeeper read; each topic checks again against its znode.
    const requested = topics.reduce((sum, t) => sum + Math.max(0, t.count - (this.broker.metadata.topic(t.name)?.partitions.size ?? t.count)), 0)
    const tooMany = this.requestLimitProblem(requested)
    const hosted = this.replicasHosted()
    return await Promise.all(topics.map(async t => {
      // KafkaApis.handleCreatePartitionsRequest answers duplicates apart from the rest
      if ((counts.get(t.name) ?? 0) > 1) return fail(ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.')
      return tooMany ?? await this.createPartitionsFor(t, hosted, timeoutMs, validateOnly)
    }))
  }

  /** Auto-creation (Metadata/Produce to an unknown topic) with the broker's defaults. */
  async autoCreate (name: string): Promise<TopicResult> {
    if (isInternalTopic(name)) return fail(ErrorCode.INVALID_REQUEST, 'internal topics are not auto-created here')
    const [result] = await this.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} }], 0, false)
    return result as TopicResult
  }

  private async createTopic (t: NewTopic, hosted: ReadonlyMap<number, number>, timeoutMs: number, validateOnly: boolean): Promise<TopicResult> {
    const live = this.broker.metadata.brokers().map(b => b.id)
    const v = this.broker.config.values
    const nameProblem = invalidTopicNameReason(t.name)
    if (nameProblem !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem)
    if (this.broker.metadata.topic(t.name) !== undefined) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`)
    const configProblems = topicConfigProblems(this.broker.config, t.configs)
    if (configProblems.length > 0) return fail(ErrorCode.INVALID_CONFIG, configProblems.join('; '))
    let assignment: Map<number, number[]>
    if (t.assignments.length > 0) {
      if (t.numPartitions !== -1 || t.replicationFactor !== -1) return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.')
      // built only now that the request's partition count passed max.partitions.per.request
      assignment = new Map(t.assignments.map(a => [a.partitionIndex, a.brokerIds]))
      if (assignment.size !== t.assignments.length) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Duplicate partition index in replica assignment')
      const problem = assignmentProblem(assignment, live, 0)
      if (problem !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem)
    } else {
      const partitions = t.numPartitions === -1 ? v['num.partitions'] : t.numPartitions
      const rf = t.replicationFactor === -1 ? v['default.replication.factor'] : t.replicationFactor
      if (partitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.')
      if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.')
      if (rf > live.length) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${live.length}.`)
      const assigned = this.assign(partitions, rf, 0)
      if (assigned instanceof ReplicaAssignmentError) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, assigned.message)
      assignment = assigned
    }
    const overloaded = this.brokerLimitProblem(assignment, hosted)
    if (overloaded !== undefined) return overloaded
    if (validateOnly) return OK
    const release = this.hold(assignment)
    try {
      let topicId: string
      try {
        topicId = await createTopic(this.broker.zk, t.name, assignment, t.configs)
      } catch (err) {
        if (err instanceof TopicExistsError) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, err.message)
        return this.failed(err, 'create topic', t.name)
      }
      this.broker.log.info('topic created', { topic: t.name, topicId, partitions: assignment.size, replicationFactor: assignment.get(0)?.length })
      // Kafka's ZkAdminManager answers at once when the request's timeout is 0 or less: created, leaders to follow.
      if (timeoutMs <= 0) return { ...OK, topicId }
      const ready = await this.waitForLeaders(t.name, assignment.size, timeoutMs, release)
      if (!ready) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Topic created, but its partitions have no leader yet', topicId }
      return { ...OK, topicId }
    } finally {
      release()
    }
  }

  private async deleteTopic (name: string, timeoutMs: number): Promise<TopicResult> {
    if (!this.broker.config.values['delete.topic.enable']) return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.')
    const topic = this.broker.metadata.topic(name)
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
    try {
      await requestTopicDeletion(this.broker.zk, name)
    } catch (err) {
      return this.failed(err, 'delete topic', name)
    }
    const gone = await this.broker.metadata.waitUntil(() => this.broker.metadata.topic(name) === undefined, timeoutMs)
    if (!gone) return { ...fail(ErrorCode.REQUEST_TIMED_OUT, 'Topic deletion has not completed yet'), topicId: topic.topicId }
    return { ...OK, topicId: topic.topicId }
  }

  private async createPartitionsFor ({ name, count, assignments }: PartitionIncrease, hosted: ReadonlyMap<number, number>, timeoutMs: number, validateOnly: boolean): Promise<TopicResult> {
    // the metadata first, so that ZooKeeper is read only for topics that exist
    if (this.broker.metadata.topic(name) === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`)
    let current: Awaited<ReturnType<typeof readAssignment>>
    try {
      current = await readAssignment(this.broker.zk, name)
    } catch (err) {
      return this.failed(err, 'create partitions', name)
    }
    if (current === null) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`)
    const existing = current.assignment.partitions.size
    if (count <= existing) return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${existing} partitions, which is higher than the requested ${count}.`)
    const added = count - existing
    const tooMany = this.requestLimitProblem(added)
    if (tooMany !== undefined) return tooMany
    const live = this.broker.metadata.brokers().map(b => b.id)
    let extra: Map<number, number[]>
    if (assignments !== null) {
      if (assignments.length !== added) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.`)
      extra = new Map(assignments.map((brokers, i) => [existing + i, brokers]))
      const problem = assignmentProblem(extra, live, existing)
      if (problem !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem)
    } else {
      const rf = current.assignment.partitions.get(0)?.length ?? 1
      if (rf > live.length) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${live.length}.`)
      const assigned = this.assign(added, rf, existing)
      if (assigned instanceof ReplicaAssignmentError) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, assigned.message)
      extra = assigned
    }
    const overloaded = this.brokerLimitProblem(extra, hosted)
    if (overloaded !== undefined) return overloaded
    if (validateOnly) return OK
    const release = this.hold(extra)
    try {
      try {
        await writeAssignment(this.broker.zk, name, { ...current.assignment, partitions: new Map([...current.assignment.partitions, ...extra]) }, current.version)
      } catch (err) {
        if (err instanceof ZkError && err.code === 'BAD_VERSION') return fail(ErrorCode.REASSIGNMENT_IN_PROGRESS, 'The topic changed while partitions were being added; retry')
        return this.failed(err, 'create partitions', name)
      }
      const ready = await this.waitForLeaders(name, count, timeoutMs, release)
      return ready ? OK : fail(ErrorCode.REQUEST_TIMED_OUT, 'Partitions added, but not all have a leader yet')
    } finally {
      release()
    }
  }

  /** Kafka's rack-aware assignment over the live brokers (AdminUtils.assignReplicasToBrokers); refused when only some have a rack. */
  private assign (partitions: number, replicationFactor: number, firstPartitionId: number): Map<number, number[]> | ReplicaAssignmentError {
    try {
      return assignReplicasToBrokers(this.broker.metadata.brokers(), partitions, replicationFactor, { firstPartitionId })
    } catch (err) {
      if (err instanceof ReplicaAssignmentError) return err
      throw err
    }
  }

  private partitionsRequested (t: NewTopic): number {
    if (t.assignments.length > 0) return t.assignments.length
    return t.numPartitions === -1 ? this.broker.config.values['num.partitions'] : Math.max(0, t.numPartitions)
  }

  private requestLimitProblem (partitions: number): TopicResult | undefined {
    const max = this.broker.config.values['max.partitions.per.request']
    if (partitions <= max) return undefined
    return fail(ErrorCode.POLICY_VIOLATION, `Excessively large number of partitions per request: ${partitions} requested, max.partitions.per.request is ${max}.`)
  }

  /** Partition replicas per broker in the metadata cache: read once per request. */
  private replicasHosted (): Map<number, number> {
    return replicasPerBroker(this.broker.metadata.topics().flatMap(t => [...t.partitions.values()].map(p => p.replicas)))
  }

  /**
   * Whether any broker given replicas here would host more than max.broker.partitions: those in
   * the metadata (`hosted`), those of creations in flight (this request's earlier topics too) and these.
   */
  private brokerLimitProblem (assignment: Map<number, number[]>, hosted: ReadonlyMap<number, number>): TopicResult | undefined {
    const max = this.broker.config.values['max.broker.partitions']
    for (const [b, n] of replicasPerBroker(assignment.values())) {
      const total = (hosted.get(b) ?? 0) + (this.inFlight.get(b) ?? 0) + n
      if (total > max) return fail(ErrorCode.POLICY_VIOLATION, `Broker ${b} would host ${total} partition replicas, more than max.broker.partitions ${max}.`)
    }
    return undefined
  }

  /** Counts the assignment as in flight until the returned function is first called. */
  private hold (assignment: Map<number, number[]>): () => void {
    const adding = replicasPerBroker(assignment.values())
    for (const [b, n] of adding) this.inFlight.set(b, (this.inFlight.get(b) ?? 0) + n)
    let held = true
    return () => {
      if (!held) return
      held = false
      for (const [b, n] of adding) {
        const left = (this.inFlight.get(b) ?? 0) - n
        if (left > 0) this.inFlight.set(b, left)
        else this.inFlight.delete(b)
      }
    }
  }

  /**
   * A failed ZooKeeper step answers its own topic only (Kafka's ZkAdminManager answers
   * ApiError.fromThrowable per topic): a write too large for a znode is refused by its limit,
   * anything else is logged and answered UNKNOWN_SERVER_ERROR with no message, as Kafka does.
   */
  private failed (err: unknown, operation: string, topic: string): TopicResult {
    if (err instanceof ZnodeTooLargeError) return fail(ErrorCode.POLICY_VIOLATION, err.message)
    this.broker.log.error('topic administration failed', { operation, topic, error: (err as Error).stack ?? String(err) })
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null }
  }

  /** `onVisible` runs once the metadata cache shows every partition, leaders or not. */
  private async waitForLeaders (name: string, partitions: number, timeoutMs: number, onVisible: () => void): Promise<boolean> {
    const md = this.broker.metadata
    return await md.waitUntil(() => {
      const t = md.topic(name)
      if (t === undefined || t.partitions.size < partitions) return false
      onVisible()
      for (const p of t.partitions.values()) if (p.stateVersion < 0) return false
      return true
    }, timeoutMs)
  }
}

function replicasPerBroker (replicaLists: Iterable<number[]>): Map<number, number> {
  const counts = new Map<number, number>()
  for (const replicas of replicaLists) for (const b of replicas) counts.set(b, (counts.get(b) ?? 0) + 1)
  return counts
}

/** Kafka's AdminZkClient.validateReplicaAssignment, in one pass over the assignment. */
function assignmentProblem (assignment: Map<number, number[]>, live: number[], firstPartition: number): string | undefined {
  const liveBrokers = new Set(live)
  const lastPartition = firstPartition + assignment.size - 1
  let replicationFactor: number | undefined
  for (const [p, brokers] of assignment) {
    // distinct keys, each within [first, first + size): together exactly the consecutive sequence
    if (!Number.isInteger(p) || p < firstPartition || p > lastPartition) return 'Partitions should be a consecutive 0-based integer sequence'
    if (brokers.length === 0) return `Replica assignment for partition ${p} is empty`
    replicationFactor ??= brokers.length
    if (brokers.length !== replicationFactor) return 'All partitions should have the same number of replicas'
    if (new Set(brokers).size !== brokers.length) return `Duplicate brokers not allowed in replica assignment: ${brokers.join(', ')} for partition id ${p}.`
    const unknown = brokers.filter(b => !liveBrokers.has(b))
    if (unknown.length > 0) return `Unknown broker(s) ${unknown.join(', ')} in replica assignment for partition ${p}`
  }
  return undefined
}
