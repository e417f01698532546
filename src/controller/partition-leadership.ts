import type { Logger } from '../logger.js'
import { controllerEpochZnode, deleteTopicZnode, entityConfigZnode, isrChangeNotificationZnode, logDirEventNotificationZnode, offlineReplicasZnode, partitionStateZnode, topicsZnode, topicZnode, type PartitionState } from '../cluster/znodes.js'
import { ZkError, type ZkSession } from '../cluster/zk-session.js'
import type { Controller } from './controller.js'
import { electPreferred, onBrokersChanged, onControlledShutdown, onReplicaOffline, type PartitionView } from './leader-election.js'

interface PartitionContext { replicas: number[], state: PartitionState | undefined, version: number }
interface TopicContext { topicId: string, partitions: Map<number, PartitionContext>, uncleanAllowed: boolean }
export interface TopicPartition { topic: string, partition: number }
export type ElectionOutcome = 'elected' | 'not needed' | 'not available' | 'unknown'
interface PartitionChange { topic: string, partition: number, ctx: PartitionContext, next: PartitionState }

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
      await this.onLogDirEvents()
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
    await settleAll(fresh, async name => await this.loadTopic(name))
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
    // Pipelined: a new controller reads thousands of partition states, one round trip for all.
    await settleAll([...assignment.partitions].filter(([partition]) => !topic.partitions.has(partition)), async ([partition, replicas]) => {
      const state = await this.zk.getData(partitionStateZnode.path(name, partition))
      topic.partitions.set(partition, { replicas, state: state === null ? undefined : partitionStateZnode.decode(state.data), version: state?.version ?? -1 })
    })
    this.topics.set(name, topic)
  }

  /** The broker-change rules for every partition of these topics. */
  private async electAll (topicNames: Iterable<string>): Promise<void> {
    await this.apply(topicNames, (p, t) => onBrokersChanged(p, this.live(), t.uncleanAllowed, this.controller.controllerEpoch))
  }

  /**
   * Applies a rule to every partition of these topics and writes each change as its own fenced,
   * conditional update, all pipelined (Kafka's KafkaZkClient.updateLeaderAndIsr: per partition, a
   * multi of the controller-epoch check and the state write). One request per partition stays far
   * below ZooKeeper's packet limit (jute.maxbuffer, 1 MB) however many partitions change at once;
   * a single multi for thousands would be refused and the connection dropped. A write that lost a
   * race with a leader's ISR change is re-read and the rule applied to it again.
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
    // The parents of new partitions' state znodes first (Kafka's createTopicPartitions).
    await settleAll(changes.filter(c => c.ctx.state === undefined), async c => await this.zk.mkdirp(partitionStateZnode.partitionPath(c.topic, c.partition)))
    const raced: PartitionChange[] = []
    await settleAll(changes, async c => {
      const path = partitionStateZnode.path(c.topic, c.partition)
      const data = partitionStateZnode.encode(c.next)
      try {
        await this.controller.fencedMulti([c.ctx.state === undefined ? { op: 'create', path, data } : { op: 'setData', path, data, version: c.ctx.version }])
      } catch (err) {
        // Someone else (a leader changing its ISR) wrote the state since we read it.
        if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS' || err.code === 'NO_NODE') && err.path !== controllerEpochZnode.path) {
          raced.push(c)
          return
        }
        throw err
      }
      if (c.ctx.state?.leader !== c.next.leader) this.log.info('partition leader elected', { topic: c.topic, partition: c.partition, leader: c.next.leader, leaderEpoch: c.next.leaderEpoch, isr: c.next.isr })
      c.ctx.version = c.ctx.state === undefined ? 0 : c.ctx.version + 1
      c.ctx.state = c.next
    })
    if (raced.length === 0) return
    if (attempt >= 5) throw new Error(`partition states kept changing under the controller: ${raced.slice(0, 5).map(c => `${c.topic}-${c.partition}`).join(', ')}`)
    await settleAll(raced, async c => await this.rereadPartition(c.topic, c.partition))
    const again = new Set(raced.map(c => `${c.topic}:${c.partition}`))
    await this.apply(new Set(raced.map(c => c.topic)), (p, t, topic, partition) => again.has(`${topic}:${partition}`) ? rule(p, t, topic, partition) : undefined, attempt + 1)
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

  /**
   * Brokers whose log dirs failed leave a notification (Kafka's LogDirEventNotification); their
   * replicas listed in /offline_replicas/<id> lose leadership and leave the ISR (onReplicaOffline).
   * Notifications are deleted once handled, so a new controller handles what this one did not.
   */
  private async onLogDirEvents (): Promise<void> {
    const root = logDirEventNotificationZnode.rootPath
    const names = await this.zk.getChildren(root, () => this.enqueue('log dir event', async () => await this.onLogDirEvents()))
    const brokerIds = new Set<number>()
    for (const name of names) {
      const node = await this.zk.getData(`${root}/${name}`)
      if (node !== null) brokerIds.add(logDirEventNotificationZnode.decode(node.data))
    }
    for (const brokerId of brokerIds) {
      const node = await this.zk.getData(offlineReplicasZnode.path(brokerId))
      // A dead broker's replicas are offline anyway; onBrokersChanged has moved them.
      if (node === null || !this.controller.liveBrokerIds.has(brokerId)) continue
      const { logDirs, partitions } = offlineReplicasZnode.decode(node.data)
      this.log.info('broker has replicas in failed log dirs', { brokerId, logDirs, partitions: partitions.length })
      const offline = new Set(partitions.map(p => `${p.topic}:${p.partition}`))
      await this.apply(new Set(partitions.map(p => p.topic)), (p, t, topic, partition) =>
        offline.has(`${topic}:${partition}`) ? onReplicaOffline(p, brokerId, this.live(), t.uncleanAllowed, this.controller.controllerEpoch) : undefined)
    }
    for (const name of names) await this.zk.removeRecursive(`${root}/${name}`)
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

/**
 * Runs `each` on every item at once (ZooKeeper pipelines the requests) and waits for all of them,
 * so that no write is still in flight when the caller goes on; then throws the first failure.
 */
async function settleAll<T> (items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  const failed = (await Promise.allSettled(items.map(each))).find(r => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}
