/**
 * The gateway's own metrics, served as Prometheus text at its /metrics (prom-client, one registry
 * per gateway): sockets, subscriptions, credit outstanding, records through it each way, and
 * Node's own (event-loop lag, heap, GC).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly sockets = new Gauge({ name: 'kafka_gateway_sockets', help: 'Open WebSocket connections', registers: [this.registry] })
  readonly subscriptions = new Gauge({ name: 'kafka_gateway_subscriptions', help: 'Live subscriptions over all sockets', registers: [this.registry] })
  readonly recordsDelivered = new Counter({ name: 'kafka_gateway_records_delivered_total', help: 'Records sent to subscribers', registers: [this.registry] })
  readonly recordsProduced = new Counter({ name: 'kafka_gateway_records_produced_total', help: 'Records produced and acknowledged', registers: [this.registry] })
  readonly produceErrors = new Counter({ name: 'kafka_gateway_produce_errors_total', help: 'Records whose produce failed', registers: [this.registry] })
  readonly framesReceived = new Counter({ name: 'kafka_gateway_frames_received_total', help: 'Frames received from clients', registers: [this.registry] })
  readonly socketCloses = new Counter({ name: 'kafka_gateway_socket_closes_total', help: 'Sockets the gateway closed, by WebSocket close code', labelNames: ['code'], registers: [this.registry] })
  readonly upgradesRefused = new Counter({ name: 'kafka_gateway_upgrades_refused_total', help: 'WebSocket upgrades refused, by HTTP status', labelNames: ['status'], registers: [this.registry] })

  /** `outstandingCredit` is read when scraped, not kept up to date on every record. */
  constructor (outstandingCredit: () => number) {
    // registered in this.registry, which is all that reads it
    void new Gauge({ name: 'kafka_gateway_credit_outstanding', help: 'Records granted by clients and not yet sent', registers: [this.registry], collect () { this.set(outstandingCredit()) } })
    collectDefaultMetrics({ register: this.registry })
  }
}
