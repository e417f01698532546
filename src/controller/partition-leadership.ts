import type { Logger } from '../logger.js'
import { deleteTopicZnode, entityConfigZnode, isrChangeNotificationZnode, partitionStateZnode, topicsZnode, topicZnode, type PartitionState } from '../cluster/znodes.js'
import { ZkError, type ZkOp, type ZkSession } from '../cluster/zk-session.js'
import type { Controller } from './controller.js'
import { electPreferred, onBrokersChanged, onControlledShutdown, type PartitionView } from './leader-election.js'

interface PartitionContext { replicas: number[], state: PartitionState | undefined, version: number }
interface TopicContext { topicId: string, partitions: Map<number, PartitionContext>, uncleanAllowed: boolean }
export interface TopicPartition { topic: string, partition: number }
export type ElectionOutcome = 'elected' | 'not needed' | 'not available' | 'unknown'

/**
 * What the active controller does with topics (Kafka's ControllerContext + partition state
 * machine): gives new partitions their first leader, re-elects when brokers die or return,
 * carries out topic deletions, and re-reads partitions named in ISR change notifications. Every
 * write is fenced by the controller epoch and conditional on the state znode's version.
 */
export class PartitionLeadership {
  private topics = new Map<string, TopicContext>()
  /** Brokers in controlled shutdown: never chosen as leader until they are gone and back. */
  private readonly shuttingDown = new Set<number>()
  private rebalanceTimer?: NodeJS.Timeout

  constructor (
    private readonly zk: ZkSession,
    private readonly controller: Controller,
    private readonly defaults: { uncleanLeaderElection: boolean, autoLeaderRebalance: boolean, imbalanceCheckIntervalMs: number, imbalancePercentage: number },
    private readonly log: Logger,
  ) {
    if (defaults.autoLeaderRebalance) {
      this.rebalanceTimer = setInterval(() => this.enqueue('auto leader rebalance', async () => await this.rebalanceLeaders()), defaults.imbalanceCheckIntervalMs)
      this.rebalanceTimer.unref()
    }
    controller.on('elected', () => this.enqueue('load topics', async () => {
      this.topics = new Map()
      await this.onTopicsChanged()
      await this.onDeleteTopics()
      await this.onIsrChanges()
    }))
    controller.on('brokersChanged', (_ids: number[], born: number[], dead: number[]) => this.enqueue('brokers changed', async () => {
      for (const id of [...born, ...dead]) this.shuttingDown.delete(id)
      await this.electAll(this.topics.keys())
    }))
  }

  stop (): void {
    clearInterval(this.rebalanceTimer)
  }

  /**
   * ControlledShutdown from a stopping broker: move its leaderships away and take it out of ISRs.
   * Answers the partitions it still leads (no other ISR member), or undefined if not controller.
   */
  async controlledShutdown (brokerId: number): Promise<TopicPartition[] | undefined> {
    let remaining: TopicPartition[] | undefined
    await this.controller.events.enqueue('controlled shutdown', async () => {
      if (!this.controller.isActive) return
      this.shuttingDown.add(brokerId)
      this.log.info('controlled shutdown requested', { brokerId })
      await this.apply(this.topics.keys(), p => onControlledShutdown(p, brokerId, this.live(), this.controller.controllerEpoch))
      remaining = this.partitionsLedBy(brokerId)
    })
    return remaining
  }

  /** Preferred leader election (ElectLeaders): the first replica leads again where it can. */
  async electPreferredLeaders (wanted: TopicPartition[] | null): Promise<Map<string, ElectionOutcome> | undefined> {
    let outcomes: Map<string, ElectionOutcome> | undefined
    await this.controller.events.enqueue('preferred leader election', async () => {
      if (!this.controller.isActive) return
      const targets = wanted ?? [...this.topics].flatMap(([topic, t]) => [...t.partitions.keys()].map(partition => ({ topic, partition })))
      const keys = new Set(targets.map(tp => `${tp.topic}:${tp.partition}`))
      const alreadyPreferred = new Set(targets.filter(tp => {
        const ctx = this.topics.get(tp.topic)?.partitions.get(tp.partition)
        return ctx !== undefined && ctx.state?.leader === ctx.replicas[0]
      }).map(tp => `${tp.topic}:${tp.partition}`))
      await this.apply(new Set(targets.map(tp => tp.topic)), (p, _t, topic, partition) => keys.has(`${topic}:${partition}`) ? electPreferred(p, p.replicas.slice(0, 1), this.live(), this.controller.controllerEpoch) : undefined)
      outcomes = new Map(targets.map(tp => {
        const ctx = this.topics.get(tp.topic)?.partitions.get(tp.partition)
        const key = `${tp.topic}:${tp.partition}`
        const outcome: ElectionOutcome = ctx === undefined ? 'unknown' : alreadyPreferred.has(key) ? 'not needed' : ctx.state?.leader === ctx.replicas[0] ? 'elected' : 'not available'
        return [`${tp.topic}:${tp.partition}`, outcome]
      }))
    })
    return outcomes
  }

  /** auto.leader.rebalance.enable: per broker, when more than the allowed share of its preferred partitions are led elsewhere. */
  private async rebalanceLeaders (): Promise<void> {
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
      if (!live.has(broker) || notLed.length === 0 || notLed.length / list.length * 100 <= this.defaults.imbalancePercentage) continue
      this.log.info('leader imbalance: moving leadership back to the preferred replica', { brokerId: broker, partitions: notLed.length })
      const keys = new Set(notLed.map(x => `${x.topic}:${x.partition}`))
      await this.apply(new Set(notLed.map(x => x.topic)), (p, _t, topic, partition) => keys.has(`${topic}:${partition}`) ? electPreferred(p, p.replicas.slice(0, 1), live, this.controller.controllerEpoch) : undefined)
    }
  }

  private live (): Set<number> {
    return new Set([...this.controller.liveBrokerIds].filter(id => !this.shuttingDown.has(id)))
  }

  /** Partitions by topic as the controller knows them (for tests and controlled shutdown). */
  partitionsLedBy (brokerId: number): Array<{ topic: string, partition: number }> {
    const out: Array<{ topic: string, partition: number }> = []
    for (const [topic, t] of this.topics) for (const [partition, p] of t.partitions) if (p.state?.leader === brokerId) out.push({ topic, partition })
    return out
  }

  private enqueue (name: string, work: () => Promise<void>): void {
    void this.controller.events.enqueue(name, async () => { if (this.controller.isActive) await work() })
  }

  private async onTopicsChanged (): Promise<void> {
    const names = await this.zk.getChildren(topicsZnode.path, () => this.enqueue('topics changed', async () => await this.onTopicsChanged()))
    for (const name of [...this.topics.keys()]) if (!names.includes(name)) this.topics.delete(name)
    const fresh = names.filter(n => !this.topics.has(n))
    for (const name of fresh) await this.loadTopic(name)
    await this.electAll(fresh)
  }

  private async loadTopic (name: string): Promise<void> {
    const node = await this.zk.getData(topicZnode.path(name), () => this.enqueue('partitions added', async () => {
      if (!this.topics.has(name)) return
      await this.loadTopic(name)
      await this.electAll([name])
    }))
    if (node === null) { this.topics.delete(name); return }
    const assignment = topicZnode.decode(node.data)
    const config = await this.zk.getData(entityConfigZnode.path('topics', name))
    const unclean = config === null ? undefined : entityConfigZnode.decode(config.data)['unclean.leader.election.enable']
    const topic: TopicContext = this.topics.get(name) ?? { topicId: assignment.topicId, partitions: new Map(), uncleanAllowed: false }
    topic.uncleanAllowed = unclean !== undefined ? unclean === 'true' : this.defaults.uncleanLeaderElection
    for (const [partition, replicas] of assignment.partitions) {
      if (topic.partitions.has(partition)) continue
      const state = await this.zk.getData(partitionStateZnode.path(name, partition))
      topic.partitions.set(partition, { replicas, state: state === null ? undefined : partitionStateZnode.decode(state.data), version: state?.version ?? -1 })
    }
    this.topics.set(name, topic)
  }

  /** The broker-change rules for every partition of these topics. */
  private async electAll (topicNames: Iterable<string>): Promise<void> {
    await this.apply(topicNames, (p, t) => onBrokersChanged(p, this.live(), t.uncleanAllowed, this.controller.controllerEpoch))
  }

  /** Applies a rule to every partition of these topics and writes the changes in one fenced multi. */
  private async apply (topicNames: Iterable<string>, rule: (p: PartitionView, t: TopicContext, topic: string, partition: number) => PartitionState | undefined, attempt = 1): Promise<void> {
    const names = [...topicNames]
    const changes: Array<{ topic: string, partition: number, ctx: PartitionContext, next: PartitionState }> = []
    for (const topic of names) {
      const t = this.topics.get(topic)
      if (t === undefined) continue
      for (const [partition, ctx] of t.partitions) {
        const next = rule({ replicas: ctx.replicas, state: ctx.state }, t, topic, partition)
        if (next !== undefined) changes.push({ topic, partition, ctx, next })
      }
    }
    if (changes.length === 0) return
    const ops: ZkOp[] = []
    for (const c of changes) {
      if (c.ctx.state === undefined) {
        await this.zk.mkdirp(partitionStateZnode.partitionPath(c.topic, c.partition))
        ops.push({ op: 'create', path: partitionStateZnode.path(c.topic, c.partition), data: partitionStateZnode.encode(c.next) })
      } else ops.push({ op: 'setData', path: partitionStateZnode.path(c.topic, c.partition), data: partitionStateZnode.encode(c.next), version: c.ctx.version })
    }
    try {
      await this.controller.fencedMulti(ops)
    } catch (err) {
      // Someone else (a leader changing its ISR) wrote a state since we read it: re-read, retry.
      if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS' || err.code === 'NO_NODE') && err.path !== '/controller_epoch' && attempt < 5) {
        for (const c of changes) await this.rereadPartition(c.topic, c.partition)
        await this.apply(names, rule, attempt + 1)
        return
      }
      throw err
    }
    for (const c of changes) {
      if (c.ctx.state?.leader !== c.next.leader) this.log.info('partition leader elected', { topic: c.topic, partition: c.partition, leader: c.next.leader, leaderEpoch: c.next.leaderEpoch, isr: c.next.isr })
      c.ctx.state = c.next
      c.ctx.version += 1
    }
  }

  private async rereadPartition (topic: string, partition: number): Promise<void> {
    const ctx = this.topics.get(topic)?.partitions.get(partition)
    if (ctx === undefined) return
    const node = await this.zk.getData(partitionStateZnode.path(topic, partition))
    ctx.state = node === null ? undefined : partitionStateZnode.decode(node.data)
    ctx.version = node?.version ?? -1
  }

  /** Topic deletion (Kafka's TopicDeletionManager, simplified): brokers drop their logs when the topic vanishes. */
  private async onDeleteTopics (): Promise<void> {
    const names = await this.zk.getChildren(deleteTopicZnode.rootPath, () => this.enqueue('delete topics', async () => await this.onDeleteTopics()))
    for (const name of names) {
      this.log.info('deleting topic', { topic: name })
      await this.zk.removeRecursive(topicZnode.path(name))
      await this.zk.removeRecursive(entityConfigZnode.path('topics', name))
      await this.zk.removeRecursive(deleteTopicZnode.path(name))
      this.topics.delete(name)
    }
  }

  /** Leaders that changed an ISR leave a notification; re-read those partitions and clear it. */
  private async onIsrChanges (): Promise<void> {
    const names = await this.zk.getChildren(isrChangeNotificationZnode.rootPath, () => this.enqueue('isr changed', async () => await this.onIsrChanges()))
    for (const name of names) {
      const path = `${isrChangeNotificationZnode.rootPath}/${name}`
      const node = await this.zk.getData(path)
      if (node !== null) for (const p of isrChangeNotificationZnode.decode(node.data)) await this.rereadPartition(p.topic, p.partition)
      await this.zk.removeRecursive(path)
    }
  }
}
