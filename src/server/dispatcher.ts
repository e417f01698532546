import { KafkaError } from '../errors.js'
import { ApiKey, apiName } from '../protocol/api-keys.js'
import { decode, encode } from '../protocol/codec.js'
import { networkBufferPool } from '../protocol/buffer-pool.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { readRequestHeader, responseHeaderVersion, writeResponseHeader, type RequestHeader } from '../protocol/header.js'
import { Reader } from '../protocol/primitives/reader.js'
import { Writer } from '../protocol/primitives/writer.js'
import type { FetchRequest } from '../protocol/messages/fetch.js'
import type { MessageDescriptor } from '../protocol/schema/index.js'
import type { ApiHandler, RequestContext } from './api-handler.js'
import { authHelper } from './auth-helper.js'
import type { BrokerContext } from './broker-context.js'
import type { Connection, Reply } from './connection.js'
import { clipErrorMessages, errorResponse } from './error-response.js'
import { fetchReplicaId } from './handlers/fetch.js'

/**
 * Request dispatch: a table of handlers by API key. Decodes the header and body, runs the handler,
 * and encodes its answer (again with its error messages clipped, if a long one does not fit). A
 * KafkaError from a handler becomes its error code in the response; any other throw (or an answer
 * that still does not encode) is a bug: logged with its stack and answered UNKNOWN_SERVER_ERROR.
 * Either way every resource the request named gets the code (error-response.ts), so a handler's
 * failure never costs the client its connection.
 */
export class Dispatcher {
  private readonly handlers = new Map<number, ApiHandler>()

  constructor (handlers: readonly ApiHandler[], private readonly broker: BrokerContext, private readonly listenerName: string) {
    for (const h of handlers) this.handlers.set(h.request.apiKey, h)
  }

  /** (apiKey, min, max) for every registered handler: what ApiVersions advertises. */
  supportedVersions (): Array<{ apiKey: number, minVersion: number, maxVersion: number }> {
    return [...this.handlers.values()]
      .map(h => ({ apiKey: h.request.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey)
  }

  async dispatch (frame: Buffer, connection: Connection): Promise<Reply> {
    const startMs = performance.now()
    const reader = new Reader(frame)
    const header = readRequestHeader(reader) // a frame too short for a header throws: the connection closes
    const handler = this.handlers.get(header.apiKey)
    if (header.apiKey === ApiKey.ApiVersions && handler !== undefined && header.apiVersion > handler.maxVersion) {
      return this.apiVersionsUnsupported(header, handler)
    }
    if (handler === undefined || header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      // Kafka closes the connection here; kafka-python's broker-version probing relies on it.
      throw new Error(`unsupported ${apiName(header.apiKey)} (key ${header.apiKey}) version ${header.apiVersion} from ${header.clientId ?? '?'}`)
    }
    const request = decode(handler.request, header.apiVersion, reader)
    const reply = await this.answer(handler, header, request, connection, frame, startMs)
    const metrics = this.broker.metrics
    if (metrics !== undefined) {
      // Kafka's TotalTimeMs ends when the response is sent; here, when it is encoded, ready to go out in order.
      const fromFollower = header.apiKey === ApiKey.Fetch && fetchReplicaId(request as FetchRequest, header.apiVersion) >= 0
      metrics.recordRequest(header.apiKey, header.apiVersion, performance.now() - startMs, fromFollower)
    }
    return reply
  }

  private async answer (handler: ApiHandler, header: RequestHeader, request: unknown, connection: Connection, frame: Buffer, startMs: number): Promise<Reply> {
    const afterWrite: Array<() => void> = []
    const reply = await this.answerWith(handler, header, request, {
      header,
      apiVersion: header.apiVersion,
      broker: this.broker,
      connection,
      listenerName: this.listenerName,
      requestBytes: frame.length,
      releaseRequestBuffer: () => networkBufferPool.release(frame),
      whenResponseWritten: callback => afterWrite.push(callback),
      ...authHelper(this.broker.authorizer, connection, header.apiKey),
    }, startMs)
    if (reply !== null && afterWrite.length > 0) reply.written = () => { for (const callback of afterWrite) callback() }
    return reply
  }

  private async answerWith (handler: ApiHandler, header: RequestHeader, request: unknown, ctx: RequestContext, startMs: number): Promise<Reply> {
    const log = this.broker.log
    const connection = ctx.connection
    try {
      const pending = handler.handle(request as never, ctx)
      // The handler's own time on the event loop (decoding and its synchronous part), not its
      // waits: the nearest here to Kafka's request handler thread time. Recorded before the wait,
      // so that a mute stops the next request on the connection (Produce's comment says why).
      const requestThrottleMs = this.requestQuotaThrottle(header, request, connection, performance.now() - startMs)
      const response = await pending
      if (response === null) return null
      if (requestThrottleMs > 0 && typeof (response as { throttleTimeMs?: unknown }).throttleTimeMs === 'number') {
        const r = response as { throttleTimeMs: number }
        r.throttleTimeMs = Math.max(r.throttleTimeMs, requestThrottleMs)
      }
      try {
        return encodeResponse(handler.response, header, response)
      } catch {
        return encodeResponse(handler.response, header, clipErrorMessages(handler.response, header.apiVersion, response))
      }
    } catch (err) {
      // KafkaApis.handleProduceRequest: an acks=0 producer reads no answers; closing tells it.
      if (header.apiKey === ApiKey.Produce && (request as { acks?: number }).acks === 0) throw err
      const known = err instanceof KafkaError
      if (!known) log.error('request handler failed', { api: apiName(header.apiKey), apiVersion: header.apiVersion, error: (err as Error).stack ?? String(err) })
      // ApiError.fromThrowable: no message with UNKNOWN_SERVER_ERROR, so nothing internal leaks
      const failed = errorResponse(handler.request, handler.response, header.apiVersion, request, known ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR, known ? err.message : null)
      return encodeResponse(handler.response, header, failed)
    }
  }

  /**
   * request_percentage (Kafka's ClientRequestQuotaManager): the handler time is recorded as a
   * percentage of one thread, and a client above its quota is muted. Exempt as in Kafka: the
   * requests that come before a client can be identified or throttled, and brokers' own requests.
   */
  private requestQuotaThrottle (header: RequestHeader, request: unknown, connection: Connection, handlerMs: number): number {
    const quota = this.broker.quotas.request
    if (!quota.quotasEnabled || exemptFromRequestQuota.has(header.apiKey)) return 0
    if (header.apiKey === ApiKey.Fetch && fetchReplicaId(request as FetchRequest, header.apiVersion) >= 0) return 0
    // Kafka's nanosToPercentagePerSecond: a millisecond of one thread is 0.1 percent-seconds
    const throttleMs = quota.recordAndGetThrottleTimeMs(connection.principal.name, header.clientId ?? '', handlerMs * 0.1)
    connection.throttle(throttleMs)
    return throttleMs
  }

  /** KIP-511: an ApiVersions version we don't know is answered in v0 with our range for it. */
  private apiVersionsUnsupported (header: RequestHeader, handler: ApiHandler): Reply {
    const w = new Writer(64).int32(0)
    writeResponseHeader(w, header.correlationId, 0)
    w.int16(ErrorCode.UNSUPPORTED_VERSION).int32(1).int16(ApiKey.ApiVersions).int16(handler.minVersion).int16(handler.maxVersion)
    return w.patchInt32(0, w.length - 4).toChunks()
  }
}

const exemptFromRequestQuota = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate, ApiKey.ControlledShutdown, ApiKey.WriteTxnMarkers])

export function encodeResponse (msg: MessageDescriptor, header: RequestHeader, response: unknown): Buffer[] {
  const w = new Writer(256).int32(0)
  writeResponseHeader(w, header.correlationId, responseHeaderVersion(header.apiKey, header.apiVersion))
  encode(msg, header.apiVersion, response as never, w)
  return w.patchInt32(0, w.length - 4).toChunks()
}
