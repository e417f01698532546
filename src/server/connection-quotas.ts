/**
 * Kafka's ConnectionQuotas (kafka.network.SocketServer): how many connections each address
 * (max.connections.per.ip, with max.connections.per.ip.overrides) and the whole broker
 * (max.connections) may hold, counted from the TCP accept until the socket closes. The socket
 * server asks; this only counts.
 *
 * - An address at its limit has its new connection closed at once.
 * - At its own limit (listener.name.<listener>.max.connections), a listener stops admitting until
 *   one of its connections closes.
 * - At the broker-wide limit, a listener stops admitting until a connection closes, except the
 *   inter-broker listener of a broker with more than one listener (KIP-402: replication must go
 *   on). When that listener's admissions take the broker over the limit, the least recently used
 *   connections of the other listeners are closed (`excess`), as they are when the limit is
 *   lowered below what is open.
 * - Over max.connection.creation.rate, or its listener's own, a listener stops admitting for the
 *   time the rate needs to fall back to the bound, at most one quota window (KIP-612); the
 *   broker-wide rate does not hold back the protected inter-broker listener.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { parseMaxConnectionsPerIpOverrides, type BrokerConfig } from '../config/broker-config.js'
import type { Logger } from '../logger.js'
import { Rate, throttleTimeMs, type RateConfig } from '../quota/rate.js'

export interface ConnectionLimits {
  maxConnectionsPerIp: number
  /** By address (a host name resolved to its address, as Kafka's InetAddress.getByName does). */
  maxConnectionsPerIpOverrides: ReadonlyMap<string, number>
  maxConnections: number
  /** max.connection.creation.rate, per second. */
  maxConnectionCreationRate: number
}

/** A listener's own limits (listener.name.<listener>.*); Infinity for none. */
export interface ListenerLimits { maxConnections: number, maxConnectionCreationRate: number }

export class ConnectionQuotas {
  private readonly perAddress = new Map<string, number>()
  private readonly perListener = new Map<string, number>()
  private total = 0
  /** Connections accepted per second, broker-wide and per listener, over the client quotas' windows (quota.window.*). */
  private readonly brokerRate: Rate
  private readonly listenerRates = new Map<string, Rate>()

  constructor (private readonly listeners: ReadonlyMap<string, ListenerLimits>, private readonly interBrokerListenerName: string,
    private limits: ConnectionLimits, private readonly rateConfig: RateConfig) {
    for (const l of listeners.keys()) {
      this.perListener.set(l, 0)
      this.listenerRates.set(l, new Rate(rateConfig))
    }
    this.brokerRate = new Rate(rateConfig)
  }

  set (limits: ConnectionLimits): void {
    this.limits = limits
  }

  /** Kafka's connectionSlotAvailable: whether `listener` may admit a connection now. */
  slotAvailable (listener: string): boolean {
    if (this.count(listener) >= (this.listeners.get(listener)?.maxConnections ?? Infinity)) return false
    return this.isProtected(listener) || this.total < this.limits.maxConnections
  }

  /**
   * Kafka's recordConnectionAndGetThrottleTimeMs: records a connection `listener` is about to admit
   * in the creation rates, and answers how long the listener must wait before it, to bring the
   * rates back to their bounds; 0 within them. Never more than one quota window.
   */
  recordConnection (listener: string, nowMs: number): number {
    const brokerMs = this.isProtected(listener) ? 0 : this.throttle(this.brokerRate, this.limits.maxConnectionCreationRate, nowMs)
    const own = this.listenerRates.get(listener)
    const listenerMs = own === undefined ? 0 : this.throttle(own, this.listeners.get(listener)?.maxConnectionCreationRate ?? Infinity, nowMs)
    return Math.max(brokerMs, listenerMs)
  }

  /**
   * Counts a connection from `address` on `listener`; undefined when taken, else the limit the
   * address is already at (then nothing is counted and the caller closes the socket).
   */
  inc (listener: string, address: string): number | undefined {
    const count = this.perAddress.get(address) ?? 0
    const max = this.limits.maxConnectionsPerIpOverrides.get(address) ?? this.limits.maxConnectionsPerIp
    if (count >= max) return max
    this.perAddress.set(address, count + 1)
    this.perListener.set(listener, (this.perListener.get(listener) ?? 0) + 1)
    this.total++
    return undefined
  }

  dec (listener: string, address: string): void {
    const count = this.perAddress.get(address) ?? 0
    if (count <= 1) this.perAddress.delete(address)
    else this.perAddress.set(address, count - 1)
    this.perListener.set(listener, Math.max(0, (this.perListener.get(listener) ?? 0) - 1))
    this.total = Math.max(0, this.total - 1)
  }

  /**
   * How many connections the broker holds over max.connections (Kafka's maxConnectionsExceeded, as
   * a count): as many least recently used ones of unprotected listeners are to be closed.
   */
  excess (): number {
    return Math.max(0, this.total - this.limits.maxConnections)
  }

  /** Connections open on `listener` (socket-server-metrics connection-count). */
  count (listener: string): number {
    return this.perListener.get(listener) ?? 0
  }

  private throttle (rate: Rate, boundPerSec: number, nowMs: number): number {
    // Kafka's default (Integer.MAX_VALUE) is no limit: nothing to measure
    if (boundPerSec >= 2_147_483_647) return 0
    rate.record(1, nowMs)
    return Math.min(throttleTimeMs(rate, boundPerSec, nowMs), this.rateConfig.windowMs)
  }

  /** Kafka's protectedListener: the inter-broker listener, when there is another. */
  isProtected (listener: string): boolean {
    return listener === this.interBrokerListenerName && this.perListener.size > 1
  }
}

/** The address Kafka's InetAddress would name: an IPv4 client of a dual-stack listener is its IPv4 address. */
export function normalizeAddress (address: string | undefined): string {
  if (address === undefined) return '?'
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/**
 * The limits a config sets. Host names in max.connections.per.ip.overrides are resolved now, to
 * one address each as Kafka's InetAddress.getByName does; one that does not resolve is logged and
 * left out.
 */
export async function connectionLimits (values: Pick<BrokerConfig, 'max.connections' | 'max.connections.per.ip' | 'max.connections.per.ip.overrides' | 'max.connection.creation.rate'>, log: Logger): Promise<ConnectionLimits> {
  const overrides = new Map<string, number>()
  for (const [host, count] of parseMaxConnectionsPerIpOverrides(values['max.connections.per.ip.overrides']).overrides) {
    try {
      overrides.set(isIP(host) !== 0 ? host : (await lookup(host)).address, count)
    } catch (err) {
      log.warn('max.connections.per.ip.overrides names a host that does not resolve; its entry is left out', { host, error: (err as Error).message })
    }
  }
  return { maxConnectionsPerIp: values['max.connections.per.ip'], maxConnectionsPerIpOverrides: overrides, maxConnections: values['max.connections'], maxConnectionCreationRate: values['max.connection.creation.rate'] }
}
