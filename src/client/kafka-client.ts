/**
 * The network half every client shares (Java's NetworkClient + Metadata): one connection per broker,
 * opened on first use; bootstrap from a list; a metadata cache refreshed on demand and when a
 * leader error says it is stale; and retries with exponential backoff for errors the error table
 * marks retriable, bounded by a deadline. Admin, producer and consumer are built on it.
 */
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { MetadataRequest, MetadataResponse } from '../protocol/messages/metadata.js'
import type { Decoded, Infer, MessageDescriptor } from '../protocol/schema/index.js'
import { KafkaError } from '../errors.js'
import type { CommonClientConfig } from './client-config.js'
import { ClusterMetadata, type BrokerNode, type TopicMetadata } from './cluster-metadata.js'
import { clientSecurity } from './client-security.js'
import type { ClientSecurity } from '../config/listener-security.js'
import { Connection, type BrokerAddress, type SendOptions } from './connection.js'

/** Metadata v1 gives the controller id; v10+ topic ids; the codec handles every version between. */
const METADATA_VERSIONS = { min: 1, max: 12 }

export class KafkaClient {
  readonly metadata = new ClusterMetadata()
  private readonly bootstrap: BrokerAddress[]
  private readonly connections = new Map<string, Promise<Connection>>()
  private closed = false
  /** Metadata requests under way, by the topic list asked for, so concurrent callers share one. */
  private readonly metadataInFlight = new Map<string, Promise<void>>()
  private staleTopics = new Set<string>()

  /** How every connection of this client reaches its listener: TLS, SASL login (client-security.ts). */
  readonly security: ClientSecurity

  constructor (readonly config: CommonClientConfig) {
    this.security = clientSecurity(config)
    this.bootstrap = config['bootstrap.servers'].map(parseHostPort)
    if (this.bootstrap.length === 0) throw new KafkaError(ErrorCode.INVALID_CONFIG, 'bootstrap.servers is empty')
  }

  /** The connection to a broker by node id (known from metadata). */
  async connectionTo (nodeId: number): Promise<Connection> {
    const node = this.metadata.brokers.get(nodeId)
    if (node === undefined) {
      throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`)
    }
    return await this.connectionAt(node)
  }

  /**
   * A connection to any reachable broker: known ones first, then the bootstrap list. Fails with
   * one error naming every address tried when none answers.
   */
  async anyConnection (): Promise<Connection> {
    for (const [key, pending] of this.connections) {
      const conn = await pending.catch(() => undefined)
      if (conn?.isOpen === true) return conn
      this.connections.delete(key)
    }
    const candidates: BrokerAddress[] = [...this.metadata.brokers.values(), ...this.bootstrap]
    const failures: string[] = []
    for (const address of candidates) {
      try {
        return await this.connectionAt(address)
      } catch (err) {
        // Java's clients stop at an authentication failure rather than try the next broker with the same credentials
        if (err instanceof KafkaError && (err.code === ErrorCode.SASL_AUTHENTICATION_FAILED || err.code === ErrorCode.UNSUPPORTED_SASL_MECHANISM)) throw err
        failures.push((err as Error).message)
      }
    }
    throw new KafkaError(ErrorCode.NETWORK_EXCEPTION,
      `could not reach any broker (bootstrap.servers=${this.config['bootstrap.servers'].join(',')}): ${failures.join('; ')}`)
  }

  /** The controller, which in ZooKeeper mode alone takes CreateTopics, DeleteTopics, CreatePartitions. */
  async controllerConnection (): Promise<Connection> {
    if (this.metadata.controllerId < 0) await this.refreshMetadata([])
    if (this.metadata.controllerId < 0) throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'the cluster has no controller now')
    return await this.connectionTo(this.metadata.controllerId)
  }

  /**
   * Refreshes metadata for `topics` (null: every topic). Concurrent callers share one request when
   * they ask for the same thing; `allowAutoTopicCreation` is the producer's wish (Metadata v4+).
   */
  async refreshMetadata (topics: string[] | null, allowAutoTopicCreation = false): Promise<void> {
    const key = topics === null ? '*' : topics.join('\u0000')
    const existing = this.metadataInFlight.get(key)
    if (existing !== undefined) return await existing
    const work = (async () => {
      const conn = await this.anyConnection()
      const version = conn.version(MetadataRequest, METADATA_VERSIONS.min, METADATA_VERSIONS.max)
      const response = await conn.send(MetadataRequest, MetadataResponse, version, {
        topics: topics === null ? null : topics.map(name => ({ name })),
        allowAutoTopicCreation,
      } as Infer<typeof MetadataRequest>)
      this.metadata.update(response, Date.now(), topics === null)
      for (const t of topics ?? []) this.staleTopics.delete(t)
    })()
    this.metadataInFlight.set(key, work)
    try {
      await work
    } finally {
      this.metadataInFlight.delete(key)
    }
  }

  /** Marks a topic's metadata stale (a leader moved), so the next `topicMetadata` refreshes it. */
  markStale (topic: string): void {
    this.staleTopics.add(topic)
  }

  /** Metadata for `topic`, fetched when unknown, stale or older than metadata.max.age.ms. */
  async topicMetadata (topic: string, allowAutoTopicCreation = false): Promise<TopicMetadata | undefined> {
    const age = Date.now() - this.metadata.updatedAtMs
    if (!this.metadata.topics.has(topic) || this.staleTopics.has(topic) || age > this.config['metadata.max.age.ms']) {
      await this.refreshMetadata([topic], allowAutoTopicCreation)
    }
    return this.metadata.topics.get(topic)
  }

  /** Sends to a broker by node id. */
  async send<Req extends MessageDescriptor, Res extends MessageDescriptor> (
    nodeId: number, request: Req, response: Res, versions: { min: number, max: number },
    value: Infer<Req>, options?: SendOptions,
  ): Promise<Decoded<Res>> {
    const conn = await this.connectionTo(nodeId)
    return await conn.send(request, response, conn.version(request, versions.min, versions.max), value, options)
  }

  /**
   * Runs `attempt` until it succeeds, fails with a non-retriable error, or `timeoutMs` (default
   * default.api.timeout.ms) runs out. Between attempts: backoff, then `beforeRetry` (which
   * usually refreshes metadata). The last error is thrown, with the deadline named when it ran out.
   */
  async retry<T> (what: string, attempt: () => Promise<T>, options: { timeoutMs?: number, beforeRetry?: (err: KafkaError) => Promise<void> } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.config['default.api.timeout.ms']
    const deadline = Date.now() + timeoutMs
    for (let tries = 0; ; tries++) {
      try {
        return await attempt()
      } catch (err) {
        if (!(err instanceof KafkaError) || !isRetriable(err.code) || this.closed) throw err
        const backoffMs = this.backoffMs(tries)
        if (Date.now() + backoffMs >= deadline) {
          throw new KafkaError(err.code, `${what} failed after ${tries + 1} attempts in ${timeoutMs} ms: ${err.message}`, { cause: err })
        }
        await delay(backoffMs)
        if (options.beforeRetry !== undefined) await options.beforeRetry(err).catch(() => {})
      }
    }
  }

  /** Exponential from retry.backoff.ms to retry.backoff.max.ms with ±20% jitter (KIP-580). */
  backoffMs (tries: number): number {
    const base = Math.min(this.config['retry.backoff.max.ms'], this.config['retry.backoff.ms'] * 2 ** tries)
    return Math.round(base * (0.8 + Math.random() * 0.4))
  }

  async close (): Promise<void> {
    this.closed = true
    const all = [...this.connections.values()]
    this.connections.clear()
    for (const pending of all) (await pending.catch(() => undefined))?.close()
  }

  private async connectionAt (address: BrokerAddress | BrokerNode): Promise<Connection> {
    if (this.closed) throw new KafkaError(ErrorCode.NETWORK_EXCEPTION, 'the client is closed')
    const key = `${address.host}:${address.port}`
    const existing = this.connections.get(key)
    if (existing !== undefined) {
      const conn = await existing.catch(() => undefined)
      if (conn?.isOpen === true) return conn
      if (this.connections.get(key) === existing) this.connections.delete(key)
    }
    const conn = new Connection({ host: address.host, port: address.port }, {
      clientId: this.config['client.id'],
      connectTimeoutMs: Math.min(this.config['socket.connection.setup.timeout.ms'], this.config['request.timeout.ms']),
      requestTimeoutMs: this.config['request.timeout.ms'],
      security: this.security,
      idleMs: this.config['connections.max.idle.ms'],
    })
    const pending = conn.connect().then(() => conn, err => { conn.close(); throw err })
    this.connections.set(key, pending)
    try {
      return await pending
    } catch (err) {
      if (this.connections.get(key) === pending) this.connections.delete(key)
      throw err
    }
  }
}

/** "host:port"; a bare host gets Kafka's 9092; [v6]:port brackets are removed. */
export function parseHostPort (text: string): BrokerAddress {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim())
  const host = m?.[1] ?? ''
  const port = Number(m?.[2] ?? 9092)
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `bad broker address "${text}": expected host:port`)
  }
  return { host, port }
}

/** The message for a per-partition or per-topic error code. */
export function describeError (code: number, message?: string | null): string {
  return message !== undefined && message !== null && message !== '' ? `${errorName(code)}: ${message}` : errorName(code)
}

async function delay (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
