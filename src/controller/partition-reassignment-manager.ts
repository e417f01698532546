import type { Logger } from '../logger.js'
import { controllerEpochZnode, reassignPartitionsZnode, topicZnode, type ReassignmentTarget } from '../cluster/znodes.js'
import { ZkError, type ZkClient, type ZkOp } from '../cluster/zk-session.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { onReplicasReassigned } from './leader-election.js'
import { isBeingReassigned, isReassignmentComplete, originReplicas, reassignmentProblem, reassignTo, REASSIGNMENT_STARTED, targetReplicas, type ReassignmentResult, type ReplicaAssignment } from './partition-reassignment.js'
import { keyOf, type ControllerView, type PartitionStateMachine, type TopicPartition } from './partition-state-machine.js'
import { settleAll } from './settle-all.js'

/** One partition of AlterPartitionReassignments: its target replicas, or null to cancel its reassignment. */
export interface ReassignmentRequest extends TopicPartition { replicas: number[] | null }

/** A reassignment in progress, as ListPartitionReassignments answers it. */
export interface OngoingReassignment extends TopicPartition, ReplicaAssignment {}

interface AssignmentWrite extends TopicPartition { assignment: ReplicaAssignment }

/** Conditional writes of one znode that lost a race with another writer are read and tried again this often. */
const MAX_WRITE_ATTEMPTS = 5

/**
 * Partition reassignment (KIP-455), as Kafka's KafkaController.onPartitionReassignment carries it
 * out in ZooKeeper mode. With RS the full replica set, ORS the original and TRS the target replicas:
 *
 * 1. The topic znode gets RS = TRS + ORS with adding (TRS - ORS) and removing (ORS - TRS) replicas,
 *    and the leader epoch is bumped: brokers watching the topic see that they host a new replica
 *    and start following the leader.
 * 2. Once every target replica is in the ISR (the leader adds each as it catches up, and its ISR
 *    change notification brings the controller here), leadership moves to the first live target
 *    replica in the ISR if the leader is leaving, the removing replicas leave the ISR, and the
 *    topic znode gets RS = TRS: brokers no longer listed stop following and delete their logs (the
 *    StopReplica of ZooKeeper-mode Kafka, through the watches brokers keep here).
 *
 * Everything it needs is in ZooKeeper, so a new controller resumes each reassignment from the topic
 * znodes' adding/removing replicas. A new target replaces the one in progress (the replicas the old
 * one was adding and the new one does not want are dropped); cancelling is reassigning back to ORS.
 * /admin/reassign_partitions (Kafka's JSON, written by older tools) starts reassignments too, and
 * its entries go as they complete.
 */
export class PartitionReassignmentManager {
  constructor (
    private readonly zk: ZkClient,
    private readonly partitions: PartitionStateMachine,
    private readonly controller: ControllerView,
    /** The watch on /admin/reassign_partitions: enqueues a ZkPartitionReassignment. */
    private readonly watchZnode: () => void,
    private readonly log: Logger,
  ) {}

  /** AlterPartitionReassignments (Kafka's onApiPartitionReassignment): one result per request, in order. */
  async alterReassignments (requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    const results = await this.reassign(requests)
    // A reassignment asked for through the API overrides the znode's for the same partitions (KIP-455).
    const started = new Set(requests.filter((_, i) => results[i]?.errorCode === ErrorCode.NONE).map(keyOf))
    await this.removeFromZkReassignment(tp => started.has(keyOf(tp)))
    return results
  }

  /** ListPartitionReassignments: the reassignments in progress among these partitions (null: all). */
  listReassignments (wanted: readonly TopicPartition[] | null): OngoingReassignment[] {
    const out: OngoingReassignment[] = []
    const keys = wanted === null ? undefined : new Set(wanted.map(keyOf))
    for (const [tp, ctx] of this.partitions.allPartitions()) {
      if ((keys === undefined || keys.has(keyOf(tp))) && isBeingReassigned(ctx)) {
        out.push({ ...tp, replicas: [...ctx.replicas], addingReplicas: [...ctx.addingReplicas], removingReplicas: [...ctx.removingReplicas] })
      }
    }
    return out
  }

  /**
   * A new controller (Kafka's initializePartitionReassignments): reassignments recorded in topic
   * znodes go on where they are, then those asked for in /admin/reassign_partitions start.
   */
  async resume (): Promise<void> {
    await this.maybeCompleteAll()
    await this.processZkReassignment()
  }

  /** /admin/reassign_partitions was created or changed (Kafka's ZkPartitionReassignment event). */
  async processZkReassignment (): Promise<void> {
    const path = reassignPartitionsZnode.path
    if (!await this.zk.exists(path, this.watchZnode)) return
    const node = await this.zk.getData(path)
    if (node === null) return
    let targets: ReassignmentTarget[]
    try {
      targets = reassignPartitionsZnode.decode(node.data)
    } catch (err) {
      this.log.error('/admin/reassign_partitions is not a reassignment in Kafka\'s JSON; deleting it', { error: (err as Error).message })
      await this.controller.fencedMulti([{ op: 'remove', path, version: node.version }])
      return
    }
    const results = await this.reassign(targets)
    const failed = targets.filter((_, i) => results[i]?.errorCode !== ErrorCode.NONE)
    if (failed.length === 0) return
    this.log.warn('reassignments in /admin/reassign_partitions refused', { partitions: failed.map((tp, i) => ({ partition: `${tp.topic}-${tp.partition}`, error: results[i]?.errorMessage })) })
    const refused = new Set(failed.map(keyOf))
    await this.removeFromZkReassignment(tp => refused.has(keyOf(tp)))
  }

  /** The ISR of these partitions changed (or their leader): those whose target replicas are all in it complete. */
  async maybeComplete (candidates: Iterable<TopicPartition>): Promise<void> {
    const targets = new Map<string, number[]>()
    const ready: TopicPartition[] = []
    for (const tp of candidates) {
      const ctx = this.partitions.partition(tp.topic, tp.partition)
      if (ctx === undefined || ctx.state === undefined || !isBeingReassigned(ctx) || !isReassignmentComplete(ctx, ctx.state.isr)) continue
      targets.set(keyOf(tp), targetReplicas(ctx))
      ready.push(tp)
    }
    if (ready.length === 0) return
    const live = this.partitions.live()
    const epoch = this.controller.controllerEpoch
    await this.partitions.updateStates(ready, (p, tp) => {
      const target = targets.get(keyOf(tp))
      // re-checked: a race with the leader's own ISR write applies the rule again to what it wrote
      return target !== undefined && p.state !== undefined && target.every(r => p.state!.isr.includes(r)) ? onReplicasReassigned(p, target, live, epoch) : undefined
    })
    const done = ready.filter(tp => {
      const target = targets.get(keyOf(tp))!
      const s = this.partitions.partition(tp.topic, tp.partition)?.state
      return s !== undefined && target.includes(s.leader) && s.isr.every(r => target.includes(r)) && target.every(r => s.isr.includes(r))
    })
    await this.writeAssignments(done.map(tp => ({ ...tp, assignment: { replicas: targets.get(keyOf(tp))!, addingReplicas: [], removingReplicas: [] } })))
    for (const tp of done) this.log.info('partition reassignment completed', { topic: tp.topic, partition: tp.partition, replicas: targets.get(keyOf(tp)) })
    const completed = new Set(done.map(keyOf))
    await this.removeFromZkReassignment(tp => completed.has(keyOf(tp)))
  }

  /** After brokers came or went: any reassignment may be able to finish. */
  async maybeCompleteAll (): Promise<void> {
    await this.maybeComplete([...this.partitions.allPartitions()].filter(([, ctx]) => isBeingReassigned(ctx)).map(([tp]) => tp))
  }

  /** Validates each request, starts the valid ones (steps 1 and, where already possible, 2). */
  private async reassign (requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    const live = this.controller.liveBrokerIds
    const changes: Array<AssignmentWrite & { unneeded: number[] }> = []
    const results = requests.map((r): ReassignmentResult => {
      const ctx = this.partitions.partition(r.topic, r.partition)
      if (ctx === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find partition ${r.topic}-${r.partition}.` }
      if (r.replicas === null && !isBeingReassigned(ctx)) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: `No reassignment in progress for partition ${r.topic}-${r.partition}.` }
      const target = r.replicas ?? originReplicas(ctx)
      const problem = r.replicas === null ? undefined : reassignmentProblem(ctx, target, live)
      if (problem !== undefined) return problem
      const { next, unneeded } = reassignTo(ctx, target)
      if (!sameAssignment(ctx, next)) changes.push({ topic: r.topic, partition: r.partition, assignment: next, unneeded })
      return REASSIGNMENT_STARTED
    })
    await this.writeAssignments(changes)
    for (const c of changes) {
      this.log.info(isBeingReassigned(c.assignment) ? 'partition reassignment started' : 'partition reassignment cancelled', {
        topic: c.topic, partition: c.partition, replicas: c.assignment.replicas, addingReplicas: c.assignment.addingReplicas, removingReplicas: c.assignment.removingReplicas, stoppedReplicas: c.unneeded,
      })
    }
    const leaders = this.partitions.live()
    await this.partitions.updateStates(changes, p => onReplicasReassigned(p, p.replicas, leaders, this.controller.controllerEpoch))
    await this.maybeComplete(requests)
    return results
  }

  /**
   * Writes new replica sets into the topic znodes, one conditional (and controller-fenced) write
   * per topic, read again and retried when another writer (CreatePartitions) got there first.
   */
  private async writeAssignments (writes: readonly AssignmentWrite[]): Promise<void> {
    const byTopic = new Map<string, AssignmentWrite[]>()
    for (const w of writes) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w])
    await settleAll([...byTopic], async ([topic, list]) => {
      const path = topicZnode.path(topic)
      const written = await this.conditionalWrite(path, data => {
        const a = topicZnode.decode(data)
        const adding = a.addingReplicas ?? new Map<number, number[]>()
        const removing = a.removingReplicas ?? new Map<number, number[]>()
        for (const w of list) {
          a.partitions.set(w.partition, w.assignment.replicas)
          adding.set(w.partition, w.assignment.addingReplicas)
          removing.set(w.partition, w.assignment.removingReplicas)
        }
        return { op: 'setData', path, data: topicZnode.encode({ ...a, addingReplicas: adding, removingReplicas: removing }) }
      })
      if (written) for (const w of list) this.partitions.assign(topic, w.partition, w.assignment)
    })
  }

  /** Kafka's maybeRemoveFromZkReassignment: entries matching go; the znode goes when none is left. */
  private async removeFromZkReassignment (matches: (tp: TopicPartition) => boolean): Promise<void> {
    const path = reassignPartitionsZnode.path
    await this.conditionalWrite(path, data => {
      let entries: ReassignmentTarget[]
      try {
        entries = reassignPartitionsZnode.decode(data)
      } catch {
        return undefined // processZkReassignment deletes it
      }
      const left = entries.filter(e => !matches(e))
      if (left.length === entries.length) return undefined
      return left.length === 0 ? { op: 'remove', path } : { op: 'setData', path, data: reassignPartitionsZnode.encode(left) }
    })
  }

  /**
   * Reads `path` and writes what `change` makes of it, conditional on the version read and fenced
   * by the controller epoch; false when the znode is gone or `change` wants nothing written.
   */
  private async conditionalWrite (path: string, change: (data: Buffer) => { op: 'setData', path: string, data: Buffer } | { op: 'remove', path: string } | undefined): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.zk.getData(path)
      if (node === null) return false
      const op = change(node.data)
      if (op === undefined) return false
      try {
        await this.controller.fencedMulti([{ ...op, version: node.version } satisfies ZkOp])
        return true
      } catch (err) {
        const raced = err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NO_NODE') && err.path !== controllerEpochZnode.path
        if (!raced || attempt >= MAX_WRITE_ATTEMPTS) throw err
      }
    }
  }
}

function sameAssignment (a: ReplicaAssignment, b: ReplicaAssignment): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((r, i) => r === y[i])
  return same(a.replicas, b.replicas) && same(a.addingReplicas, b.addingReplicas) && same(a.removingReplicas, b.removingReplicas)
}
