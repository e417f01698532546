/**
 * The producer. `send` places a record in its partition's batch and returns its delivery result;
 * a RecordAccumulator holds batches until linger.ms or batch.size says go, and the Sender takes
 * them to the leaders. When the topic's metadata is known and buffer.memory has room, `send`
 * appends at once, so a loop of sends in one turn of the event loop fills batches. Otherwise the
 * record waits for metadata and room, up to max.block.ms. Writers that must not outrun the broker
 * check `hasRoom` and await `waitForRoom()` (backpressure), as Java's send() would block.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { compressionByName, type Compression } from '../protocol/records/compression.js'
import type { RecordHeader } from '../protocol/records/record.js'
import { ConfigError, KafkaError } from '../errors.js'
import { parseClientConfig, producerSchema, type ClientProperties, type ProducerConfig } from './client-config.js'
import { KafkaClient } from './kafka-client.js'
import { Partitioner } from './partitioner.js'
import type { DeliveryCallback, RecordMetadata } from './producer-batch.js'
import { RecordAccumulator } from './record-accumulator.js'
import { Sender } from './sender.js'
import { TransactionManager } from './transaction-manager.js'

export type { RecordMetadata } from './producer-batch.js'

export interface ProducerRecord {
  topic: string
  /** Chosen by the partitioner when absent. */
  partition?: number
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Array<{ key: string, value: Buffer | string | null }>
  /** CreateTime in ms; now when absent. */
  timestamp?: number
}

export class Producer {
  readonly client: KafkaClient
  readonly config: ProducerConfig
  readonly unknownKeys: string[]
  private readonly accumulator: RecordAccumulator
  private readonly sender: Sender
  private readonly partitioner: Partitioner
  private closed = false
  /** Sends not yet appended: waiting for their topic's metadata or for buffer room. */
  private readonly waiting = new Set<Promise<void>>()
  private readonly topicWaits = new Map<string, Promise<void>>()
  /** max.request.size, read per record (the config object has many dotted keys: a slow lookup). */
  private readonly maxRequestSize: number
  /** enable.idempotence, as it applies with the other keys (Java's ProducerConfig). */
  readonly idempotent: boolean

  constructor (properties: ClientProperties) {
    const { values, unknownKeys } = parseClientConfig(producerSchema, properties)
    this.config = values
    this.maxRequestSize = values['max.request.size']
    this.unknownKeys = unknownKeys
    this.client = new KafkaClient(values)
    this.accumulator = new RecordAccumulator({
      batchSize: values['batch.size'], lingerMs: values['linger.ms'], bufferMemory: values['buffer.memory'],
    })
    const acks = values.acks === 'all' ? -1 : Number(values.acks) as -1 | 0 | 1
    this.idempotent = idempotence(values, 'enable.idempotence' in properties)
    this.sender = new Sender(this.client, this.accumulator, {
      acks,
      compression: compressionByName(values['compression.type']) as Compression,
      requestTimeoutMs: values['request.timeout.ms'],
      maxRequestSize: values['max.request.size'],
      maxInFlight: values['max.in.flight.requests.per.connection'],
      retries: values.retries,
      deliveryTimeoutMs: values['delivery.timeout.ms'],
      retryBackoffMs: values['retry.backoff.ms'],
    }, this.idempotent ? new TransactionManager(this.client) : undefined)
    this.partitioner = new Partitioner(values['batch.size'], values['partitioner.ignore.keys'])
  }

  /** Whether buffer.memory has room for more records now. */
  get hasRoom (): boolean { return this.accumulator.hasRoom }

  /** Resolves when buffer.memory has room (at once if it has); fails after max.block.ms. */
  async waitForRoom (): Promise<void> {
    await this.accumulator.waitForRoom(this.config['max.block.ms'])
  }

  /** Sends one record; the promise settles with where it landed, or the error that stopped it. */
  async send (record: ProducerRecord): Promise<RecordMetadata> {
    return await new Promise((resolve, reject) => this.produce(record, (err, meta) => err !== null ? reject(err) : resolve(meta!)))
  }

  /**
   * Sends one record and reports its outcome to `callback` (Java's send(record, callback)); the
   * cheapest way to send many records. A record that fails before it is queued (closed producer,
   * too large, bad partition, no metadata within max.block.ms) is reported to the callback too.
   * `record` is read before produce returns, so the caller may reuse it for the next one.
   */
  produce (record: ProducerRecord, callback?: DeliveryCallback): void {
    const { topic, partition } = record
    try {
      if (this.closed) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'send after the producer was closed')
      const key = toBuffer(record.key ?? null)
      const value = toBuffer(record.value)
      const headers: RecordHeader[] = record.headers === undefined || record.headers.length === 0 ? NO_HEADERS : record.headers.map(h => ({ key: h.key, value: toBuffer(h.value) }))
      const nowMs = Date.now()
      const timestamp = record.timestamp ?? nowMs
      const size = (key?.length ?? 0) + (value?.length ?? 0)
      if (size > this.maxRequestSize) {
        throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `the record is ${size} bytes, more than max.request.size (${this.maxRequestSize})`)
      }
      if (this.accumulator.hasRoom && this.client.metadata.partitionCount(topic) !== undefined) {
        this.append(topic, partition, key, value, headers, timestamp, nowMs, callback)
      } else {
        this.appendWhenReady(topic, partition, key, value, headers, timestamp, callback)
      }
    } catch (err) {
      if (callback === undefined) throw err
      callback(asKafkaError(err), null)
    }
  }

  /** Sends everything buffered now and resolves when all of it has been answered. */
  async flush (): Promise<void> {
    this.sender.flushing++
    try {
      while (this.waiting.size > 0) await Promise.allSettled([...this.waiting])
      this.sender.wakeup()
      await this.sender.whenIdle()
    } finally {
      this.sender.flushing--
    }
  }

  /** Flushes, then closes the connections. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.flush()
    } finally {
      this.sender.stop()
      await this.client.close()
    }
  }

  private append (topic: string, chosen: number | undefined, key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, nowMs: number, callback?: DeliveryCallback): void {
    const metadata = this.client.metadata
    const count = metadata.partitionCount(topic)!
    let partition = chosen
    if (partition === undefined) partition = this.partitioner.partition(topic, key, count, metadata.availablePartitions(topic))
    else if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${partition} is not in topic ${topic}, which has ${count} partitions`)
    }
    const bytes = this.accumulator.append(topic, partition, key, value, headers, timestamp, nowMs, callback)
    if (key === null && chosen === undefined) this.partitioner.onAppend(topic, partition, bytes, count, metadata.availablePartitions(topic))
    // one drain per event-loop turn (wakeup deduplicates): full batches go then, lingering ones get a timer
    this.sender.wakeup()
  }

  /**
   * The record waits for its topic's metadata and for buffer room, up to max.block.ms. Apart from
   * `produce` because its closures would make every call allocate their context, taken or not.
   */
  private appendWhenReady (topic: string, partition: number | undefined, key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, callback?: DeliveryCallback): void {
    // a flush must also wait for records still waiting for metadata or room
    const ready = (async () => {
      await this.topicReady(topic)
      await this.waitForRoom()
    })()
    this.waiting.add(ready)
    ready.then(() => this.append(topic, partition, key, value, headers, timestamp, Date.now(), callback), err => callback?.(asKafkaError(err), null))
      .catch(err => callback?.(asKafkaError(err), null))
      .finally(() => this.waiting.delete(ready))
  }

  /** One metadata wait per topic, however many records wait on it. */
  private async topicReady (topic: string): Promise<void> {
    let wait = this.topicWaits.get(topic)
    if (wait === undefined) {
      wait = this.waitForTopic(topic).finally(() => this.topicWaits.delete(topic))
      this.topicWaits.set(topic, wait)
    }
    await wait
  }

  /**
   * Fetches metadata until the topic shows up with partitions (Metadata may create it when the
   * broker's auto.create.topics.enable says so), for at most max.block.ms.
   */
  private async waitForTopic (topic: string): Promise<void> {
    const timeoutMs = this.config['max.block.ms']
    const deadline = Date.now() + timeoutMs
    for (let tries = 0; this.client.metadata.partitionCount(topic) === undefined; tries++) {
      try {
        await this.client.refreshMetadata([topic], true)
      } catch (err) {
        if (!(err instanceof KafkaError) || err.code !== ErrorCode.NETWORK_EXCEPTION || Date.now() >= deadline) throw err
      }
      if (this.client.metadata.partitionCount(topic) !== undefined) return
      if (Date.now() >= deadline) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${topic} not present in metadata after ${timeoutMs} ms.`)
      }
      await new Promise(resolve => setTimeout(resolve, Math.min(this.client.backoffMs(tries), Math.max(0, deadline - Date.now()))))
    }
  }
}

const NO_HEADERS: RecordHeader[] = []

/**
 * Java's ProducerConfig.postProcessAndValidateIdempotenceConfigs: idempotence (on by default since
 * Kafka 3.0) needs acks=all, retries and at most 5 requests in flight per connection (the broker
 * remembers a producer's last 5 batches). Asked for explicitly, a conflict is an error; by default,
 * idempotence is off when another key rules it out.
 */
function idempotence (values: ProducerConfig, explicit: boolean): boolean {
  if (!values['enable.idempotence']) return false
  const conflicts = [
    ...values['max.in.flight.requests.per.connection'] > 5 ? ['Must set max.in.flight.requests.per.connection to at most 5 when using the idempotent producer.'] : [],
    ...values.retries === 0 ? ['Must set retries to non-zero when using the idempotent producer.'] : [],
    ...values.acks !== 'all' && values.acks !== '-1' ? ['Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.'] : [],
  ]
  if (conflicts.length > 0 && explicit) throw new ConfigError(conflicts)
  return conflicts.length === 0
}

function asKafkaError (err: unknown): KafkaError {
  return err instanceof KafkaError ? err : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message, { cause: err })
}

function toBuffer (v: Buffer | string | null): Buffer | null {
  return typeof v === 'string' ? Buffer.from(v) : v
}
