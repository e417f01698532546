/** The shapes of the documents the gateway sends (src/dashboard/documents.ts; docs/dashboard.md). */
export interface Rates { messagesIn: number, bytesIn: number, bytesOut: number }

export interface BrokerDoc {
  id: number
  host?: string
  port?: number
  rack?: string
  live: boolean
  leaders: number
  replicas: number
  underReplicated: number
  metrics?: { url: string, error?: string, rates?: Rates, maxLag?: number, connections?: number, latency?: Record<string, { p50: number, p99: number }> }
  logDirs?: Record<string, { logDir: string, error?: string, size: number, replicas: number, usableBytes?: number, totalBytes?: number }>
}

export interface ClusterDoc {
  clusterId?: string
  controller: { id: number, epoch?: number }
  brokers: Record<string, BrokerDoc>
  zookeeper?: { servers: Record<string, { mode: string, version?: string, zxid?: string, nodeCount?: number, latencyAvgMs?: number, error?: string }> }
  topics: { count: number, internal: number }
  partitions: { total: number, underReplicated: number, offline: number }
  rates?: Rates
  ratesAtMs?: number
  readOnly: boolean
  metadataError?: string
}

export interface TopicRow { name: string, internal: boolean, partitions: number, replicationFactor: number, size?: number, underReplicated: number, offline: number, rates?: Rates, groupCount: number, groups: Array<{ groupId: string, lag: number }> }
export type TopicSort = 'name' | 'messagesIn' | 'bytesIn' | 'bytesOut'
export interface TopicsDoc { search: string, sort: TopicSort, offset: number, limit: number, total: number, topics: TopicRow[] }

export interface PartitionDoc {
  partition: number
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas?: number[]
  underReplicated: boolean
  offline: boolean
  logStartOffset?: number
  highWatermark?: number
  logEndOffset?: number
  size?: number
  messagesInPerSec?: number
}
export interface TopicDoc { name: string, exists: boolean, topicId?: string, internal?: boolean, partitions?: Record<string, PartitionDoc>, rates?: Rates, ratesAtMs?: number }

export interface GroupRow { groupId: string, state?: string, protocolType?: string, protocol?: string, members: number, partitions: number, lag: number, status: 'OK' | 'WARN' | 'ERR' }
export interface GroupsDoc { search: string, offset: number, limit: number, total: number, groups: GroupRow[] }
export interface GroupPartition {
  topic: string
  partition: number
  committedOffset: number
  logEndOffset?: number
  lag?: number
  lagMs?: number
  lastCommitMs: number
  owner?: string
  status: 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND'
}
export interface GroupDoc {
  groupId: string
  exists: boolean
  state?: string
  protocolType?: string
  protocol?: string
  generation?: number
  members?: Record<string, { memberId: string, clientId: string, clientHost: string, assignment: string[] }>
  partitions?: Record<string, GroupPartition>
  lag?: number
  status?: 'OK' | 'WARN' | 'ERR'
  lagHistory?: { startMs: number, stepMs: number, values: Array<number | null> }
}
export interface TimelineEvent { seq: number, atMs: number, kind: string, detail: Record<string, unknown> }
export interface TimelineDoc { events: Record<string, TimelineEvent> }
