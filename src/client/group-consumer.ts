/**
 * The consumer with group management (Java's KafkaConsumer.subscribe + ConsumerCoordinator):
 * subscribe to topics or a pattern, and `poll` joins the group, runs the rebalance listener, fetches
 * committed offsets for new partitions (auto.offset.reset where there are none), and returns
 * records from the partitions the group gave this member. Fetching is the plain Consumer's.
 *
 * Rebalances happen inside poll, as in Java: the heartbeat timer only notices them and wakes the
 * poll. EAGER assignors revoke everything before joining; with only COOPERATIVE ones (KIP-429) the
 * member keeps its partitions through the join, revokes just those missing from its new
 * assignment, and rejoins once more so they can be handed over. enable.auto.commit commits the
 * positions of records already returned, every auto.commit.interval.ms from poll, before a
 * revocation and on close: what a crash loses is re-read, never skipped.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import { assignorsFor, rebalanceProtocolOf } from './assignors/assignment-strategy.js'
import type { RebalanceProtocol } from './assignors/partition-assignor.js'
import type { ClientProperties } from './client-config.js'
import { Consumer, type ConsumerRecord, type TopicPartition } from './consumer.js'
import { ConsumerProtocol, decodeAssignment } from './consumer-protocol.js'
import { CoordinatorChannel } from './coordinator-channel.js'
import { key } from './fetcher.js'
import { GroupHeartbeat } from './group-heartbeat.js'
import { GroupMembership } from './group-membership.js'
import { OffsetCommitter, type OffsetAndMetadata } from './offset-committer.js'

export type { OffsetAndMetadata } from './offset-committer.js'

/** Java's ConsumerRebalanceListener; poll awaits each callback. */
export interface RebalanceListener {
  onPartitionsRevoked?: (partitions: TopicPartition[]) => void | Promise<void>
  onPartitionsAssigned?: (partitions: TopicPartition[]) => void | Promise<void>
  /** The membership was lost (session expired, fenced generation): the partitions may already be another member's. */
  onPartitionsLost?: (partitions: TopicPartition[]) => void | Promise<void>
}

export class GroupConsumer {
  readonly consumer: Consumer
  readonly groupId: string
  readonly rebalanceProtocol: RebalanceProtocol
  private readonly channel: CoordinatorChannel
  private readonly membership: GroupMembership
  private readonly committer: OffsetCommitter
  private readonly heartbeat: GroupHeartbeat
  private readonly protocol: ConsumerProtocol
  private topics: string[] = []
  private pattern?: RegExp
  private visible: (topic: string) => boolean = () => true
  private listener: RebalanceListener = {}
  private lastPollMs = Date.now()
  private nextAutoCommitMs = 0
  private nextMetadataCheckMs = 0
  private assignedCounts = new Map<string, number>()
  private readonly lastCommitted = new Map<string, number>()
  private commitChain: Promise<void> = Promise.resolve()
  private fatal?: Error
  private userWakeup = false
  private closed = false

  constructor (properties: ClientProperties) {
    this.consumer = new Consumer(properties)
    const c = this.consumer.config
    if (c['group.id'] === null || c['group.id'] === '') throw new KafkaError(ErrorCode.INVALID_GROUP_ID, 'group.id is required to subscribe (use Consumer.assign without a group)')
    this.groupId = c['group.id']
    const assignors = assignorsFor(c['partition.assignment.strategy'])
    this.rebalanceProtocol = rebalanceProtocolOf(assignors)
    const client = this.consumer.client
    this.channel = new CoordinatorChannel(client, this.groupId)
    this.membership = new GroupMembership(this.channel, {
      groupId: this.groupId,
      groupInstanceId: c['group.instance.id'],
      sessionTimeoutMs: c['session.timeout.ms'],
      rebalanceTimeoutMs: c['max.poll.interval.ms'],
      requestTimeoutMs: c['request.timeout.ms'],
      retryBackoffMs: c['retry.backoff.ms'],
      unreachableTimeoutMs: c['default.api.timeout.ms'],
    })
    this.committer = new OffsetCommitter(this.channel, this.membership, async (what, attempt) => await client.retry(what, attempt))
    this.protocol = new ConsumerProtocol(assignors, () => ({
      topics: this.topics,
      ownedPartitions: this.rebalanceProtocol === 'COOPERATIVE' ? this.consumer.assignment() : [],
      generationId: this.membership.generationId,
    }), async topics => await this.partitionCounts(topics))
    this.heartbeat = new GroupHeartbeat(this.membership, {
      heartbeatIntervalMs: c['heartbeat.interval.ms'], maxPollIntervalMs: c['max.poll.interval.ms'], retryBackoffMs: c['retry.backoff.ms'],
    }, {
      lastPollMs: () => this.lastPollMs,
      onRejoinNeeded: () => this.consumer.wakeup(),
      onPollTimeout: async () => await this.membership.leave('consumer poll timeout has expired'),
      onFatal: err => { this.fatal = err; this.consumer.wakeup() },
    })
  }

  get unknownKeys (): string[] { return this.consumer.unknownKeys }
  get memberId (): string { return this.membership.memberId }
  get generationId (): number { return this.membership.generationId }

  /**
   * Topics by name, or every topic whose whole name matches a pattern (checked every
   * metadata.max.age.ms) and that `visible` lets through: a client acting for another principal
   * (the gateway) matches only the topics that principal may see, as a broker's Metadata would list.
   */
  subscribe (topics: string[] | RegExp, listener: RebalanceListener = {}, visible: (topic: string) => boolean = () => true): void {
    this.listener = listener
    this.visible = visible
    this.pattern = topics instanceof RegExp ? new RegExp(`^(?:${topics.source})$`, topics.flags) : undefined
    this.topics = topics instanceof RegExp ? [] : [...new Set(topics)].sort()
    this.nextMetadataCheckMs = 0
    this.membership.rejoinNeeded = true
  }

  subscription (): string[] { return [...this.topics] }
  assignment (): TopicPartition[] { return this.consumer.assignment() }

  /** Records from this member's partitions; joins or rejoins the group first when it must. */
  async poll (timeoutMs: number, maxRecords?: number): Promise<ConsumerRecord[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      this.lastPollMs = Date.now()
      if (this.closed) return []
      if (this.fatal !== undefined) throw this.fatal
      if (this.topics.length === 0 && this.pattern === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'poll without a subscription: call subscribe first')
      await this.checkMetadata()
      if (this.membership.rejoinNeeded || this.membership.state !== 'STABLE') await this.rejoin()
      if (this.closed) return []
      this.maybeAutoCommit()
      const left = deadline - Date.now()
      const slice = this.consumer.config['enable.auto.commit'] ? Math.min(left, this.nextAutoCommitMs - Date.now()) : left
      const records = await this.consumer.poll(Math.max(0, slice), maxRecords)
      if (records.length > 0 || this.userWakeup || Date.now() >= deadline) {
        this.userWakeup = false
        return records
      }
    }
  }

  /** Commits `offsets`, or the positions of everything returned so far; throws if the group moved on. */
  async commitSync (offsets?: OffsetAndMetadata[]): Promise<void> {
    const chained = this.commitChain.then(async () => await this.commitNow(offsets ?? this.consumer.positions()))
    this.commitChain = chained.catch(() => {})
    await chained
  }

  /** As commitSync without waiting; commits complete in the order made. */
  commitAsync (offsets?: OffsetAndMetadata[], callback?: (err?: Error) => void): void {
    this.commitSync(offsets).then(() => callback?.(), err => callback?.(err as Error))
  }

  /** The group's committed offsets (-1: none), by TopicPartition order. */
  async committed (partitions: TopicPartition[]): Promise<number[]> {
    const map = await this.committer.fetchCommitted(partitions)
    return partitions.map(tp => map.get(key(tp.topic, tp.partition)) ?? -1)
  }

  seek (tp: TopicPartition, offset: number): void { this.consumer.seek(tp, offset) }
  seekToBeginning (tps?: TopicPartition[]): void { this.consumer.seekToBeginning(tps) }
  seekToEnd (tps?: TopicPartition[]): void { this.consumer.seekToEnd(tps) }
  async position (tp: TopicPartition): Promise<number> { return await this.consumer.position(tp) }

  /** Makes a poll in progress return (with what it has) at once. */
  wakeup (): void {
    this.userWakeup = true
    this.consumer.wakeup()
  }

  /** Commits (auto commit), revokes, sends LeaveGroup, and closes the connections. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.heartbeat.stop()
    this.consumer.wakeup()
    try {
      if (this.membership.state === 'STABLE') {
        if (this.consumer.config['enable.auto.commit']) await this.commitSync().catch(() => {})
        await this.listener.onPartitionsRevoked?.(this.consumer.assignment())
      }
      await this.membership.leave('the consumer is being closed')
    } finally {
      this.membership.stop()
      this.channel.close()
      await this.consumer.close()
    }
  }

  /** Java's onJoinPrepare, join, then onJoinComplete. */
  private async rejoin (): Promise<void> {
    this.heartbeat.stop()
    const owned = this.consumer.assignment()
    const lost = !this.membership.hasGeneration
    if (owned.length > 0 && lost) {
      await this.listener.onPartitionsLost?.(owned)
      this.consumer.assign([])
    } else if (owned.length > 0) {
      if (this.consumer.config['enable.auto.commit']) await this.commitSync().catch(() => {})
      if (this.rebalanceProtocol === 'EAGER') {
        await this.listener.onPartitionsRevoked?.(owned)
        this.consumer.assign([])
      }
    }
    const kept = this.consumer.assignment()
    let generation
    try {
      generation = await this.membership.join(this.protocol, this.topics.length === 0 ? 'no topics match the subscription' : 'rebalance')
    } catch (err) {
      if (this.closed) return
      throw err
    }
    if (generation.isLeader) this.assignedCounts = await this.partitionCounts(this.topics)
    const assigned = decodeAssignment(generation.assignment)
    const assignedKeys = new Set(assigned.map(tp => key(tp.topic, tp.partition)))
    const keptKeys = new Set(kept.map(tp => key(tp.topic, tp.partition)))
    const revoked = kept.filter(tp => !assignedKeys.has(key(tp.topic, tp.partition)))
    const added = assigned.filter(tp => !keptKeys.has(key(tp.topic, tp.partition)))
    if (revoked.length > 0) {
      await this.listener.onPartitionsRevoked?.(revoked)
      // KIP-429: rejoin so the partitions just given up can go to their new owner
      this.membership.rejoinNeeded = true
    }
    this.consumer.assign(assigned)
    for (const tp of revoked) this.lastCommitted.delete(key(tp.topic, tp.partition))
    const committed = await this.committer.fetchCommitted(added)
    for (const tp of added) {
      const offset = committed.get(key(tp.topic, tp.partition)) ?? -1
      if (offset >= 0) this.consumer.seek(tp, offset) // else auto.offset.reset decides
    }
    await this.listener.onPartitionsAssigned?.(added)
    this.nextAutoCommitMs = Date.now() + this.consumer.config['auto.commit.interval.ms']
    if (this.membership.state === 'STABLE') this.heartbeat.start()
  }

  private maybeAutoCommit (): void {
    if (!this.consumer.config['enable.auto.commit'] || Date.now() < this.nextAutoCommitMs || this.membership.state !== 'STABLE') return
    this.nextAutoCommitMs = Date.now() + this.consumer.config['auto.commit.interval.ms']
    const changed = this.consumer.positions().filter(p => this.lastCommitted.get(key(p.topic, p.partition)) !== p.offset)
    if (changed.length > 0) this.commitAsync(changed)
  }

  private async commitNow (offsets: OffsetAndMetadata[]): Promise<void> {
    await this.committer.commit(offsets)
    for (const o of offsets) this.lastCommitted.set(key(o.topic, o.partition), o.offset)
  }

  /**
   * Every metadata.max.age.ms: a pattern's matching topics changed, or (as leader) a subscribed
   * topic's partition count did → rejoin, as Java's ConsumerCoordinator does.
   */
  private async checkMetadata (): Promise<void> {
    if (Date.now() < this.nextMetadataCheckMs) return
    this.nextMetadataCheckMs = Date.now() + this.consumer.config['metadata.max.age.ms']
    const client = this.consumer.client
    if (this.pattern !== undefined) {
      await client.retry('Metadata', async () => await client.refreshMetadata(null))
      const excludeInternal = this.consumer.config['exclude.internal.topics']
      const matched = [...client.metadata.topics.values()].filter(t => !(excludeInternal && t.isInternal) && this.pattern!.test(t.name) && this.visible(t.name)).map(t => t.name).sort()
      if (matched.join('\u0000') !== this.topics.join('\u0000')) {
        this.topics = matched
        this.membership.rejoinNeeded = true
      }
    }
    if (this.membership.leaderId === this.membership.memberId && this.membership.state === 'STABLE') {
      const counts = await this.partitionCounts(this.topics)
      if ([...counts].some(([t, n]) => this.assignedCounts.get(t) !== n)) this.membership.rejoinNeeded = true
    }
  }

  private async partitionCounts (topics: string[]): Promise<Map<string, number>> {
    const client = this.consumer.client
    if (topics.length > 0) await client.retry('Metadata', async () => await client.refreshMetadata(topics))
    const out = new Map<string, number>()
    for (const t of topics) {
      const n = client.metadata.partitionCount(t)
      if (n !== undefined) out.set(t, n)
    }
    return out
  }
}
