/**
 * One WebSocket: its requests, carried out as they arrive, and its subscriptions. Produces go to
 * the gateway's shared producers (one per acks level, so records from many sockets share
 * batches); each answer comes back on the socket that asked. A socket may have at most
 * gateway.max.inflight.records.per.socket records awaiting their ack: past that the gateway
 * stops reading it (TCP pushes back on the client) until acks catch up.
 */
import type { WebSocket } from 'ws'
import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ClientProperties } from '../client/client-config.js'
import type { Producer, RecordMetadata } from '../client/producer.js'
import type { GatewayValues } from './gateway-config.js'
import { BadRequest, errorFields, errorFrame, parseRequest, type ErrorFields, type Acks, type GatewayRequest, type ProduceRecord, type RequestId } from './gateway-frames.js'
import type { GatewayMetrics } from './gateway-metrics.js'
import type { SharedFetch } from './shared-fetch.js'
import type { DashboardWatches } from '../dashboard/dashboard-watches.js'
import { Subscription, type SubscriptionSink } from './subscription.js'
import { AclOperation, ResourceType } from '../security/acl-binding.js'
import { authorizationError } from '../server/auth-helper.js'
import type { Access } from './gateway-authorizer.js'

export const CloseCode = {
  SLOW_CONSUMER: 4008,
  RATE_LIMITED: 4029,
  INTERNAL_ERROR: 1011,
} as const

export interface SessionContext {
  /** The socket's principal and what it may do: every op is checked as a broker checks the request it makes. */
  access: Access
  values: GatewayValues
  consumerProps: ClientProperties
  producerFor: (acks: Acks) => Producer
  fetch: SharedFetch
  metrics: GatewayMetrics
  /** The dashboard's `watch` ops (docs/dashboard.md). */
  watches: Pick<DashboardWatches, 'handle' | 'release'>
  log: Logger
}

type Outcome = RecordMetadata | ErrorFields

const TEXT_FRAME = { binary: false }

export class GatewaySession {
  private readonly subscriptions = new Map<string, Subscription>()
  private inflight = 0
  private readingPaused = false
  private closed = false
  /** Frames handed to ws and frames it has written out: `frameWritten` waits for the second to move. */
  private sent = 0
  private written = 0
  private drainWaiters: Array<{ target: number, resolve: () => void }> = []
  /** Token bucket for gateway.rate.limit.records.per.sec. */
  private tokens: number
  private tokensAtMs = Date.now()
  private readonly onWritten = (): void => {
    this.written++
    if (this.drainWaiters.length > 0 && this.drainWaiters[0]!.target <= this.written) {
      const ready = this.drainWaiters.filter(w => w.target <= this.written)
      this.drainWaiters = this.drainWaiters.filter(w => w.target > this.written)
      for (const w of ready) w.resolve()
    }
  }

  private readonly sink: SubscriptionSink

  constructor (private readonly ws: WebSocket, private readonly ctx: SessionContext) {
    this.tokens = ctx.values['gateway.rate.limit.records.per.sec']
    this.sink = {
      send: frame => this.send(frame),
      sendText: json => this.sendText(json),
      get bufferedAmount () { return ws.bufferedAmount },
      frameWritten: async () => await this.frameWritten(),
      tooSlow: () => this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: the socket fell behind'),
      ended: sub => this.dropSubscription(sub),
      delivered: n => ctx.metrics.recordsDelivered.inc(n),
    }
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary))
    ws.on('close', () => { void this.shutdown() })
    ws.on('error', err => ctx.log.debug('socket error', { error: err.message }))
  }

  close (code: number, reason: string): void {
    if (this.closed) return
    this.ctx.metrics.socketCloses.inc({ code: String(code) })
    this.ws.close(code, reason)
    void this.shutdown()
  }

  private onMessage (data: Buffer, isBinary: boolean): void {
    this.ctx.metrics.framesReceived.inc()
    if (isBinary) {
      this.send(errorFrame(ErrorCode.INVALID_REQUEST, 'binary frames are not part of the API: send JSON text frames'))
      return
    }
    let request: GatewayRequest
    try {
      request = parseRequest(data.toString('utf8'), { maxBatchRecords: this.ctx.values['gateway.max.batch.records'] })
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err
      this.send(errorFrame(err.code, err.message, err.ids))
      return
    }
    this.handle(request).catch((err: unknown) => {
      const ids = request.op === 'subscribe' ? { sub: request.spec.sub } : 'sub' in request ? { sub: request.sub } : 'watch' in request ? { watch: request.watch } : { id: request.id }
      if (err instanceof KafkaError || err instanceof BadRequest) {
        this.send(errorFrame(err.code, err.message, ids))
        return
      }
      this.ctx.log.error('request failed', { op: request.op, error: (err as Error).stack ?? String(err) })
      this.close(CloseCode.INTERNAL_ERROR, 'internal error')
    })
  }

  private async handle (request: GatewayRequest): Promise<void> {
    switch (request.op) {
      case 'produce':
        this.admitProduce(1, request.id)
        this.produce(request.acks, request.record, outcome => this.send({ op: 'code' in outcome ? 'error' : 'ack', id: request.id, ...outcome }))
        return
      case 'produceBatch': {
        this.admitProduce(request.records.length, request.id)
        const results: Outcome[] = new Array(request.records.length)
        let left = request.records.length
        request.records.forEach((record, i) => this.produce(request.acks, record, outcome => {
          results[i] = outcome
          if (--left === 0) this.send({ op: 'acks', id: request.id, results })
        }))
        return
      }
      case 'subscribe':
        await this.subscribe(request.spec)
        return
      case 'credit':
        this.subscription(request.sub).grant(request.n)
        return
      case 'seek':
        this.subscription(request.sub).seek(request.to)
        return
      case 'commit': {
        if (this.ctx.values['gateway.read.only']) throw new BadRequest('offsets cannot be committed: gateway.read.only is set', ErrorCode.GROUP_AUTHORIZATION_FAILED)
        const group = this.subscription(request.sub).spec.group
        // OffsetCommit: Read on the group (the subscription checks each topic)
        if (group !== undefined) this.ctx.access.ensure(AclOperation.READ, ResourceType.GROUP, group, 'commit')
        const committed = await this.subscription(request.sub).commit(request.offsets)
        const offsets: Record<string, Record<number, number>> = {}
        for (const c of committed) (offsets[c.topic] ??= {})[c.partition] = c.offset
        this.send({ op: 'committed', sub: request.sub, offsets })
        return
      }
      case 'unsubscribe': {
        const sub = this.subscription(request.sub)
        this.dropSubscription(request.sub)
        await sub.close()
        this.send({ op: 'unsubscribed', sub: request.sub })
        return
      }
      case 'watch':
      case 'unwatch':
        this.ctx.watches.handle(this.sink, request, this.ctx.access)
    }
  }

  /** Read-only, the rate limit, and the in-flight cap: checked before a record is taken. */
  private admitProduce (records: number, id?: RequestId): void {
    if (this.ctx.values['gateway.read.only']) throw new BadRequest('records cannot be produced: gateway.read.only is set', ErrorCode.TOPIC_AUTHORIZATION_FAILED, { id })
    const rate = this.ctx.values['gateway.rate.limit.records.per.sec']
    if (rate > 0) {
      const now = Date.now()
      this.tokens = Math.min(rate, this.tokens + (now - this.tokensAtMs) * rate / 1000)
      this.tokensAtMs = now
      this.tokens -= records
      if (this.tokens < 0) {
        this.close(CloseCode.RATE_LIMITED, `more than ${rate} records/s (gateway.rate.limit.records.per.sec)`)
        throw new BadRequest('rate limited', ErrorCode.THROTTLING_QUOTA_EXCEEDED, { id })
      }
    }
    this.inflight += records
    if (this.inflight >= this.ctx.values['gateway.max.inflight.records.per.socket'] && !this.readingPaused) {
      this.readingPaused = true
      this.ws.pause()
    }
  }

  /** Produce: Write on the topic, as the broker asks of the producer. */
  private produce (acks: Acks, record: ProduceRecord, done: (outcome: Outcome) => void): void {
    const settle = (err: { code: number, message: string } | null, meta: RecordMetadata | null): void => {
      this.inflight--
      if (this.readingPaused && this.inflight < this.ctx.values['gateway.max.inflight.records.per.socket'] / 2) {
        this.readingPaused = false
        this.ws.resume()
      }
      if (err !== null) {
        this.ctx.metrics.produceErrors.inc()
        done(errorFields(err.code, err.message))
        return
      }
      this.ctx.metrics.recordsProduced.inc()
      done(meta!)
    }
    if (!this.ctx.access.authorize(AclOperation.WRITE, ResourceType.TOPIC, record.topic, 'produce')) {
      settle(authorizationError(ResourceType.TOPIC, record.topic, 'gateway produce'), null)
      return
    }
    this.ctx.producerFor(acks).produce(record, settle)
  }

  private async subscribe (spec: Subscription['spec']): Promise<void> {
    if (this.subscriptions.has(spec.sub)) throw new BadRequest(`subscription ${spec.sub} already exists on this socket; unsubscribe it first or pick another "sub"`)
    const max = this.ctx.values['gateway.max.subscriptions.per.socket']
    if (this.subscriptions.size >= max) throw new BadRequest(`this socket has ${max} subscriptions already (gateway.max.subscriptions.per.socket)`)
    // JoinGroup: Read on the group; the subscription checks its topics
    if (spec.group !== undefined) this.ctx.access.ensure(AclOperation.READ, ResourceType.GROUP, spec.group, 'subscribe')
    const subscription = new Subscription(spec, this.ctx.consumerProps, this.sink, {
      access: this.ctx.access,
      highWaterBytes: this.ctx.values['gateway.socket.high.water.bytes'],
      slowConsumerPolicy: this.ctx.values['gateway.slow.consumer.policy'] as 'pause' | 'close',
      fetch: this.ctx.fetch,
      log: this.ctx.log,
    })
    this.subscriptions.set(spec.sub, subscription)
    this.ctx.metrics.subscriptions.inc()
    try {
      await subscription.start()
    } catch (err) {
      this.dropSubscription(spec.sub)
      await subscription.close()
      throw err
    }
    if (this.closed) await subscription.close()
  }

  private subscription (sub: string): Subscription {
    const s = this.subscriptions.get(sub)
    if (s === undefined) throw new BadRequest(`no subscription ${JSON.stringify(sub)} on this socket`)
    return s
  }

  private dropSubscription (sub: string): void {
    if (this.subscriptions.delete(sub)) this.ctx.metrics.subscriptions.dec()
  }

  private send (frame: object): void {
    this.sendText(JSON.stringify(frame))
  }

  private sendText (json: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return
    this.sent++
    // As UTF-8 bytes, not a string: a frame queued behind a slow socket then sits outside V8's heap,
    // at its exact size, and ws need not measure the string's UTF-8 length for the frame header.
    this.ws.send(Buffer.from(json), TEXT_FRAME, this.onWritten)
  }

  private async frameWritten (): Promise<void> {
    if (this.written >= this.sent || this.closed) return
    await new Promise<void>(resolve => this.drainWaiters.push({ target: this.written + 1, resolve }))
  }

  /** The socket is gone: every subscription leaves its group now, not after a session timeout. */
  private async shutdown (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.ctx.watches.release(this.sink)
    for (const w of this.drainWaiters) w.resolve()
    this.drainWaiters = []
    const subs = [...this.subscriptions.keys()]
    const closing = subs.map(async sub => await this.subscriptions.get(sub)!.close().catch((err: unknown) => this.ctx.log.warn('closing a subscription failed', { sub, error: String(err) })))
    for (const sub of subs) this.dropSubscription(sub)
    await Promise.all(closing)
  }

  /** For the metrics: credit granted and not yet used, over every subscription. */
  outstandingCredit (): number {
    let n = 0
    for (const s of this.subscriptions.values()) n += s.outstandingCredit
    return n
  }
}
