/**
 * The records of __consumer_offsets in Kafka's formats (GroupMetadataManager; OffsetCommitKey.json, GroupMetadataValue.json ...), so tools that read the topic
 * (Burrow, kafka-console-consumer's OffsetsMessageFormatter) understand ours: offset commits
 * (key v1, value v3, or v1 when the commit carried an explicit retention) and group metadata
 * (key v2, value v3). A null value is a tombstone.
 */
import { decodeVersioned, encodeVersioned } from '../protocol/codec.js'
import { GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue } from '../protocol/messages/consumer-offsets-records.js'
import { Reader } from '../protocol/primitives/reader.js'
import type { RecordInput } from '../protocol/records/record.js'
import { newGroup, type Group } from './group.js'
import { earliestSessionExpiryMs, EMPTY_BYTES, metadataFor, type Member } from './member.js'

export interface CommittedOffset {
  offset: number
  /** -1 when the client did not say. */
  leaderEpoch: number
  metadata: string
  commitTimestampMs: number
  /** Only from OffsetCommit v2-v4 with an explicit retention_time_ms (value v1). */
  expireTimestampMs: number | null
}

export type CoordinatorRecord =
  | { type: 'offset', group: string, topic: string, partition: number, value: CommittedOffset | null }
  | { type: 'group', group: string, value: GroupMetadataValue | null }
  | { type: 'unknown', keyVersion: number }

export function offsetCommitRecord (group: string, topic: string, partition: number, value: CommittedOffset | null): RecordInput {
  const key = encodeVersioned(OffsetCommitKey, 1, { group, topic, partition })
  if (value === null) return { key, value: null }
  const version = value.expireTimestampMs === null ? 3 : 1
  return {
    key,
    value: encodeVersioned(OffsetCommitValue, version, {
      offset: value.offset,
      leaderEpoch: value.leaderEpoch,
      metadata: value.metadata,
      commitTimestamp: value.commitTimestampMs,
      expireTimestamp: value.expireTimestampMs ?? -1,
    }),
  }
}

/** The group as Kafka's GroupMetadataManager.groupMetadataValue writes it; `assignments` override the members' own. */
export function groupMetadataRecord (group: Group, assignments: ReadonlyMap<string, Buffer> | null): RecordInput {
  const key = encodeVersioned(GroupMetadataKey, 2, { group: group.groupId })
  return {
    key,
    value: encodeVersioned(GroupMetadataValue, 3, {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: group.currentStateTimestampMs ?? -1,
      members: [...group.members.values()].map(m => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: metadataFor(m, group.protocolName),
        assignment: assignments?.get(m.memberId) ?? m.assignment,
      })),
    }),
  }
}

export function groupTombstone (groupId: string): RecordInput {
  return { key: encodeVersioned(GroupMetadataKey, 2, { group: groupId }), value: null }
}

export function parseCoordinatorRecord (key: Buffer, value: Buffer | null): CoordinatorRecord {
  const keyVersion = key.readInt16BE(0)
  if (keyVersion === 0 || keyVersion === 1) {
    const k = decodeVersioned(OffsetCommitKey, new Reader(key)).value
    if (value === null) return { type: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: null }
    const { version, value: v } = decodeVersioned(OffsetCommitValue, new Reader(value))
    return {
      type: 'offset', group: k.group, topic: k.topic, partition: k.partition,
      value: { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestampMs: v.commitTimestamp, expireTimestampMs: version === 1 && v.expireTimestamp >= 0 ? v.expireTimestamp : null },
    }
  }
  if (keyVersion === 2) {
    const k = decodeVersioned(GroupMetadataKey, new Reader(key)).value
    return { type: 'group', group: k.group, value: value === null ? null : decodeVersioned(GroupMetadataValue, new Reader(value)).value }
  }
  return { type: 'unknown', keyVersion }
}

/**
 * A group as it was last written (Kafka's GroupMetadata.loadGroup): Empty without members, else
 * Stable with its members' subscriptions and assignments; sessions start over at `now`.
 */
export function groupFromRecord (groupId: string, v: GroupMetadataValue, now: number): Group {
  const members = new Map<string, Member>(v.members.map(m => [m.memberId, {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId ?? null,
    clientId: m.clientId,
    clientHost: m.clientHost,
    sessionTimeoutMs: m.sessionTimeout,
    rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
    protocolType: v.protocolType,
    protocols: v.protocol === null ? [] : [{ name: v.protocol, metadata: m.subscription ?? EMPTY_BYTES }],
    assignment: m.assignment ?? EMPTY_BYTES,
    awaitingJoin: null,
    awaitingSync: null,
    isNew: false,
    lastHeartbeatMs: now,
  }]))
  return {
    ...newGroup(groupId, now, v.protocolType === '' ? null : v.protocolType),
    state: members.size === 0 ? 'Empty' : 'Stable',
    protocolName: v.protocol,
    generationId: v.generation,
    leaderId: v.leader,
    members,
    sessionCheckMs: earliestSessionExpiryMs(members.values()),
    staticMembers: new Map([...members.values()].flatMap(m => m.groupInstanceId === null ? [] : [[m.groupInstanceId, m.memberId] as const])),
    currentStateTimestampMs: v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : null,
  }
}
