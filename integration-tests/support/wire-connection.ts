import { connect, type Socket } from 'node:net'
import { decode } from '../../src/protocol/codec.js'
import { encodeRequestFrame, readResponseHeader, responseHeaderVersion } from '../../src/protocol/header.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js'
import { MetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata.js'
import { ProduceRequest } from '../../src/protocol/messages/produce.js'
import { buildRecordBatch } from '../../src/protocol/records/record.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import type { Decoded, Infer, MessageDescriptor } from '../../src/protocol/schema/index.js'
import { waitFor } from './wait-for.js'

/**
 * A bare TCP connection that speaks the wire format with this project's codec: typed requests one
 * at a time, or raw bytes (fuzzing). Tests use it to set up topics and read metadata without a
 * client library, and to see exactly what the broker answers. Frames are read whole; a closed
 * socket fails every waiting read with a message naming the broker.
 */
export class WireConnection {
  private buffered: Buffer = Buffer.alloc(0)
  private waiting?: () => void
  private closed?: Error
  private correlationId = 0

  private constructor (private readonly socket: Socket, readonly address: string) {
    socket.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d])
      this.waiting?.()
    })
    const onGone = (err?: Error): void => {
      this.closed ??= err ?? new Error(`connection to ${address} closed by the broker`)
      this.waiting?.()
    }
    socket.on('error', onGone)
    socket.on('close', () => onGone())
  }

  static async open (address: string, timeoutMs = 10_000): Promise<WireConnection> {
    const [host, port] = splitAddress(address)
    const socket = connect({ host, port, noDelay: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timed out after ${timeoutMs}ms connecting to ${address}`)) }, timeoutMs)
      socket.once('connect', () => { clearTimeout(timer); resolve() })
      socket.once('error', err => { clearTimeout(timer); reject(err) })
    })
    return new WireConnection(socket, address)
  }

  get isClosed (): boolean { return this.closed !== undefined }

  /** Sends one request and decodes its response (requests on one connection are answered in order). */
  async request<Q extends MessageDescriptor, R extends MessageDescriptor> (
    request: Q, response: R, version: number, value: Infer<Q>, timeoutMs = 10_000,
  ): Promise<Decoded<R>> {
    const correlationId = ++this.correlationId
    this.socket.write(encodeRequestFrame(request, { apiVersion: version, correlationId, clientId: 'integration-tests' }, value))
    const frame = await this.readFrame(timeoutMs, `${request.name} v${version} answer from ${this.address}`)
    const reader = new Reader(frame)
    const header = readResponseHeader(reader, responseHeaderVersion(request.apiKey, version))
    if (header.correlationId !== correlationId) throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`)
    return decode(response, version, reader)
  }

  writeRaw (bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** The next whole response frame, without its size prefix. */
  async readFrame (timeoutMs: number, what: string): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0)
        if (this.buffered.length >= 4 + size) {
          const frame = this.buffered.subarray(4, 4 + size)
          this.buffered = this.buffered.subarray(4 + size)
          return frame
        }
      }
      if (this.closed !== undefined) throw new Error(`waiting for ${what}: ${this.closed.message}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiting = () => { clearTimeout(timer); resolve() }
      })
      this.waiting = undefined
    }
  }

  /** Resolves once the broker has closed the connection; throws at the deadline. */
  async waitClosed (timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.closed === undefined) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiting = () => { clearTimeout(timer); resolve() }
      })
      this.waiting = undefined
    }
  }

  close (): void {
    this.socket.destroy()
  }
}

/** Produce v7 of one record with `value` to one partition. */
export function produceRequest (topic: string, partition: number, value: string, acks: number): Infer<typeof ProduceRequest> {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch({ records: [{ value: Buffer.from(value) }] }) }] }] }
}

export type TopicMetadata = Decoded<typeof MetadataResponse>['topics'][number]

/** Metadata v1 for one topic (no auto-creation at v1 unless the broker's config allows it). */
export async function topicMetadata (address: string, name: string): Promise<{ topic: TopicMetadata | undefined, controllerId: number }> {
  const conn = await WireConnection.open(address)
  try {
    const res = await conn.request(MetadataRequest, MetadataResponse, 1, { topics: [{ name }] })
    return { topic: res.topics.find(t => t.name === name), controllerId: res.controllerId }
  } finally {
    conn.close()
  }
}

function splitAddress (address: string): [string, number] {
  const i = address.lastIndexOf(':')
  return [address.slice(0, i), Number(address.slice(i + 1))]
}

/**
 * Waits until every broker in `bootstrap` answers Metadata for `name` with `partitions` partitions,
 * each with a leader (CreateTopics answers before the leaders are elected and propagated).
 */
export async function waitForTopic (bootstrap: string, name: string, partitions: number, timeoutMs = 15_000): Promise<TopicMetadata> {
  let last: TopicMetadata | undefined
  try {
    await waitFor(async () => {
      for (const address of bootstrap.split(',')) {
        const { topic } = await topicMetadata(address, name)
        last = topic
        if (topic?.errorCode !== 0 || topic.partitions.length !== partitions || topic.partitions.some(p => p.errorCode !== 0 || p.leaderId < 0)) return false
      }
      return true
    }, `topic ${name} with ${partitions} led partitions in the metadata of ${bootstrap}`, { timeoutMs })
  } catch (err) {
    throw new Error(`${(err as Error).message}; last answer: ${JSON.stringify(last)}`, { cause: err })
  }
  return last!
}

/** The broker's advertised [min, max] per api key (ApiVersions v0). */
export async function apiVersions (address: string): Promise<Map<number, { min: number, max: number }>> {
  const conn = await WireConnection.open(address)
  try {
    const res = await conn.request(ApiVersionsRequest, ApiVersionsResponse, 0, {})
    return new Map(res.apiKeys.map(k => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]))
  } finally {
    conn.close()
  }
}

/** The controller's broker id, from Metadata v1 naming no topics (nothing is auto-created). */
export async function controllerId (address: string): Promise<number> {
  const conn = await WireConnection.open(address)
  try {
    return (await conn.request(MetadataRequest, MetadataResponse, 1, { topics: [] })).controllerId
  } finally {
    conn.close()
  }
}
