/**
 * One `subscribe` of one socket: a consumer of the cluster (our src/client) whose records go out
 * as `records` frames, never more than the client has granted and never while the socket is
 * backed up. Without a group it reads every partition of its topics with no group state; with
 * one it is a real member of that consumer group (Java's KafkaConsumer.subscribe), and the
 * gateway, not the browser, keeps its heartbeat, so a slow tab never lapses the session.
 *
 * Flow control stops fetching, not just sending: with no credit, or more than the high-water mark
 * queued on the socket, the consumer's partitions are paused (Java's KafkaConsumer.pause); a
 * subscription that stays blocked for RELEASE_AFTER_MS also drops what its consumer fetched ahead,
 * so a stalled socket holds little more than its queue. A group member keeps polling while
 * paused, because rebalances happen inside poll.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ClientProperties } from '../client/client-config.js'
import { Consumer, type ConsumerRecord, type TopicPartition } from '../client/consumer.js'
import { GroupConsumer } from '../client/group-consumer.js'
import { describeError } from '../client/kafka-client.js'
import { errorFrame, type SubscriptionSpec } from './gateway-frames.js'
import { encodeCursor, offsetOf, type PartitionOffsets, type StartPosition } from './cursor.js'
import { recordsFrameJson } from './records-frame.js'

/** The socket, as a subscription sees it. */
export interface SubscriptionSink {
  send: (frame: object) => void
  /** A frame already serialised (records frames are built as text, not as objects). */
  sendText: (json: string) => void
  readonly bufferedAmount: number
  /** Resolves once everything queued on the socket now has been written out. */
  drained: () => Promise<void>
  /** Called when the socket is past its high-water mark and the policy is to close it. */
  tooSlow: () => void
  /** The subscription ended on its own (an error it could not get past). */
  ended: (sub: string) => void
  /** Records delivered, for the gateway's metrics. */
  delivered: (n: number) => void
}

export interface SubscriptionOptions {
  highWaterBytes: number
  slowConsumerPolicy: 'pause' | 'close'
  log: Logger
}

/** A records frame holds at most this many: big enough to amortise framing, small enough to interleave sockets. */
const MAX_FRAME_RECORDS = 500
/** How long one poll waits for data; a wakeup (credit, drain, close) cuts it short. */
const POLL_MS = 1000
/**
 * A subscription that could not send for this long gives back what its consumer fetched ahead
 * (up to a fetch per partition, decoded: several MB), so a stalled socket holds little beyond its
 * queue. Not at once: a socket that is only slow drains within this, and would otherwise pay for
 * fetching and decoding the same records again on every pause.
 */
const RELEASE_AFTER_MS = 1000

export class Subscription {
  private credit: number
  private readonly consumer: Consumer
  private readonly group?: GroupConsumer
  private closed = false
  private started = false
  private wake?: () => void
  /** Since when the subscription has had no room to send (no credit, or its socket past the high-water mark). */
  private blockedSinceMs?: number
  private awaitingDrain = false

  constructor (readonly spec: SubscriptionSpec, props: ClientProperties, private readonly sink: SubscriptionSink, private readonly options: SubscriptionOptions) {
    this.credit = spec.credit ?? Infinity
    const reset = spec.from.kind === 'earliest' || (spec.from.kind === 'offsets' && spec.from.otherwise === 'earliest') ? 'earliest' : 'latest'
    const consumerProps: ClientProperties = { ...props, 'auto.offset.reset': reset, 'enable.auto.commit': false }
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
      })
    } else {
      const partitions = (await Promise.all(topics.map(async t => await this.consumer.partitionsFor(t)))).flat()
      this.consumer.assign(partitions)
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
    this.wakeUp()
    await (this.group ?? this.consumer).close()
  }

  private async resolveTopics (): Promise<string[]> {
    const client = this.consumer.client
    if (this.spec.pattern !== undefined) {
      await client.retry('Metadata', async () => await client.refreshMetadata(null))
      return [...client.metadata.topics.values()].filter(t => !t.isInternal && this.spec.pattern!.test(t.name)).map(t => t.name).sort()
    }
    await client.retry('Metadata', async () => await client.refreshMetadata(this.spec.topics))
    for (const name of this.spec.topics) {
      const t = client.metadata.topics.get(name)
      const code = t === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : t.errorCode
      if (code !== ErrorCode.NONE) throw new KafkaError(code as ErrorCode, `topic ${name}: ${describeError(code)}`)
    }
    return this.spec.topics
  }

  private async onAssigned (added: TopicPartition[]): Promise<void> {
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
        const congested = this.sink.bufferedAmount > this.options.highWaterBytes
        if (congested && this.options.slowConsumerPolicy === 'close') {
          this.sink.tooSlow()
          return
        }
        const room = congested ? 0 : Math.min(this.credit, MAX_FRAME_RECORDS)
        if (room > 0) {
          this.blockedSinceMs = undefined
          this.consumer.resume()
        } else {
          this.consumer.pause()
          this.blockedSinceMs ??= Date.now()
          if (Date.now() - this.blockedSinceMs >= RELEASE_AFTER_MS) this.releasePrefetched()
          if (congested && !this.awaitingDrain) {
            this.awaitingDrain = true
            void this.sink.drained().then(() => {
              this.awaitingDrain = false
              this.wakeUp()
            })
          }
        }
        let records: ConsumerRecord[] = []
        if (this.group !== undefined) records = await this.group.poll(POLL_MS, room)
        else if (room > 0) records = await this.consumer.poll(POLL_MS, room)
        else {
          await new Promise<void>(resolve => {
            const timer = setTimeout(resolve, POLL_MS)
            this.wake = () => { clearTimeout(timer); resolve() }
          })
        }
        if (records.length > 0 && !this.closed) this.deliver(records)
      }
    } catch (err) {
      if (this.closed) return
      const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR
      this.options.log.warn('subscription stopped', { sub: this.spec.sub, group: this.spec.group, error: (err as Error).message })
      this.sink.send(errorFrame(code, (err as Error).message, { sub: this.spec.sub }))
      this.sink.ended(this.spec.sub)
    }
  }

  /**
   * Drops what the consumer fetched ahead by seeking every partition to its position (the next
   * record to deliver), so nothing is skipped or sent twice: it is fetched again once the
   * subscription can send. Called every POLL_MS while blocked, so a fetch that was in flight when
   * the socket stopped is dropped too.
   */
  private releasePrefetched (): void {
    for (const p of this.consumer.positions()) this.consumer.seek(p, p.offset)
  }

  private deliver (records: ConsumerRecord[]): void {
    this.sink.sendText(recordsFrameJson(this.spec.sub, records, this.spec.format, this.cursor))
    if (this.credit !== Infinity) this.credit -= records.length
    this.sink.delivered(records.length)
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
    if (this.group !== undefined) this.group.wakeup()
    else this.consumer.wakeup()
  }
}

