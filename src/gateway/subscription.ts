/**
 * One `subscribe` of one socket: positions in the partitions it reads, and the records there sent
 * as `records` frames, never more than the client has granted and never while the socket is
 * backed up. Records come from the gateway's shared fetches (shared-fetch.ts): a subscription holds
 * no records of its own, so one that cannot send costs nothing but its positions.
 *
 * Its Consumer (src/client) keeps the positions and looks them up (earliest, latest, a timestamp,
 * auto.offset.reset) but never fetches: its partitions stay paused. Without a group the
 * subscription reads every partition of its topics with no group state; with one the Consumer is a
 * real member of that consumer group (Java's KafkaConsumer.subscribe) and the gateway, not the
 * browser, keeps its heartbeat, polling it for rebalances, so a slow tab never lapses the session.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ClientProperties } from '../client/client-config.js'
import { Consumer, type TopicPartition } from '../client/consumer.js'
import { GroupConsumer } from '../client/group-consumer.js'
import { describeError } from '../client/kafka-client.js'
import { errorFrame, type SubscriptionSpec } from './gateway-frames.js'
import { encodeCursor, offsetOf, type PartitionOffsets, type StartPosition } from './cursor.js'
import { RecordsFrame } from './records-frame.js'
import type { FetchWaiter, SharedFetch } from './shared-fetch.js'
import { AclOperation, ResourceType } from '../security/acl-binding.js'
import { authorizationError } from '../server/auth-helper.js'
import type { Access } from './gateway-authorizer.js'

/** The socket, as a subscription sees it. */
export interface SubscriptionSink {
  send: (frame: object) => void
  /** A frame already serialised (records frames are built as text, not as objects). */
  sendText: (json: string) => void
  readonly bufferedAmount: number
  /** Resolves once the oldest frame queued on the socket now has been written out (at once if none is). */
  frameWritten: () => Promise<void>
  /** Called when the socket is past its high-water mark and the policy is to close it. */
  tooSlow: () => void
  /** The subscription ended on its own (an error it could not get past). */
  ended: (sub: string) => void
  /** Records delivered, for the gateway's metrics. */
  delivered: (n: number) => void
}

export interface SubscriptionOptions {
  /**
   * The socket's rights, checked as the brokers check a consumer's requests: a topic it may not
   * Describe is not there for it (Metadata), and one it may not Read is refused (Fetch), when it
   * subscribes and again at every frame, so an ACL removed stops the records.
   */
  access: Access
  highWaterBytes: number
  slowConsumerPolicy: 'pause' | 'close'
  fetch: SharedFetch
  log: Logger
}

/**
 * A records frame holds at most this many records and about this much text: big enough to amortise
 * framing, small enough to interleave sockets; and what a stalled socket holds is its high-water
 * mark plus the frame that crossed it.
 */
const MAX_FRAME_RECORDS = 500
const MAX_FRAME_CHARS = 65_536
/** How long the pump sleeps with nothing to do, and a group member's poll; a wakeup (records, credit, drain, close) cuts it short. */
const POLL_MS = 1000

export class Subscription implements FetchWaiter {
  private credit: number
  private readonly consumer: Consumer
  private readonly group?: GroupConsumer
  private readonly reset: 'earliest' | 'latest'
  private closed = false
  private started = false
  private wake?: () => void
  private awaitingDrain = false
  /** A fetch error the subscription cannot get past; the pump ends with it. */
  private failure?: KafkaError
  /** Which partition a frame starts with, turning, so every partition gets its share. */
  private turn = 0

  constructor (readonly spec: SubscriptionSpec, props: ClientProperties, private readonly sink: SubscriptionSink, private readonly options: SubscriptionOptions) {
    this.credit = spec.credit ?? Infinity
    this.reset = spec.from.kind === 'earliest' || (spec.from.kind === 'offsets' && spec.from.otherwise === 'earliest') ? 'earliest' : 'latest'
    const consumerProps: ClientProperties = { ...props, 'auto.offset.reset': this.reset, 'enable.auto.commit': false }
    if (spec.group !== undefined) {
      this.group = new GroupConsumer({ ...consumerProps, 'group.id': spec.group })
      this.consumer = this.group.consumer
    } else {
      this.consumer = new Consumer(consumerProps)
    }
  }

  /** Checks the topics, joins or assigns, and starts delivering; `subscribed` goes out once partitions are known. */
  async start (): Promise<void> {
    const topics = await this.resolveTopics()
    if (this.group !== undefined) {
      this.group.subscribe(this.spec.pattern ?? topics, {
        onPartitionsAssigned: async added => await this.onAssigned(added),
        onPartitionsRevoked: revoked => this.onRevoked(revoked, false),
        onPartitionsLost: lost => this.onRevoked(lost, true),
      }, topic => this.mayDescribe(topic))
      void this.keepMembership()
    } else {
      const partitions = (await Promise.all(topics.map(async t => await this.consumer.partitionsFor(t)))).flat()
      this.consumer.assign(partitions)
      this.consumer.pause(partitions)
      this.applyPosition(partitions, this.spec.from)
      this.started = true
      this.sink.send({ op: 'subscribed', sub: this.spec.sub, assigned: partitions })
    }
    void this.pump()
  }

  grant (n: number): void {
    this.credit = (this.credit === Infinity ? 0 : this.credit) + n
    this.wakeUp()
  }

  seek (position: StartPosition): void {
    this.applyPosition(this.consumer.assignment(), position)
    this.wakeUp()
  }

  /** Commits `offsets` (a cursor's), or the position after the last record delivered; group subscriptions only. */
  async commit (offsets?: PartitionOffsets): Promise<Array<TopicPartition & { offset: number }>> {
    if (this.group === undefined) throw new KafkaError(ErrorCode.INVALID_GROUP_ID, `subscription ${this.spec.sub} has no group, so it has no offsets to commit`)
    const owned = this.consumer.positions()
    for (const topic of new Set(owned.map(p => p.topic))) this.options.access.ensure(AclOperation.READ, ResourceType.TOPIC, topic, 'commit')
    const chosen = offsets === undefined
      ? owned
      : owned.flatMap(p => {
        const offset = offsetOf(offsets, p.topic, p.partition)
        return offset === undefined ? [] : [{ topic: p.topic, partition: p.partition, offset }]
      })
    await this.group.commitSync(chosen)
    return chosen
  }

  /** Records granted and not yet sent; 0 when the subscription is not flow-controlled. */
  get outstandingCredit (): number { return this.credit === Infinity ? 0 : this.credit }

  get cursor (): string { return encodeCursor(this.consumer.positions()) }

  /** Leaves the group (at once: LeaveGroup, not a session timeout) and closes the connections. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.options.fetch.forget(this)
    this.wakeUp()
    await (this.group ?? this.consumer).close()
  }

  /** From the shared fetch: records at `offset` are cached, or will not come. */
  fetched (topic: string, partition: number, offset: number, error?: KafkaError): void {
    if (error?.code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // auto.offset.reset, as the consumer would, if the position is still the one that failed
      const tp = { topic, partition }
      if (this.consumer.positions().some(p => p.topic === topic && p.partition === partition && p.offset === offset)) {
        if (this.reset === 'earliest') this.consumer.seekToBeginning([tp])
        else this.consumer.seekToEnd([tp])
      }
    } else if (error !== undefined) {
      this.failure ??= error
    }
    this.wakeUp()
  }

  private async resolveTopics (): Promise<string[]> {
    const client = this.consumer.client
    if (this.spec.pattern !== undefined) {
      await client.retry('Metadata', async () => await client.refreshMetadata(null))
      const matched = [...client.metadata.topics.values()].filter(t => !t.isInternal && this.spec.pattern!.test(t.name) && this.mayDescribe(t.name)).map(t => t.name).sort()
      if (this.group === undefined) for (const topic of matched) this.ensureRead(topic)
      return matched
    }
    // before Metadata, as a broker answers TOPIC_AUTHORIZATION_FAILED whether the topic exists or not
    for (const topic of this.spec.topics) this.ensureRead(topic)
    await client.retry('Metadata', async () => await client.refreshMetadata(this.spec.topics))
    for (const name of this.spec.topics) {
      const t = client.metadata.topics.get(name)
      const code = t === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : t.errorCode
      if (code !== ErrorCode.NONE) throw new KafkaError(code as ErrorCode, `topic ${name}: ${describeError(code)}`)
    }
    return this.spec.topics
  }

  private mayDescribe (topic: string): boolean {
    return this.options.access.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, topic, 'subscribe', true)
  }

  private mayRead (topic: string, asked: Map<string, boolean>): boolean {
    let ok = asked.get(topic)
    if (ok === undefined) asked.set(topic, ok = this.options.access.authorize(AclOperation.READ, ResourceType.TOPIC, topic, 'fetch'))
    return ok
  }

  private ensureRead (topic: string): void {
    this.options.access.ensure(AclOperation.READ, ResourceType.TOPIC, topic, 'subscribe')
  }

  private async onAssigned (added: TopicPartition[]): Promise<void> {
    for (const topic of new Set(added.map(tp => tp.topic))) this.ensureRead(topic)
    this.consumer.pause(added)
    // earliest/latest are the group's auto.offset.reset: committed offsets win; the others are explicit seeks
    if (this.spec.from.kind !== 'earliest' && this.spec.from.kind !== 'latest') this.applyPosition(added, this.spec.from)
    if (!this.started) {
      this.started = true
      this.sink.send({ op: 'subscribed', sub: this.spec.sub, assigned: this.consumer.assignment() })
    } else if (added.length > 0) {
      this.sink.send({ op: 'assigned', sub: this.spec.sub, partitions: added })
    }
  }

  private onRevoked (partitions: TopicPartition[], lost: boolean): void {
    if (partitions.length > 0) this.sink.send({ op: 'revoked', sub: this.spec.sub, partitions, ...(lost ? { lost } : {}) })
  }

  private applyPosition (partitions: TopicPartition[], position: StartPosition): void {
    switch (position.kind) {
      case 'earliest': this.consumer.seekToBeginning(partitions); break
      case 'latest': this.consumer.seekToEnd(partitions); break
      case 'timestamp': this.consumer.seekToTimestamp(partitions, position.timestamp); break
      case 'offsets': {
        const rest: TopicPartition[] = []
        for (const tp of partitions) {
          const offset = offsetOf(position.offsets, tp.topic, tp.partition)
          if (offset === undefined) rest.push(tp)
          else this.consumer.seek(tp, offset)
        }
        if (position.otherwise === 'earliest') this.consumer.seekToBeginning(rest)
        else this.consumer.seekToEnd(rest)
      }
    }
  }

  private async pump (): Promise<void> {
    try {
      while (!this.closed) {
        if (this.failure !== undefined) throw this.failure
        const congested = this.sink.bufferedAmount > this.options.highWaterBytes
        if (congested && this.options.slowConsumerPolicy === 'close') {
          this.sink.tooSlow()
          return
        }
        const room = congested ? 0 : Math.min(this.credit, MAX_FRAME_RECORDS)
        if (room > 0) {
          if (this.deliver(room)) {
            // the socket's writes, the fetches' answers and other sockets get their turn between frames
            await nextTurn()
            continue
          }
          const unresolved = this.unresolvedPartition()
          // looks up every pending position at once (earliest, latest, a timestamp, the group's reset)
          if (unresolved !== undefined) await this.consumer.position(unresolved)
          if (unresolved !== undefined || this.closed) continue
        }
        if (congested && !this.awaitingDrain) {
          this.awaitingDrain = true
          void this.sink.frameWritten().then(() => {
            this.awaitingDrain = false
            this.wakeUp()
          })
        }
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, POLL_MS)
          this.wake = () => { clearTimeout(timer); resolve() }
        })
      }
    } catch (err) {
      this.end(err)
    }
  }

  /** A group member polls all along, though it never fetches: joins, rebalances and commits happen inside poll. */
  private async keepMembership (): Promise<void> {
    try {
      while (!this.closed) await this.group!.poll(POLL_MS, 0)
    } catch (err) {
      this.end(err)
    }
  }

  private end (err: unknown): void {
    if (this.closed) return
    this.closed = true
    const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR
    this.options.log.warn('subscription stopped', { sub: this.spec.sub, group: this.spec.group, error: (err as Error).message })
    this.sink.send(errorFrame(code, (err as Error).message, { sub: this.spec.sub }))
    this.sink.ended(this.spec.sub)
    this.options.fetch.forget(this)
    this.wakeUp()
    void (this.group ?? this.consumer).close().catch(() => {})
  }

  /**
   * Sends one frame of up to `room` records from what the shared fetch has cached at this
   * subscription's positions, asking it for what is missing (told back through `fetched`) and to
   * read ahead of what is being read. False when there was nothing to send or skip.
   */
  private deliver (room: number): boolean {
    const positions = this.consumer.positions()
    if (positions.length === 0) return false
    const fetch = this.options.fetch
    const frame = new RecordsFrame(this.spec.sub, this.spec.format, MAX_FRAME_CHARS)
    let moved = false
    const first = this.turn++ % positions.length
    // Fetch: Read on each topic, asked once a frame (when the gateway checks anything)
    const readable = this.options.access.enforced ? new Map<string, boolean>() : undefined
    for (let i = 0; i < positions.length && frame.count < room && !frame.full; i++) {
      const p = positions[(first + i) % positions.length]!
      if (readable !== undefined && !this.mayRead(p.topic, readable)) {
        this.failure ??= authorizationError(ResourceType.TOPIC, p.topic, 'gateway fetch')
        return true
      }
      const chunk = fetch.chunkAt(p.topic, p.partition, p.offset)
      if (chunk === undefined) {
        fetch.want(p.topic, p.partition, p.offset, this)
        continue
      }
      const next = frame.add(chunk, p.offset, room - frame.count)
      this.consumer.seek(p, next)
      moved = true
      if (next === chunk.nextOffset) fetch.want(p.topic, p.partition, next, this)
      else fetch.want(p.topic, p.partition, chunk.nextOffset)
    }
    if (frame.count > 0) {
      this.sink.sendText(frame.text(this.cursor))
      if (this.credit !== Infinity) this.credit -= frame.count
      this.sink.delivered(frame.count)
    }
    return moved
  }

  private unresolvedPartition (): TopicPartition | undefined {
    const resolved = new Set(this.consumer.positions().map(p => `${p.topic}\u0000${p.partition}`))
    return this.consumer.assignment().find(tp => !resolved.has(`${tp.topic}\u0000${tp.partition}`))
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
    if (this.group !== undefined) this.group.wakeup()
    else this.consumer.wakeup()
  }
}

