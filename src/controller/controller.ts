import type { Logger } from '../logger.js'
import { brokerIdsZnode, controllerEpochZnode, controllerZnode, deleteTopicZnode, isrChangeNotificationZnode, logDirEventNotificationZnode, offlineReplicasZnode, topicsZnode, topicZnode } from '../cluster/znodes.js'
import { ZkError, type ZkClient, type ZkOp } from '../cluster/zk-session.js'
import type { ControllerEvent } from './controller-event.js'
import { EventQueue } from './event-queue.js'
import { PartitionReassignmentManager, type OngoingReassignment, type ReassignmentRequest } from './partition-reassignment-manager.js'
import type { ReassignmentResult } from './partition-reassignment.js'
import { PartitionStateMachine, type ElectionOutcome, type PartitionStateMachineConfig, type TopicPartition } from './partition-state-machine.js'
import { settleAll } from './settle-all.js'
import { TopicDeletionManager } from './topic-deletion-manager.js'

export interface ControllerConfig extends PartitionStateMachineConfig {
  /** auto.leader.rebalance.enable */
  autoLeaderRebalance: boolean
  /** leader.imbalance.check.interval.seconds, in ms. */
  imbalanceCheckIntervalMs: number
}

/**
 * The controller (Kafka's KafkaController, ZooKeeper mode). Election: whoever creates the ephemeral
 * /controller wins, in one multi with a conditional bump of /controller_epoch; every later
 * controller write goes through `fencedMulti`, which checks /controller_epoch's version first, so a
 * deposed controller cannot write. Everything else is a ControllerEvent (controller-event.ts):
 * ZooKeeper watches, the auto-rebalance timer and requests enqueue one, and `process` applies them
 * one at a time, handing partitions to the PartitionStateMachine and deletions to the
 * TopicDeletionManager. Only election events run while this broker is not the controller.
 */
export class Controller {
  private active = false
  private stopped = false
  private epoch = 0
  private epochZkVersion = -1
  private liveBrokers: number[] = []
  private readonly events: EventQueue
  private readonly partitions: PartitionStateMachine
  private readonly topicDeletion: TopicDeletionManager
  private readonly reassignments: PartitionReassignmentManager
  private readonly rebalanceTimer?: NodeJS.Timeout

  constructor (private readonly zk: ZkClient, private readonly brokerId: number, config: ControllerConfig, private readonly log: Logger) {
    this.events = new EventQueue(zk, log, async event => await this.process(event))
    this.partitions = new PartitionStateMachine(zk, this, config, log)
    this.topicDeletion = new TopicDeletionManager(zk, this.partitions, log)
    this.reassignments = new PartitionReassignmentManager(zk, this.partitions, this, this.watcher({ type: 'ZkPartitionReassignment' }), log)
    if (config.autoLeaderRebalance) {
      this.rebalanceTimer = setInterval(this.watcher({ type: 'AutoPreferredReplicaLeaderElection' }), config.imbalanceCheckIntervalMs)
      this.rebalanceTimer.unref()
    }
    // A controller whose session expired must stop acting before anything else happens.
    zk.on('expired', () => this.resign('zookeeper session expired'))
    zk.on('session', this.watcher({ type: 'Reelect' }))
  }

  get isActive (): boolean { return this.active }
  get controllerEpoch (): number { return this.epoch }
  get liveBrokerIds (): ReadonlySet<number> { return new Set(this.liveBrokers) }

  start (): Promise<void> {
    return this.events.enqueue({ type: 'Startup' })
  }

  /** A ZooKeeper multi that fails with BAD_VERSION if another controller was elected since. */
  async fencedMulti (ops: readonly ZkOp[]): Promise<void> {
    if (!this.active) throw new Error('not the active controller')
    try {
      await this.zk.multi([{ op: 'check', path: controllerEpochZnode.path, version: this.epochZkVersion }, ...ops])
    } catch (err) {
      if (err instanceof ZkError && err.code === 'BAD_VERSION' && err.path === controllerEpochZnode.path) {
        this.resign('controller epoch moved on: another broker is controller')
      }
      throw err
    }
  }

  /**
   * ControlledShutdown from a stopping broker: its leaderships move away and it leaves the ISRs.
   * Answers the partitions it still leads (no other ISR member), or undefined if not controller.
   */
  async controlledShutdown (brokerId: number): Promise<TopicPartition[] | undefined> {
    let remaining: TopicPartition[] | undefined
    await this.events.enqueue({ type: 'ControlledShutdown', brokerId, callback: r => { remaining = r } })
    return remaining
  }

  /** ElectLeaders (preferred): outcomes keyed "topic:partition", or undefined if not controller. */
  async electPreferredLeaders (partitions: readonly TopicPartition[] | null): Promise<Map<string, ElectionOutcome> | undefined> {
    let outcomes: Map<string, ElectionOutcome> | undefined
    await this.events.enqueue({ type: 'ReplicaLeaderElection', partitions, callback: o => { outcomes = o } })
    return outcomes
  }

  /** AlterPartitionReassignments: one result per request, or undefined if not controller. */
  async alterPartitionReassignments (reassignments: readonly ReassignmentRequest[]): Promise<ReassignmentResult[] | undefined> {
    let results: ReassignmentResult[] | undefined
    await this.events.enqueue({ type: 'ApiPartitionReassignment', reassignments, callback: r => { results = r } })
    return results
  }

  /** ListPartitionReassignments: the reassignments in progress (among `partitions`, null: all), or undefined if not controller. */
  async listPartitionReassignments (partitions: readonly TopicPartition[] | null): Promise<OngoingReassignment[] | undefined> {
    let ongoing: OngoingReassignment[] | undefined
    await this.events.enqueue({ type: 'ListPartitionReassignments', partitions, callback: o => { ongoing = o } })
    return ongoing
  }

  /** Steps down and deletes /controller if it is ours, so another broker takes over at once. */
  async shutdown (): Promise<void> {
    clearInterval(this.rebalanceTimer)
    this.stopped = true
    const wasActive = this.active
    this.resign('shutting down')
    if (!wasActive) return
    try {
      const node = await this.zk.getData(controllerZnode.path)
      if (node !== null && controllerZnode.decode(node.data) === this.brokerId) await this.zk.remove(controllerZnode.path, node.version)
    } catch (err) {
      this.log.warn('could not delete /controller on shutdown', { error: err instanceof Error ? err.message : String(err) })
    }
  }

  /** Kafka's KafkaController.process: one handler per event. */
  private async process (event: ControllerEvent): Promise<void> {
    switch (event.type) {
      case 'Startup': case 'Reelect': case 'ControllerChange':
        return await this.elect()
    }
    if (!this.active) return
    switch (event.type) {
      case 'ControllerFailover': return await this.onControllerFailover()
      case 'BrokerChange': return await this.processBrokerChange()
      case 'TopicChange': return await this.processTopicChange()
      case 'PartitionModifications': return await this.processPartitionModifications(event.topic)
      case 'TopicDeletion': return await this.processTopicDeletion()
      case 'IsrChangeNotification': return await this.processIsrChangeNotification()
      case 'LogDirEventNotification': return await this.processLogDirEventNotification()
      case 'ControlledShutdown': return event.callback(await this.partitions.controlledShutdown(event.brokerId))
      case 'ReplicaLeaderElection': return event.callback(await this.partitions.electPreferredLeaders(event.partitions))
      case 'ApiPartitionReassignment': return event.callback(await this.reassignments.alterReassignments(event.reassignments))
      case 'ListPartitionReassignments': return event.callback(this.reassignments.listReassignments(event.partitions))
      case 'ZkPartitionReassignment': return await this.reassignments.processZkReassignment()
      case 'AutoPreferredReplicaLeaderElection': return await this.partitions.rebalanceLeaders()
    }
  }

  /** A watch (or timer) callback that enqueues `event`. */
  private watcher (event: ControllerEvent): () => void {
    return () => { void this.events.enqueue(event) }
  }

  private resign (reason: string): void {
    if (!this.active) return
    this.active = false
    this.log.info('resigned as controller', { reason, controllerEpoch: this.epoch })
  }

  private async elect (): Promise<void> {
    if (this.stopped) return
    const watch = this.watcher({ type: 'ControllerChange' })
    const current = await this.zk.getData(controllerZnode.path, watch)
    if (current !== null) {
      const controllerId = controllerZnode.decode(current.data)
      if (controllerId !== this.brokerId || current.ephemeralOwner !== BigInt('0x' + this.zk.sessionId)) this.resign(`broker ${controllerId} is controller`)
      return
    }
    const epochNode = await this.readControllerEpoch()
    try {
      await this.zk.multi([
        { op: 'create', path: controllerZnode.path, data: controllerZnode.encode(this.brokerId, Date.now()), ephemeral: true },
        { op: 'setData', path: controllerEpochZnode.path, data: controllerEpochZnode.encode(epochNode.epoch + 1), version: epochNode.version },
      ])
    } catch (err) {
      if (err instanceof ZkError && (err.code === 'NODE_EXISTS' || err.code === 'BAD_VERSION')) {
        await this.elect() // lost the race: read the winner and watch it
        return
      }
      throw err
    }
    this.active = true
    this.epoch = epochNode.epoch + 1
    this.epochZkVersion = epochNode.version + 1
    this.log.info('elected controller', { brokerId: this.brokerId, controllerEpoch: this.epoch })
    void this.events.enqueue({ type: 'ControllerFailover' })
    // The watch for the /controller we just created: fires when it goes (session loss, shutdown).
    await this.zk.exists(controllerZnode.path, watch)
  }

  private async readControllerEpoch (): Promise<{ epoch: number, version: number }> {
    let node = await this.zk.getData(controllerEpochZnode.path)
    if (node === null) {
      try {
        await this.zk.create(controllerEpochZnode.path, controllerEpochZnode.encode(0))
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err
      }
      node = await this.zk.getData(controllerEpochZnode.path)
      if (node === null) throw new Error('/controller_epoch vanished while being created')
    }
    return { epoch: controllerEpochZnode.decode(node.data), version: node.version }
  }

  /** Kafka's onControllerFailover: everything a new controller must know, then leaders for all. */
  private async onControllerFailover (): Promise<void> {
    const changed = await this.readLiveBrokers()
    this.partitions.reset()
    await this.processTopicChange()
    await this.processTopicDeletion()
    await this.processIsrChangeNotification()
    await this.processLogDirEventNotification()
    await this.partitions.onBrokerChange(changed)
    await this.reassignments.resume()
  }

  /** Leaders for the partitions of brokers that died or came back; reassignments waiting on them may finish. */
  private async processBrokerChange (): Promise<void> {
    await this.partitions.onBrokerChange(await this.readLiveBrokers())
    await this.reassignments.maybeCompleteAll()
  }

  /** Broker membership as the controller sees it (failures are noticed through /brokers/ids); answers the ids born or dead since the last read. */
  private async readLiveBrokers (): Promise<number[]> {
    const ids = (await this.zk.getChildren(brokerIdsZnode.path, this.watcher({ type: 'BrokerChange' }))).map(Number).sort((a, b) => a - b)
    const dead = this.liveBrokers.filter(id => !ids.includes(id))
    const born = ids.filter(id => !this.liveBrokers.includes(id))
    this.liveBrokers = ids
    if (dead.length > 0) this.log.info('brokers failed', { brokerIds: dead, liveBrokerIds: ids })
    if (born.length > 0) this.log.info('brokers started', { brokerIds: born, liveBrokerIds: ids })
    return [...born, ...dead]
  }

  private async processTopicChange (): Promise<void> {
    const fresh = this.partitions.retainTopics(await this.zk.getChildren(topicsZnode.path, this.watcher({ type: 'TopicChange' })))
    await settleAll(fresh, async name => await this.loadTopic(name))
    await this.partitions.electLeaders(fresh)
  }

  private async processPartitionModifications (topic: string): Promise<void> {
    if (!this.partitions.hasTopic(topic)) return
    await this.loadTopic(topic)
    await this.partitions.electLeaders([topic])
  }

  /** Reads the topic's assignment, watching it for added partitions. */
  private async loadTopic (name: string): Promise<void> {
    const node = await this.zk.getData(topicZnode.path(name), this.watcher({ type: 'PartitionModifications', topic: name }))
    if (node === null) return this.partitions.removeTopic(name)
    await this.partitions.loadTopic(name, topicZnode.decode(node.data))
  }

  private async processTopicDeletion (): Promise<void> {
    await this.topicDeletion.deleteTopics(await this.zk.getChildren(deleteTopicZnode.rootPath, this.watcher({ type: 'TopicDeletion' })))
  }

  /**
   * Leaders that changed an ISR leave notifications; re-read those partitions and clear them. All
   * pipelined: a broker back from a restart rejoins thousands of ISRs at once.
   */
  private async processIsrChangeNotification (): Promise<void> {
    const root = isrChangeNotificationZnode.rootPath
    const names = await this.zk.getChildren(root, this.watcher({ type: 'IsrChangeNotification' }))
    const changed = new Map<string, TopicPartition>()
    await settleAll(names, async name => {
      const node = await this.zk.getData(`${root}/${name}`)
      if (node !== null) for (const p of isrChangeNotificationZnode.decode(node.data)) changed.set(`${p.topic}-${p.partition}`, p)
    })
    await settleAll([...changed.values()], async p => await this.partitions.rereadPartition(p.topic, p.partition))
    await this.reassignments.maybeComplete([...changed.values()])
    await settleAll(names, async name => await this.zk.removeRecursive(`${root}/${name}`))
  }

  /**
   * Brokers whose log dirs failed leave a notification (Kafka's LogDirEventNotification); their
   * replicas listed in /offline_replicas/<id> lose leadership and leave the ISR (onReplicaOffline).
   * Notifications are deleted once handled, so a new controller handles what this one did not.
   */
  private async processLogDirEventNotification (): Promise<void> {
    const root = logDirEventNotificationZnode.rootPath
    const names = await this.zk.getChildren(root, this.watcher({ type: 'LogDirEventNotification' }))
    const brokerIds = new Set<number>()
    for (const name of names) {
      const node = await this.zk.getData(`${root}/${name}`)
      if (node !== null) brokerIds.add(logDirEventNotificationZnode.decode(node.data))
    }
    for (const brokerId of brokerIds) {
      const node = await this.zk.getData(offlineReplicasZnode.path(brokerId))
      // A dead broker's replicas are offline anyway; a BrokerChange has moved them.
      if (node === null || !this.liveBrokers.includes(brokerId)) continue
      const { logDirs, partitions } = offlineReplicasZnode.decode(node.data)
      this.log.info('broker has replicas in failed log dirs', { brokerId, logDirs, partitions: partitions.length })
      await this.partitions.onReplicasOffline(brokerId, partitions)
    }
    for (const name of names) await this.zk.removeRecursive(`${root}/${name}`)
  }
}
