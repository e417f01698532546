import type { Logger } from '../logger.js'
import { deleteTopicZnode, entityConfigZnode, isrChangeNotificationZnode, partitionStateZnode, topicsZnode, topicZnode, type PartitionState } from '../cluster/znodes.js'
import { ZkError, type ZkOp, type ZkSession } from '../cluster/zk-session.js'
import type { Controller } from './controller.js'
import { onBrokersChanged, type PartitionView } from './leader-election.js'

interface PartitionContext { replicas: number[], state: PartitionState | undefined, version: number }
interface TopicContext { topicId: string, partitions: Map<number, PartitionContext>, uncleanAllowed: boolean }

/**
 * What the active controller does with topics (Kafka's ControllerContext + partition state
 * machine): gives new partitions their first leader, re-elects when brokers die or return,
 * carries out topic deletions, and re-reads partitions named in ISR change notifications. Every
 * write is fenced by the controller epoch and conditional on the state znode's version.
 */
export class PartitionLeadership {
  private topics = new Map<string, TopicContext>()

  constructor (private readonly zk: ZkSession, private readonly controller: Controller, private readonly defaults: { uncleanLeaderElection: boolean }, private readonly log: Logger) {
    controller.on('elected', () => this.enqueue('load topics', async () => {
      this.topics = new Map()
      await this.onTopicsChanged()
      await this.onDeleteTopics()
      await this.onIsrChanges()
    }))
    controller.on('brokersChanged', () => this.enqueue('brokers changed', async () => await this.electAll(this.topics.keys())))
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

  /** Applies the election rules to every partition of these topics in one fenced multi. */
  private async electAll (topicNames: Iterable<string>, attempt = 1): Promise<void> {
    const names = [...topicNames]
    const changes: Array<{ topic: string, partition: number, ctx: PartitionContext, next: PartitionState }> = []
    for (const topic of names) {
      const t = this.topics.get(topic)
      if (t === undefined) continue
      for (const [partition, ctx] of t.partitions) {
        const view: PartitionView = { replicas: ctx.replicas, state: ctx.state }
        const next = onBrokersChanged(view, this.controller.liveBrokerIds, t.uncleanAllowed, this.controller.controllerEpoch)
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
        await this.electAll(names, attempt + 1)
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
