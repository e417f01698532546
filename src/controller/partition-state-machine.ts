import type { Logger } from '../logger.js'
import { controllerEpochZnode, entityConfigZnode, partitionStateZnode, type PartitionState, type TopicAssignment } from '../cluster/znodes.js'
import { zkBatches } from '../cluster/zk-batches.js'
import { ZkError, type ZkClient, type ZkOp } from '../cluster/zk-session.js'
import { electPreferred, onBrokersChanged, onControlledShutdown, onReplicaOffline, type PartitionView } from './leader-election.js'
import { settleAll } from './settle-all.js'

export interface TopicPartition { topic: string, partition: number }
export type ElectionOutcome = 'elected' | 'not needed' | 'not available' | 'unknown'

/** What the state machine needs of the controller that runs it. */
export interface ControllerView {
  readonly controllerEpoch: number
  readonly liveBrokerIds: ReadonlySet<number>
  /** A ZooKeeper multi fenced by the controller epoch (Controller.fencedMulti). */
  fencedMulti: (ops: readonly ZkOp[]) => Promise<void>
}

export interface PartitionStateMachineConfig {
  /** unclean.leader.election.enable, unless a topic overrides it. */
  uncleanLeaderElection: boolean
  /** leader.imbalance.per.broker.percentage */
  imbalancePercentage: number
}

/**
 * A partition as the controller knows it: its replicas (the full set while it is reassigned, with
 * the replicas joining and leaving: Kafka's ReplicaAssignment), leader and ISR, the state znode's version.
 */
export interface PartitionContext { replicas: number[], addingReplicas: number[], removingReplicas: number[], state: PartitionState | undefined, version: number }
interface TopicContext { topicId: string, partitions: Map<number, PartitionContext>, uncleanAllowed: boolean }
interface PartitionChange { topic: string, partition: number, ctx: PartitionContext, next: PartitionState }

/**
 * The controller's partition state machine (Kafka's PartitionStateMachine, with the partitions'
 * part of its ControllerContext): what the active controller knows of each partition (replicas,
 * leader and ISR, the state znode's version) and the one way it changes them: a rule of
 * leader-election.ts applied to each partition, each change written fenced by the controller epoch
 * and conditional on the state znode's version. The Controller decides when (its events); this
 * decides how.
 */
export class PartitionStateMachine {
  private topics = new Map<string, TopicContext>()
  /** Brokers in controlled shutdown: never chosen as leader until they are gone and back. */
  private readonly shuttingDown = new Set<number>()

  constructor (
    private readonly zk: ZkClient,
    private readonly controller: ControllerView,
    private readonly config: PartitionStateMachineConfig,
    private readonly log: Logger,
  ) {}

  /** A new controllership starts from nothing known: the failover reads every topic again. */
  reset (): void {
    this.topics = new Map()
  }

  hasTopic (name: string): boolean {
    return this.topics.has(name)
  }

  /** Forgets the topics not in `names` (/brokers/topics' children); answers the ones not known yet. */
  retainTopics (names: readonly string[]): string[] {
    for (const name of [...this.topics.keys()]) if (!names.includes(name)) this.topics.delete(name)
    return names.filter(n => !this.topics.has(n))
  }

  removeTopic (name: string): void {
    this.topics.delete(name)
  }

  /** Reads the topic's config and the state of each partition not known yet (new topic, or partitions added). */
  async loadTopic (name: string, assignment: TopicAssignment): Promise<void> {
    const config = await this.zk.getData(entityConfigZnode.path('topics', name))
    const unclean = config === null ? undefined : entityConfigZnode.decode(config.data)['unclean.leader.election.enable']
    const topic: TopicContext = this.topics.get(name) ?? { topicId: assignment.topicId, partitions: new Map(), uncleanAllowed: false }
    topic.uncleanAllowed = unclean !== undefined ? unclean === 'true' : this.config.uncleanLeaderElection
    // Only partitions with a znode can have a state: a new topic's are not read one by one to find none.
    const listed = new Set((await this.zk.getChildren(partitionStateZnode.partitionsPath(name))).map(Number))
    // Pipelined: a new controller reads thousands of partition states, one round trip for all.
    await settleAll([...assignment.partitions].filter(([partition]) => !topic.partitions.has(partition)), async ([partition, replicas]) => {
      const state = listed.has(partition) ? await this.zk.getData(partitionStateZnode.path(name, partition)) : null
      topic.partitions.set(partition, {
        replicas,
        addingReplicas: assignment.addingReplicas?.get(partition) ?? [],
        removingReplicas: assignment.removingReplicas?.get(partition) ?? [],
        state: state === null ? undefined : partitionStateZnode.decode(state.data),
        version: state?.version ?? -1,
      })
    })
    this.topics.set(name, topic)
  }

  /** What the controller knows of a partition (the reassignment steps change its replicas through `assign`). */
  partition (topic: string, partition: number): Readonly<PartitionContext> | undefined {
    return this.topics.get(topic)?.partitions.get(partition)
  }

  /** Every partition with its context, topic by topic. */
  * allPartitions (): Generator<[TopicPartition, Readonly<PartitionContext>]> {
    for (const [topic, t] of this.topics) for (const [partition, ctx] of t.partitions) yield [{ topic, partition }, ctx]
  }

  /** The replicas the controller just wrote to the topic znode (a reassignment step). */
  assign (topic: string, partition: number, replicas: { replicas: number[], addingReplicas: number[], removingReplicas: number[] }): void {
    const ctx = this.topics.get(topic)?.partitions.get(partition)
    if (ctx !== undefined) Object.assign(ctx, replicas)
  }

  /** Applies `rule` to these partitions (Kafka's handleStateChanges for a chosen set), each write fenced and conditional. */
  async updateStates (targets: readonly TopicPartition[], rule: (p: PartitionView, tp: TopicPartition) => PartitionState | undefined): Promise<void> {
    const keys = new Set(targets.map(keyOf))
    await this.apply(new Set(targets.map(tp => tp.topic)), (p, _t, topic, partition) => keys.has(keyOf({ topic, partition })) ? rule(p, { topic, partition }) : undefined)
  }

  /** A leader changed the ISR (IsrChangeNotification): take the state znode as it is now. */
  async rereadPartition (topic: string, partition: number): Promise<void> {
    const ctx = this.topics.get(topic)?.partitions.get(partition)
    if (ctx === undefined) return
    const node = await this.zk.getData(partitionStateZnode.path(topic, partition))
    ctx.state = node === null ? undefined : partitionStateZnode.decode(node.data)
    ctx.version = node?.version ?? -1
  }

  /**
   * Kafka's triggerOnlinePartitionStateChange: new partitions get their first leader, a dead
   * leader is replaced from the ISR, dead followers leave it (onBrokersChanged).
   */
  async electLeaders (topicNames: Iterable<string>): Promise<void> {
    await this.apply(topicNames, (p, t) => onBrokersChanged(p, this.controller.liveBrokerIds, t.uncleanAllowed, this.controller.controllerEpoch, this.shuttingDown))
  }

  /** Brokers died or came back (`changed`): a broker back from a controlled shutdown may lead again. */
  async onBrokerChange (changed: readonly number[]): Promise<void> {
    for (const id of changed) this.shuttingDown.delete(id)
    await this.electLeaders(this.topics.keys())
  }

  /**
   * ControlledShutdown: move the broker's leaderships away and take it out of ISRs. Answers the
   * partitions it still leads (no other ISR member).
   */
  async controlledShutdown (brokerId: number): Promise<TopicPartition[]> {
    this.shuttingDown.add(brokerId)
    this.log.info('controlled shutdown requested', { brokerId })
    await this.apply(this.topics.keys(), p => onControlledShutdown(p, brokerId, this.live(), this.controller.controllerEpoch))
    return this.partitionsLedBy(brokerId)
  }

  /** Preferred leader election (ElectLeaders): the first replica leads again where it can. null: every partition. */
  async electPreferredLeaders (wanted: readonly TopicPartition[] | null): Promise<Map<string, ElectionOutcome>> {
    const targets = wanted ?? [...this.topics].flatMap(([topic, t]) => [...t.partitions.keys()].map(partition => ({ topic, partition })))
    const alreadyPreferred = new Set(targets.filter(tp => {
      const ctx = this.topics.get(tp.topic)?.partitions.get(tp.partition)
      return ctx !== undefined && ctx.state?.leader === ctx.replicas[0]
    }).map(keyOf))
    await this.electPreferred(targets, this.live())
    return new Map(targets.map(tp => {
      const ctx = this.topics.get(tp.topic)?.partitions.get(tp.partition)
      const key = keyOf(tp)
      const outcome: ElectionOutcome = ctx === undefined ? 'unknown' : alreadyPreferred.has(key) ? 'not needed' : ctx.state?.leader === ctx.replicas[0] ? 'elected' : 'not available'
      return [key, outcome]
    }))
  }

  /**
   * auto.leader.rebalance.enable (Kafka's checkAndTriggerAutoLeaderRebalance): per broker, when
   * more than leader.imbalance.per.broker.percentage of its preferred partitions are led elsewhere.
   */
  async rebalanceLeaders (): Promise<void> {
    const byPreferred = new Map<number, Array<{ topic: string, partition: number, led: boolean }>>()
    for (const [topic, t] of this.topics) {
      for (const [partition, p] of t.partitions) {
        const preferred = p.replicas[0]
        if (preferred === undefined || p.state === undefined) continue
        const list = byPreferred.get(preferred) ?? []
        list.push({ topic, partition, led: p.state.leader === preferred })
        byPreferred.set(preferred, list)
      }
    }
    const live = this.live()
    for (const [broker, list] of byPreferred) {
      const notLed = list.filter(x => !x.led)
      if (!live.has(broker) || notLed.length === 0 || notLed.length / list.length * 100 <= this.config.imbalancePercentage) continue
      this.log.info('leader imbalance: moving leadership back to the preferred replica', { brokerId: broker, partitions: notLed.length })
      await this.electPreferred(notLed, live)
    }
  }

  /** The broker's replicas of these partitions are in a failed log dir (Kafka's OfflineReplica transition). */
  async onReplicasOffline (brokerId: number, partitions: readonly TopicPartition[]): Promise<void> {
    await this.updateStates(partitions, (p, tp) => onReplicaOffline(p, brokerId, this.live(), this.topics.get(tp.topic)?.uncleanAllowed === true, this.controller.controllerEpoch))
  }

  /** Live brokers that may lead: not in controlled shutdown. */
  live (): Set<number> {
    return new Set([...this.controller.liveBrokerIds].filter(id => !this.shuttingDown.has(id)))
  }

  private partitionsLedBy (brokerId: number): TopicPartition[] {
    const out: TopicPartition[] = []
    for (const [topic, t] of this.topics) for (const [partition, p] of t.partitions) if (p.state?.leader === brokerId) out.push({ topic, partition })
    return out
  }

  private async electPreferred (targets: readonly TopicPartition[], live: ReadonlySet<number>): Promise<void> {
    await this.updateStates(targets, p => electPreferred(p, p.replicas.slice(0, 1), live, this.controller.controllerEpoch))
  }

  /**
   * Applies a rule to every partition of these topics and writes the changes fenced by the controller
   * epoch and conditional on each state znode's version (Kafka's KafkaZkClient.updateLeaderAndIsr),
   * many partitions to a ZooKeeper multi (writeChunk), the multis pipelined: a new partition's znode
   * and its state in the same multi, so that brokers, watching the children of a topic's partitions,
   * find the state with the partition. A write that lost a race with a leader's ISR change is re-read
   * and the rule applied to it again.
   */
  private async apply (topicNames: Iterable<string>, rule: (p: PartitionView, t: TopicContext, topic: string, partition: number) => PartitionState | undefined, attempt = 1): Promise<void> {
    const changes: PartitionChange[] = []
    for (const topic of topicNames) {
      const t = this.topics.get(topic)
      if (t === undefined) continue
      for (const [partition, ctx] of t.partitions) {
        const next = rule({ replicas: ctx.replicas, state: ctx.state }, t, topic, partition)
        if (next !== undefined) changes.push({ topic, partition, ctx, next })
      }
    }
    if (changes.length === 0) return
    // The parent of new partitions' znodes first, once per topic (Kafka's createTopicPartitions).
    await settleAll([...new Set(changes.filter(c => c.ctx.state === undefined).map(c => c.topic))], async topic => await this.zk.mkdirp(partitionStateZnode.partitionsPath(topic)))
    const raced: PartitionChange[] = []
    await settleAll(zkBatches(changes, opsBytes, MAX_MULTI_BYTES), async chunk => { raced.push(...await this.writeChunk(chunk)) })
    if (raced.length === 0) return
    if (attempt >= 5) throw new Error(`partition states kept changing under the controller: ${raced.slice(0, 5).map(c => `${c.topic}-${c.partition}`).join(', ')}`)
    await settleAll(raced, async c => await this.rereadPartition(c.topic, c.partition))
    const again = new Set(raced.map(keyOf))
    await this.apply(new Set(raced.map(c => c.topic)), (p, t, topic, partition) => again.has(keyOf({ topic, partition })) ? rule(p, t, topic, partition) : undefined, attempt + 1)
  }

  /**
   * One fenced multi for the changes; when it fails on one partition's race (its version moved, or
   * its znode exists or is gone), each change is written on its own to find out which: answers the
   * changes that lost their race.
   */
  private async writeChunk (chunk: readonly PartitionChange[]): Promise<PartitionChange[]> {
    try {
      await this.controller.fencedMulti(chunk.flatMap(c => ops(c, false)))
    } catch (err) {
      if (!isRace(err)) throw err
      const raced: PartitionChange[] = []
      await settleAll(chunk, async c => { if (!await this.writeAlone(c)) raced.push(c) })
      return raced
    }
    for (const c of chunk) this.written(c)
    return []
  }

  /**
   * One change in a multi of its own; a new partition's znode may exist already (an earlier
   * controller created it and not its state): only the state is created then. False if it lost a race.
   */
  private async writeAlone (c: PartitionChange): Promise<boolean> {
    if (c.ctx.state === undefined) await this.zk.mkdirp(partitionStateZnode.partitionPath(c.topic, c.partition))
    try {
      await this.controller.fencedMulti(ops(c, true))
    } catch (err) {
      if (isRace(err)) return false
      throw err
    }
    this.written(c)
    return true
  }

  private written (c: PartitionChange): void {
    if (c.ctx.state?.leader !== c.next.leader) this.log.info('partition leader elected', { topic: c.topic, partition: c.partition, leader: c.next.leader, leaderEpoch: c.next.leaderEpoch, isr: c.next.isr })
    c.ctx.version = c.ctx.state === undefined ? 0 : c.ctx.version + 1
    c.ctx.state = c.next
  }
}

/** A state's conditional update, or a new partition's state with (unless `parentExists`) its partition znode. */
function ops (c: PartitionChange, parentExists: boolean): ZkOp[] {
  const path = partitionStateZnode.path(c.topic, c.partition)
  const data = partitionStateZnode.encode(c.next)
  if (c.ctx.state !== undefined) return [{ op: 'setData', path, data, version: c.ctx.version }]
  const state: ZkOp = { op: 'create', path, data }
  return parentExists ? [state] : [{ op: 'create', path: partitionStateZnode.partitionPath(c.topic, c.partition), data: Buffer.alloc(0) }, state]
}

/** Someone else (a leader changing its ISR, an earlier controller) wrote the state since it was read. */
function isRace (err: unknown): boolean {
  return err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS' || err.code === 'NO_NODE') && err.path !== controllerEpochZnode.path
}

/**
 * At most this many bytes of paths and data in one multi (zkBatches), which a single multi for
 * thousands of partitions exceeded. Some 40 partitions of ordinary names to a multi: 10,000 new
 * partitions are ~250 multis, not 10,000.
 */
const MAX_MULTI_BYTES = 16 * 1024

/** Each op's path and data, and a generous 64 bytes of its header. */
function opsBytes (c: PartitionChange): number {
  return ops(c, false).reduce((n, op) => n + op.path.length + ('data' in op ? op.data.length : 0) + 64, 0)
}

/** "topic:partition", as ElectLeaders' outcomes are keyed. */
export function keyOf (tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`
}
