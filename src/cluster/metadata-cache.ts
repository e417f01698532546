import { EventEmitter } from 'node:events'
import type { Logger } from '../logger.js'
import { brokerIdsZnode, brokerIdZnode, controllerZnode, entityConfigZnode, offlineReplicasZnode, partitionStateZnode, topicsZnode, topicZnode, type BrokerInfo, type PartitionState } from './znodes.js'
import type { Watcher, ZkClient } from './zk-session.js'

export interface PartitionMetadata extends PartitionState {
  topic: string
  partition: number
  replicas: number[]
  /** -1 until the controller has written the partition's state. */
  stateVersion: number
}

export interface TopicMetadata {
  name: string
  topicId: string
  partitions: Map<number, PartitionMetadata>
  config: Record<string, string>
}

/**
 * Every broker's view of the cluster, fed by ZooKeeper watches (we chose watches over Kafka's
 * UpdateMetadata/LeaderAndIsr pushes: see the README, What a broker does). Events: 'brokers' (ids),
 * 'partition' (PartitionMetadata: new, or leader/ISR/epoch changed), 'topicDeleted' (name, topicId),
 * 'topicConfig' (name), 'controller' (id).
 */
export class MetadataCache extends EventEmitter {
  private readonly liveBrokers = new Map<number, BrokerInfo>()
  private readonly topicsByName = new Map<string, TopicMetadata>()
  private readonly topicsById = new Map<string, TopicMetadata>()
  /** `<topic>-<partition>` of the replicas each broker holds in failed log dirs. */
  private readonly offlineReplicas = new Map<number, Set<string>>()
  controllerId = -1
  private stopped = false
  /** The session whose reads this view is built from (ZkSession.generation); -1 while none is complete. */
  private loadedGeneration = -1
  /** Paths (partition states, topic configs, a topic's partitions) with a watcher pending: the watcher and the session it was set in. */
  private readonly watching = new Map<string, { generation: number, watch: Watcher }>()

  constructor (private readonly zk: ZkClient, private readonly log: Logger) {
    super()
    this.setMaxListeners(0)
    // Watches die with their session: a new one re-reads everything and watches it again.
    zk.on('expired', () => { this.loadedGeneration = -1 })
    zk.on('session', () => { this.run(async () => await this.load()) })
  }

  async start (): Promise<void> { await this.load() }
  /** Reads under way when it stops still finish: their changes reach no listener. */
  stop (): void {
    this.stopped = true
    this.removeAllListeners()
  }

  /**
   * Whether this view may be acted on: built entirely from reads of the current session, which is
   * still provably alive (ZkSession.hasLease). After a session expiry every topic and partition
   * is read again before a leader may accept writes, so a broker that lost leadership while it
   * could not hear ZooKeeper never answers as leader from what it knew before.
   */
  isCurrent (): boolean {
    return this.loadedGeneration === this.zk.generation && this.zk.hasLease()
  }

  brokers (): BrokerInfo[] { return [...this.liveBrokers.values()].sort((a, b) => a.id - b.id) }
  broker (id: number): BrokerInfo | undefined { return this.liveBrokers.get(id) }
  /** Kafka's MetadataCache.hasAliveBroker: registered under /brokers/ids now. A property, so it can be passed on. */
  readonly hasAliveBroker = (id: number): boolean => this.liveBrokers.has(id)
  topics (): TopicMetadata[] { return [...this.topicsByName.values()] }
  topic (name: string): TopicMetadata | undefined { return this.topicsByName.get(name) }
  /** Fetch v13+ names topics by id on every request: a map, not a scan. */
  topicById (topicId: string): TopicMetadata | undefined { return this.topicsById.get(topicId) }
  partition (topic: string, partition: number): PartitionMetadata | undefined { return this.topicsByName.get(topic)?.partitions.get(partition) }
  /** Whether that broker holds its replica in a failed log dir (/offline_replicas/<id>). */
  isReplicaOffline (brokerId: number, topic: string, partition: number): boolean {
    return this.offlineReplicas.get(brokerId)?.has(`${topic}-${partition}`) === true
  }

  /** Resolves when `predicate` holds (checked on every change), or false after timeoutMs. */
  async waitUntil (predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return true
    return await new Promise<boolean>(resolve => {
      const events = ['partition', 'brokers', 'topicDeleted', 'topicConfig', 'controller']
      const check = (): void => { if (predicate()) done(true) }
      const timer = setTimeout(() => done(false), timeoutMs)
      const done = (ok: boolean): void => {
        clearTimeout(timer)
        for (const e of events) this.off(e, check)
        resolve(ok)
      }
      for (const e of events) this.on(e, check)
    })
  }

  /**
   * Watch callbacks run here: a failed read (connection loss) is logged and retried shortly, within
   * its session only: a new session's full reload covers whatever an older one left unread.
   */
  private run (work: () => Promise<void>, attempt = 1, generation = this.zk.generation): void {
    work().catch((err: unknown) => {
      if (this.stopped || generation !== this.zk.generation) return
      this.log.warn('metadata read failed; retrying', { error: (err as Error).message, attempt })
      setTimeout(() => this.run(work, attempt + 1, generation), Math.min(200 * attempt, 2000)).unref()
    })
  }

  /** Everything, read and watched afresh: at start-up and after every new session. */
  private async load (): Promise<void> {
    const generation = this.zk.generation
    const started = Date.now()
    await Promise.all([this.loadBrokers(), this.loadController(), this.loadTopics(true), this.loadOfflineReplicas(true)])
    if (generation !== this.zk.generation) return
    this.loadedGeneration = generation
    if (generation > 1) this.log.info('metadata reloaded for a new zookeeper session', { topics: this.topicsByName.size, brokers: this.liveBrokers.size, durationMs: Date.now() - started })
  }

  private async loadBrokers (): Promise<void> {
    if (this.stopped) return
    const ids = (await this.zk.getChildren(brokerIdsZnode.path, () => { this.run(async () => await this.loadBrokers()) })).map(Number)
    for (const id of [...this.liveBrokers.keys()]) if (!ids.includes(id)) this.liveBrokers.delete(id)
    // Every id is re-read: a broker that restarted between two reads keeps its id but may have new
    // endpoints, and always has a new epoch (czxid).
    await Promise.all(ids.map(async id => {
      const node = await this.zk.getData(brokerIdZnode.path(id))
      if (node !== null) this.liveBrokers.set(id, brokerIdZnode.decode(id, node.data, node.czxid))
      else this.liveBrokers.delete(id)
    }))
    this.emit('brokers', [...this.liveBrokers.keys()])
  }

  /** The brokers with replicas in failed log dirs: new ones are read (with `all`, every one) and watched. */
  private async loadOfflineReplicas (all = false): Promise<void> {
    if (this.stopped) return
    const ids = (await this.zk.getChildren(offlineReplicasZnode.rootPath, () => { this.run(async () => await this.loadOfflineReplicas()) })).map(Number)
    await Promise.all(ids.filter(id => all || !this.offlineReplicas.has(id)).map(async id => await this.loadOfflineReplicasOf(id)))
  }

  private async loadOfflineReplicasOf (brokerId: number): Promise<void> {
    if (this.stopped) return
    const node = await this.zk.getData(offlineReplicasZnode.path(brokerId), () => { this.run(async () => await this.loadOfflineReplicasOf(brokerId)) })
    if (node === null) this.offlineReplicas.delete(brokerId)
    else this.offlineReplicas.set(brokerId, new Set(offlineReplicasZnode.decode(node.data).partitions.map(p => `${p.topic}-${p.partition}`)))
  }

  private async loadController (): Promise<void> {
    if (this.stopped) return
    const watch = (): void => { this.run(async () => await this.loadController()) }
    const node = await this.zk.getData(controllerZnode.path, watch)
    // A getData on a missing node sets no watch: exists does, and if the node appeared in between, read it.
    if (node === null && await this.zk.exists(controllerZnode.path, watch)) return await this.loadController()
    const id = node === null ? -1 : controllerZnode.decode(node.data)
    if (id !== this.controllerId) {
      this.controllerId = id
      this.emit('controller', id)
    }
  }

  /** The topic list; new topics are read whole, and with `all` (a new session) known ones too. */
  private async loadTopics (all = false): Promise<void> {
    if (this.stopped) return
    const names = await this.zk.getChildren(topicsZnode.path, () => { this.run(async () => await this.loadTopics()) })
    const listed = new Set(names)
    for (const [name, t] of [...this.topicsByName]) {
      if (!listed.has(name)) this.forgetTopic(name, t.topicId)
    }
    await Promise.all(names.filter(n => all || !this.topicsByName.has(n)).map(async n => await this.loadTopic(n, all)))
  }

  private forgetTopic (name: string, topicId: string): void {
    if (!this.topicsByName.delete(name)) return
    this.topicsById.delete(topicId)
    this.log.info('topic deleted', { topic: name, topicId })
    this.emit('topicDeleted', name, topicId)
  }

  /**
   * The assignment (partitions added later change it) and then the states of its partitions
   * (loadPartitionStates); with `all` (a new session), the config and every partition's state are
   * read and watched again.
   */
  private async loadTopic (name: string, all = false): Promise<void> {
    if (this.stopped) return
    const node = await this.zk.getData(topicZnode.path(name), () => { this.run(async () => await this.loadTopic(name)) })
    if (node === null) {
      const known = this.topicsByName.get(name)
      if (known !== undefined) this.forgetTopic(name, known.topicId)
      return
    }
    const assignment = topicZnode.decode(node.data)
    let topic = this.topicsByName.get(name)
    if (topic === undefined || topic.topicId !== assignment.topicId) {
      if (topic !== undefined) this.forgetTopic(name, topic.topicId) // deleted and re-created between two reads
      topic = { name, topicId: assignment.topicId, partitions: new Map(), config: {} }
      this.topicsByName.set(name, topic)
      this.topicsById.set(topic.topicId, topic)
      await this.loadTopicConfig(name)
    } else if (all) await this.loadTopicConfig(name)
    for (const [partition, replicas] of assignment.partitions) {
      const known = topic.partitions.get(partition)
      if (known !== undefined) {
        const moved = !sameReplicas(known.replicas, replicas)
        known.replicas = replicas
        // A reassignment changed who hosts it: new replicas start following, removed ones stop.
        if (moved && known.stateVersion >= 0) this.emit('partition', known)
      } else topic.partitions.set(partition, { topic: name, partition, replicas, leader: -1, leaderEpoch: -1, isr: [], controllerEpoch: -1, stateVersion: -1 })
    }
    await this.loadPartitionStates(name, all)
  }

  /**
   * The states of the partitions listed under /brokers/topics/<t>/partitions that have none yet
   * here (with `all`, of every one), each read once and then watched for changes. One child watch
   * per topic stands for the states not written yet: the controller creates a partition's znode
   * and its state in one multi, so a partition that appears there has its state (one written by
   * an older controller, parent first, is waited for by loadPartitionState's creation watch).
   * Watching each missing state instead cost every broker a failed read and an exists watch per
   * new partition.
   */
  private async loadPartitionStates (name: string, all = false): Promise<void> {
    if (this.stopped || !this.topicsByName.has(name)) return
    const path = partitionStateZnode.partitionsPath(name)
    const children = await this.childrenWatched(path, async () => await this.loadPartitionStates(name))
    const topic = this.topicsByName.get(name)
    if (topic === undefined) return
    await Promise.all(children.map(Number).map(async partition => {
      const p = topic.partitions.get(partition)
      if (p !== undefined && (all || p.stateVersion < 0)) await this.loadPartitionState(name, partition)
    }))
  }

  private async loadPartitionState (topic: string, partition: number): Promise<void> {
    if (this.stopped) return
    const path = partitionStateZnode.path(topic, partition)
    const node = await this.readWatched(path, async () => await this.loadPartitionState(topic, partition))
    if (node === 'created') return await this.loadPartitionState(topic, partition)
    // Not written yet by the controller: its creation fires the watch.
    if (node === null) return
    const p = this.topicsByName.get(topic)?.partitions.get(partition)
    if (p === undefined || node.version <= p.stateVersion) return
    Object.assign(p, partitionStateZnode.decode(node.data), { stateVersion: node.version })
    this.emit('partition', p)
  }

  private async loadTopicConfig (name: string): Promise<void> {
    if (this.stopped) return
    const node = await this.readWatched(entityConfigZnode.path('topics', name), async () => await this.loadTopicConfig(name))
    if (node === 'created') return await this.loadTopicConfig(name)
    const topic = this.topicsByName.get(name)
    if (topic === undefined) return
    topic.config = node === null ? {} : entityConfigZnode.decode(node.data)
    this.emit('topicConfig', name)
  }

  /**
   * Reads a znode and leaves one watch on it, for its change, deletion or creation: null if it
   * does not exist, 'created' if it appeared between the read and the watch (read it again). One
   * watcher per path and session: each extra closure would re-read the znode on every change, and
   * a topic deleted and created again under the same name used to add one per cycle.
   */
  private async readWatched (path: string, reload: () => Promise<void>): Promise<{ data: Buffer, version: number } | null | 'created'> {
    return await this.withWatch(path, reload, async watch => {
      const node = await this.zk.getData(path, watch)
      // A getData on a missing node sets no watch: exists does.
      if (node === null && await this.zk.exists(path, watch)) return 'created'
      return node
    })
  }

  /** readWatched for a znode's children: [] while it does not exist, watched for its creation. */
  private async childrenWatched (path: string, reload: () => Promise<void>): Promise<string[]> {
    return await this.withWatch(`${path}/`, reload, async watch => {
      const children = await this.zk.getChildren(path, watch)
      if (children.length > 0 || watch === undefined) return children
      // [] is an empty znode (the child watch is set) or a missing one, on which getChildren sets no
      // watch: exists does. Not on one that is there: that would be a data watch, which no child
      // change consumes, left to fire on the znode's deletion. If it is there now, a second read
      // sets the child watch in case it appeared after the first (the client keeps one per watcher).
      if (!await this.zk.exists(path) && !await this.zk.exists(path, watch)) return []
      return await this.zk.getChildren(path, watch)
    })
  }

  /**
   * Runs `read` with a watcher that reloads, unless one is already set on `key` in this session.
   * Only the watcher in place clears that mark when it fires: an older one of the same key that is
   * still registered (its read failed after setting it; `exists` found the znode just created and
   * set a data watch) reloads too but leaves the mark alone. Had it cleared it, every reload would
   * have set one watcher more, each firing on the next change: with a topic deleted and created
   * again and again they multiplied until the session carried tens of thousands of reads a second
   * and every ZooKeeper request of the broker waited seconds.
   */
  private async withWatch<T> (key: string, reload: () => Promise<void>, read: (watch: Watcher | undefined) => Promise<T>): Promise<T> {
    const generation = this.zk.generation
    const current = this.watching.get(key)
    let watch: Watcher | undefined
    if (current?.generation !== generation) {
      const mark = {
        generation,
        watch: () => {
          if (this.watching.get(key) === mark) this.watching.delete(key)
          this.run(reload)
        },
      }
      this.watching.set(key, mark)
      watch = mark.watch
    }
    try {
      return await read(watch)
    } catch (err) {
      if (watch !== undefined && this.watching.get(key)?.watch === watch) this.watching.delete(key)
      throw err
    }
  }
}

function sameReplicas (a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i])
}
