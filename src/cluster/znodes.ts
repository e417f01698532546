/**
 * Kafka's ZooKeeper layout (ZooKeeper mode, as Kafka 3.9's ZkData writes it): one object per path
 * with its path and JSON, so Kafka tools and know-how carry over.
 */
import type { Endpoint } from '../config/listeners.js'

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))
const parse = <T>(data: Buffer): T => JSON.parse(data.toString('utf8')) as T

/** Persistent paths a Kafka broker creates at start-up. */
export const persistentPaths = [
  '/consumers', '/brokers/ids', '/brokers/topics', '/brokers/seqid', '/config/changes', '/config/topics',
  '/config/brokers', '/admin/delete_topics', '/isr_change_notification', '/cluster',
] as const

export const clusterIdZnode = {
  path: '/cluster/id',
  encode: (id: string): Buffer => json({ version: '1', id }),
  decode: (data: Buffer): string => parse<{ id: string }>(data).id,
}

export interface BrokerInfo {
  id: number
  endpoints: Endpoint[]
  rack: string | null
  /** The czxid of the broker's znode: tells a restarted broker from its previous incarnation. */
  epoch: bigint
}

export const brokerIdsZnode = { path: '/brokers/ids' }

export const brokerIdZnode = {
  path: (id: number): string => `/brokers/ids/${id}`,
  encode (endpoints: readonly Endpoint[], rack: string | null, timestampMs: number): Buffer {
    // host/port are the PLAINTEXT endpoint, kept for pre-0.10 clients; version 5 adds features.
    const plaintext = endpoints.find(e => e.securityProtocol === 'PLAINTEXT')
    return json({
      features: {},
      listener_security_protocol_map: Object.fromEntries(endpoints.map(e => [e.listenerName, e.securityProtocol])),
      endpoints: endpoints.map(e => `${e.listenerName}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`),
      rack,
      jmx_port: -1,
      port: plaintext?.port ?? -1,
      host: plaintext?.host ?? null,
      version: 5,
      timestamp: String(timestampMs),
    })
  },
  decode (id: number, data: Buffer, epoch: bigint): BrokerInfo {
    const j = parse<{ endpoints: string[], listener_security_protocol_map?: Record<string, string>, rack?: string | null }>(data)
    const endpoints = j.endpoints.map(e => {
      const m = /^([^:]+):\/\/\[?([^\]]*?)\]?:(\d+)$/.exec(e)
      const listenerName = m?.[1] ?? 'PLAINTEXT'
      return { listenerName, securityProtocol: j.listener_security_protocol_map?.[listenerName] ?? listenerName, host: m?.[2] ?? '', port: Number(m?.[3]) }
    })
    return { id, endpoints, rack: j.rack ?? null, epoch }
  },
}

export const brokerSequenceIdZnode = { path: '/brokers/seqid' }

export const controllerZnode = {
  path: '/controller',
  encode: (brokerId: number, timestampMs: number): Buffer => json({ version: 1, brokerid: brokerId, timestamp: String(timestampMs) }),
  decode: (data: Buffer): number => parse<{ brokerid: number }>(data).brokerid,
}

export const controllerEpochZnode = {
  path: '/controller_epoch',
  encode: (epoch: number): Buffer => Buffer.from(String(epoch)),
  decode: (data: Buffer): number => Number(data.toString('utf8')),
}
