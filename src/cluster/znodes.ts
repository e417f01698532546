/**
 * Kafka's ZooKeeper layout (ZooKeeper mode, as Kafka 3.9's ZkData writes it): one object per path
 * with its path and JSON, so Kafka tools and know-how carry over.
 */
import type { Endpoint } from '../config/listeners.js'

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))
const parse = <T>(data: Buffer): T => JSON.parse(data.toString('utf8')) as T

/** Persistent paths a Kafka broker creates at start-up, and our /offline_replicas. */
export const persistentPaths = [
  '/consumers', '/brokers/ids', '/brokers/topics', '/brokers/seqid', '/config/changes', '/config/topics',
  '/config/brokers', '/config/users', '/config/clients', '/admin/delete_topics', '/isr_change_notification', '/log_dir_event_notification', '/cluster',
  '/offline_replicas', '/latest_producer_id_block',
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

/**
 * Replica assignment per partition; Kafka 2.8+ writes version 3 with the topic id. While a
 * partition is reassigned (KIP-455), `partitions` holds the full replica set (target, then the
 * original replicas leaving) and `addingReplicas` / `removingReplicas` what is joining and leaving;
 * only partitions being reassigned have entries there.
 */
export interface TopicAssignment {
  topicId: string
  partitions: Map<number, number[]>
  addingReplicas?: Map<number, number[]>
  removingReplicas?: Map<number, number[]>
}

export const topicsZnode = { path: '/brokers/topics' }

export const topicZnode = {
  path: (topic: string): string => `/brokers/topics/${topic}`,
  encode: (a: TopicAssignment): Buffer => json({
    version: 3,
    partitions: byPartition(a.partitions),
    adding_replicas: byPartition(a.addingReplicas),
    removing_replicas: byPartition(a.removingReplicas),
    topic_id: a.topicId,
  }),
  decode (data: Buffer): TopicAssignment {
    const j = parse<{ partitions: Record<string, number[]>, adding_replicas?: Record<string, number[]>, removing_replicas?: Record<string, number[]>, topic_id?: string }>(data)
    // A topic written by an old Kafka has no id; all zeroes is Kafka's "none".
    return {
      topicId: j.topic_id ?? 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: partitionMap(j.partitions),
      addingReplicas: partitionMap(j.adding_replicas ?? {}),
      removingReplicas: partitionMap(j.removing_replicas ?? {}),
    }
  },
}

/** Partition → replicas as Kafka's JSON holds it: string keys in partition order, empty lists left out. */
function byPartition (m: ReadonlyMap<number, number[]> | undefined): Record<string, number[]> {
  return Object.fromEntries([...(m ?? [])].filter(([, r]) => r.length > 0).sort((x, y) => x[0] - y[0]).map(([p, r]) => [String(p), r]))
}

function partitionMap (o: Record<string, number[]>): Map<number, number[]> {
  return new Map(Object.entries(o).map(([p, r]) => [Number(p), r]))
}

/**
 * A reassignment asked for by writing ZooKeeper (Kafka's ReassignPartitionsZNode, which tools from
 * before KIP-455 still write): the controller starts each partition's move and takes the partition
 * out of the znode when it completes, deleting the znode once it is empty.
 */
export interface ReassignmentTarget { topic: string, partition: number, replicas: number[] }

export const reassignPartitionsZnode = {
  path: '/admin/reassign_partitions',
  encode: (partitions: readonly ReassignmentTarget[]): Buffer => json({ version: 1, partitions: partitions.map(p => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })) }),
  decode (data: Buffer): ReassignmentTarget[] {
    const j = parse<{ partitions?: unknown }>(data)
    if (!Array.isArray(j.partitions)) throw new Error('/admin/reassign_partitions has no "partitions" array')
    return j.partitions.map((p: { topic?: unknown, partition?: unknown, replicas?: unknown }) => {
      if (typeof p.topic !== 'string' || !Number.isSafeInteger(p.partition) || !Array.isArray(p.replicas) || !p.replicas.every(r => Number.isSafeInteger(r))) {
        throw new Error(`/admin/reassign_partitions has an invalid entry: ${JSON.stringify(p)}`)
      }
      return { topic: p.topic, partition: p.partition as number, replicas: p.replicas as number[] }
    })
  },
}

export interface PartitionState { leader: number, leaderEpoch: number, isr: number[], controllerEpoch: number }

export const partitionStateZnode = {
  partitionsPath: (topic: string): string => `/brokers/topics/${topic}/partitions`,
  partitionPath: (topic: string, partition: number): string => `/brokers/topics/${topic}/partitions/${partition}`,
  path: (topic: string, partition: number): string => `/brokers/topics/${topic}/partitions/${partition}/state`,
  encode: (s: PartitionState): Buffer => json({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr }),
  decode (data: Buffer): PartitionState {
    const j = parse<{ controller_epoch: number, leader: number, leader_epoch: number, isr: number[] }>(data)
    return { leader: j.leader, leaderEpoch: j.leader_epoch, isr: j.isr, controllerEpoch: j.controller_epoch }
  },
}

/**
 * Per-topic (and per-broker: /config/brokers/<id|<default>>) overrides with Kafka's names; a
 * user's SCRAM credentials at /config/users/<sanitized user> ({"SCRAM-SHA-256": "salt=...,..."}).
 */
export const entityConfigZnode = {
  path: (entityType: ConfigEntityType, name: string): string => `/config/${entityType}/${name}`,
  encode: (config: Record<string, string>): Buffer => json({ version: 1, config }),
  decode: (data: Buffer): Record<string, string> => parse<{ config?: Record<string, string> }>(data).config ?? {},
}

export type ConfigEntityType = 'topics' | 'brokers' | 'users' | 'clients'

/** A sequential notification that an entity's config changed (brokers watch /config/changes). */
export const configChangeZnode = {
  rootPath: '/config/changes',
  path: '/config/changes/config_change_',
  encode: (entityPath: string): Buffer => json({ version: 2, entity_path: entityPath }),
  decode: (data: Buffer): string => parse<{ entity_path: string }>(data).entity_path,
}

export const deleteTopicZnode = {
  rootPath: '/admin/delete_topics',
  path: (topic: string): string => `/admin/delete_topics/${topic}`,
}

export const isrChangeNotificationZnode = {
  rootPath: '/isr_change_notification',
  path: '/isr_change_notification/isr_change_',
  encode: (partitions: Array<{ topic: string, partition: number }>): Buffer => json({ version: 1, partitions }),
  decode: (data: Buffer): Array<{ topic: string, partition: number }> => parse<{ partitions: Array<{ topic: string, partition: number }> }>(data).partitions,
}

/**
 * A broker whose log dir failed tells the controller (Kafka's LogDirEventNotificationZNode): a
 * sequential `log_dir_event_<seq>` with event 1 (LogDirFailure); the controller deletes it once handled.
 */
export const logDirEventNotificationZnode = {
  rootPath: '/log_dir_event_notification',
  path: '/log_dir_event_notification/log_dir_event_',
  encode: (brokerId: number): Buffer => json({ version: 1, broker: brokerId, event: 1 }),
  decode: (data: Buffer): number => parse<{ broker: number }>(data).broker,
}

export interface OfflineReplicas { brokerId: number, logDirs: string[], partitions: Array<{ topic: string, partition: number }> }

/**
 * Ours, not Kafka's: the replicas a broker holds in failed log dirs, which Kafka's controller learns
 * from LeaderAndIsr responses and we have no channel for. The broker writes it before each log dir
 * event notification and deletes it at start-up when every log dir is back; the controller reads
 * it on a notification, every broker's metadata cache for Metadata's offlineReplicas.
 */
export const offlineReplicasZnode = {
  rootPath: '/offline_replicas',
  path: (brokerId: number): string => `/offline_replicas/${brokerId}`,
  encode: (r: OfflineReplicas): Buffer => json({ version: 1, broker: r.brokerId, log_dirs: r.logDirs, partitions: r.partitions }),
  decode (data: Buffer): OfflineReplicas {
    const j = parse<{ broker: number, log_dirs: string[], partitions: Array<{ topic: string, partition: number }> }>(data)
    return { brokerId: j.broker, logDirs: j.log_dirs, partitions: j.partitions }
  },
}

/** The ids [blockStart, blockEnd] one broker reserved for InitProducerId. */
export interface ProducerIdsBlock { brokerId: number, blockStart: number, blockEnd: number }

/**
 * The last producer id block handed out (Kafka's ProducerIdBlockZNode): brokers take the next one
 * with a write conditional on the version they read. Ids are strings in the JSON, as Kafka writes
 * longs there; created empty at start-up, so the first block starts at 0.
 */
export const producerIdBlockZnode = {
  path: '/latest_producer_id_block',
  encode: (b: ProducerIdsBlock): Buffer => json({ version: 1, broker: b.brokerId, block_start: String(b.blockStart), block_end: String(b.blockEnd) }),
  decode (data: Buffer): ProducerIdsBlock | null {
    if (data.length === 0) return null
    const j = parse<{ broker: number, block_start: string, block_end: string }>(data)
    return { brokerId: j.broker, blockStart: Number(j.block_start), blockEnd: Number(j.block_end) }
  },
}

/**
 * Kafka's Sanitizer: a user name as a znode name (URL-encoded, with Java's URLEncoder's safe
 * characters: letters, digits, '.', '-', '_'), so "CN=alice,O=x" is one path segment.
 */
export function sanitizeEntityName (name: string): string {
  const encoded = encodeURIComponent(name).replace(/[!'()*~]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  // "." and ".." are no znode names (Kafka's Sanitizer leaves them, and ZooKeeper refuses the path)
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded
}

export function desanitizeEntityName (name: string): string {
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/**
 * ACLs (Kafka's ZkAclStore and ResourceZNode): LITERAL ones at /kafka-acl/<ResourceType>/<name>,
 * PREFIXED ones at /kafka-acl-extended/prefixed/<ResourceType>/<name>, each znode the set of
 * entries for that resource pattern, `{"version":1,"acls":[{"principal":"User:alice",
 * "permissionType":"Allow","operation":"Read","host":"*"}]}` (names in SecurityUtils' CamelCase).
 */
export const aclZnode = {
  literalRoot: '/kafka-acl',
  prefixedRoot: '/kafka-acl-extended/prefixed',
  root: (prefixed: boolean): string => prefixed ? aclZnode.prefixedRoot : aclZnode.literalRoot,
  path: (prefixed: boolean, resourceType: string, name: string): string => `${aclZnode.root(prefixed)}/${resourceType}/${name}`,
  encode: (acls: ReadonlyArray<{ principal: string, permissionType: string, operation: string, host: string }>): Buffer =>
    json({ version: 1, acls: acls.map(a => ({ principal: a.principal, permissionType: a.permissionType, operation: a.operation, host: a.host })) }),
  decode: (data: Buffer): Array<{ principal: string, permissionType: string, operation: string, host: string }> =>
    parse<{ acls?: Array<{ principal: string, permissionType: string, operation: string, host: string }> }>(data).acls ?? [],
}

/**
 * ACL change notifications (Kafka's LiteralAclChangeStore and ExtendedAclChangeStore), one
 * sequential `acl_changes_<seq>` per changed resource: under /kafka-acl-changes the legacy
 * "TOPIC:name" text for a LITERAL pattern, under /kafka-acl-extended-changes
 * `{"version":1,"resourceType":"TOPIC","name":"...","patternType":"PREFIXED"}`.
 */
export const aclChangeZnode = {
  literalRoot: '/kafka-acl-changes',
  extendedRoot: '/kafka-acl-extended-changes',
  prefix: 'acl_changes_',
  encodeLiteral: (resourceType: string, name: string): Buffer => Buffer.from(`${resourceType}:${name}`),
  decodeLiteral: (data: Buffer): { resourceType: string, name: string } => {
    const text = data.toString('utf8')
    const colon = text.indexOf(':')
    if (colon < 0) throw new Error(`expected a string in format ResourceType:ResourceName but got ${text}`)
    return { resourceType: text.slice(0, colon), name: text.slice(colon + 1) }
  },
  encodeExtended: (resourceType: string, name: string, patternType: string): Buffer => json({ version: 1, resourceType, name, patternType }),
  decodeExtended: (data: Buffer): { resourceType: string, name: string, patternType: string } => parse<{ resourceType: string, name: string, patternType: string }>(data),
}
