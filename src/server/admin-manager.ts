import { ErrorCode } from '../protocol/error-codes.js'
import { invalidTopicNameReason, isInternalTopic } from '../cluster/topic-name.js'
import { createTopic, readAssignment, requestTopicDeletion, TopicExistsError, writeAssignment } from '../cluster/topic-admin.js'
import { ZkError } from '../cluster/zk-session.js'
import { topicConfigProblems } from '../config/topic-config.js'
import { assignReplicasToBrokers } from '../controller/replica-assignment.js'
import type { BrokerContext } from './broker-context.js'

export interface TopicResult { errorCode: number, errorMessage: string | null, topicId?: string }

export interface NewTopic {
  name: string
  /** -1: the broker's num.partitions (CreateTopics v4+). */
  numPartitions: number
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number
  /** Explicit layout, partition → brokers; overrides the counts. */
  assignments: Map<number, number[]>
  configs: Record<string, string>
}

const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage })

/**
 * Topic administration as Kafka's ZkAdminManager does it: validate, write the znodes, then wait
 * (up to the request's timeout) until every partition has a leader in this broker's metadata.
 */
export class AdminManager {
  constructor (private readonly broker: BrokerContext) {}

  async createTopic (t: NewTopic, timeoutMs: number, validateOnly: boolean): Promise<TopicResult> {
    const live = this.broker.metadata.brokers().map(b => b.id)
    const v = this.broker.config.values
    const nameProblem = invalidTopicNameReason(t.name)
    if (nameProblem !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem)
    if (this.broker.metadata.topic(t.name) !== undefined) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`)
    const configProblems = topicConfigProblems(t.configs)
    if (configProblems.length > 0) return fail(ErrorCode.INVALID_CONFIG, configProblems.join('; '))
    let assignment: Map<number, number[]>
    if (t.assignments.size > 0) {
      if (t.numPartitions !== -1 || t.replicationFactor !== -1) return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.')
      const problem = assignmentProblem(t.assignments, live, 0)
      if (problem !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem)
      assignment = t.assignments
    } else {
      const partitions = t.numPartitions === -1 ? v['num.partitions'] : t.numPartitions
      const rf = t.replicationFactor === -1 ? v['default.replication.factor'] : t.replicationFactor
      if (partitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.')
      if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.')
      if (rf > live.length) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${live.length}.`)
      assignment = assignReplicasToBrokers(live, partitions, rf)
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null }
    let topicId: string
    try {
      topicId = await createTopic(this.broker.zk, t.name, assignment, t.configs)
    } catch (err) {
      if (err instanceof TopicExistsError) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, err.message)
      throw err
    }
    this.broker.log.info('topic created', { topic: t.name, topicId, partitions: assignment.size, replicationFactor: assignment.get(0)?.length })
    const ready = await this.waitForLeaders(t.name, assignment.size, timeoutMs)
    if (!ready) return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Topic created, but its partitions have no leader yet', topicId }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topicId }
  }

  async deleteTopic (name: string, timeoutMs: number): Promise<TopicResult> {
    if (!this.broker.config.values['delete.topic.enable']) return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.')
    const topic = this.broker.metadata.topic(name)
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
    await requestTopicDeletion(this.broker.zk, name)
    const gone = await this.broker.metadata.waitUntil(() => this.broker.metadata.topic(name) === undefined, timeoutMs)
    if (!gone) return { ...fail(ErrorCode.REQUEST_TIMED_OUT, 'Topic deletion has not completed yet'), topicId: topic.topicId }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topicId: topic.topicId }
  }

  async createPartitions (name: string, count: number, assignments: number[][] | null, timeoutMs: number, validateOnly: boolean): Promise<TopicResult> {
    const current = await readAssignment(this.broker.zk, name)
    if (current === null) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`)
    const existing = current.assignment.partitions.size
    if (count <= existing) return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${existing} partitions, which is higher than the requested ${count}.`)
    const live = this.broker.metadata.brokers().map(b => b.id)
    const added = count - existing
    let extra: Map<number, number[]>
    if (assignments !== null) {
      if (assignments.length !== added) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.`)
      extra = new Map(assignments.map((brokers, i) => [existing + i, brokers]))
      const problem = assignmentProblem(extra, live, existing)
      if (problem !== undefined) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem)
    } else {
      const rf = current.assignment.partitions.get(0)?.length ?? 1
      if (rf > live.length) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${live.length}.`)
      extra = assignReplicasToBrokers(live, added, rf, { firstPartitionId: existing })
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null }
    try {
      await writeAssignment(this.broker.zk, name, { ...current.assignment, partitions: new Map([...current.assignment.partitions, ...extra]) }, current.version)
    } catch (err) {
      if (err instanceof ZkError && err.code === 'BAD_VERSION') return fail(ErrorCode.REASSIGNMENT_IN_PROGRESS, 'The topic changed while partitions were being added; retry')
      throw err
    }
    const ready = await this.waitForLeaders(name, count, timeoutMs)
    return ready ? { errorCode: ErrorCode.NONE, errorMessage: null } : fail(ErrorCode.REQUEST_TIMED_OUT, 'Partitions added, but not all have a leader yet')
  }

  /** Auto-creation (Metadata/Produce to an unknown topic) with the broker's defaults. */
  async autoCreate (name: string): Promise<TopicResult> {
    if (isInternalTopic(name)) return fail(ErrorCode.INVALID_REQUEST, 'internal topics are not auto-created here')
    return await this.createTopic({ name, numPartitions: -1, replicationFactor: -1, assignments: new Map(), configs: {} }, 0, false)
  }

  private async waitForLeaders (name: string, partitions: number, timeoutMs: number): Promise<boolean> {
    const md = this.broker.metadata
    return await md.waitUntil(() => {
      const t = md.topic(name)
      if (t === undefined || t.partitions.size < partitions) return false
      for (const p of t.partitions.values()) if (p.stateVersion < 0) return false
      return true
    }, timeoutMs)
  }
}

function assignmentProblem (assignment: Map<number, number[]>, live: number[], firstPartition: number): string | undefined {
  const sizes = new Set([...assignment.values()].map(b => b.length))
  if (sizes.size > 1) return 'All partitions should have the same number of replicas'
  for (const [p, brokers] of assignment) {
    if (p !== firstPartition + [...assignment.keys()].indexOf(p)) return 'Partitions should be a consecutive 0-based integer sequence'
    if (brokers.length === 0) return `Replica assignment for partition ${p} is empty`
    if (new Set(brokers).size !== brokers.length) return `Duplicate brokers not allowed in replica assignment: ${brokers.join(', ')} for partition id ${p}.`
    const unknown = brokers.filter(b => !live.includes(b))
    if (unknown.length > 0) return `Unknown broker(s) ${unknown.join(', ')} in replica assignment for partition ${p}`
  }
  return undefined
}
