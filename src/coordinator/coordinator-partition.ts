/**
 * One __consumer_offsets partition this broker leads (Kafka's GroupMetadataManager, per
 * partition): loads the partition into groups and offsets before serving them, runs each group's
 * state machine and carries out its effects (replies to parked requests, records written with
 * acks=-1, one timer per group at its next deadline), and expires offsets of groups left empty.
 * Offsets committed in a transaction (TxnOffsetCommit) are held per producer until the
 * transaction's marker reaches this partition: a commit makes them the group's, an abort drops
 * them (Kafka's pendingTransactionalOffsetCommits).
 */
import type { Logger } from '../logger.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { readEndTransactionMarker } from '../protocol/records/end-transaction-marker.js'
import type { ConsumerRecord, RecordInput } from '../protocol/records/record.js'
import type { GroupMetadataValue } from '../protocol/messages/consumer-offsets-records.js'
import type { Partition } from '../replication/partition.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { Scheduler } from '../scheduler.js'
import { appendCoordinatorRecords, replayCoordinatorLog, storeErrorFor, type TransactionalWrite } from './coordinator-log.js'
import type { ShardStatus } from './coordinator-shards.js'
import { groupFromRecord, groupMetadataRecord, groupTombstone, offsetCommitRecord, parseCoordinatorRecord, type CommittedOffset, type CoordinatorRecord } from './coordinator-record.js'
import { newGroup, type Group, type GroupConfig, type GroupEffect, type GroupEvent, type GroupReplies, type GroupReply, type GroupRequest, type GroupRequestType } from './group.js'
import { applyGroupEvent, nextDeadlineMs } from './group-rules.js'
import { expiredOffsets, OffsetsStore, type TopicPartition } from './offsets-store.js'

export interface CoordinatorConfig {
  group: GroupConfig
  /** offsets.retention.minutes, in ms. */
  offsetsRetentionMs: number
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number
  /** offsets.commit.timeout.ms: how long a write waits for the ISR. */
  commitTimeoutMs: number
}

export interface CoordinatorDeps {
  replicas: Pick<ReplicaManager, 'waitForData'>
  scheduler: Scheduler
  config: CoordinatorConfig
  log: Logger
  stats: GroupCoordinatorStats
}

/** Counts over every partition the coordinator ever served (they outlive an unload), for its metrics. */
export interface GroupCoordinatorStats {
  /** Rebalances that reached Stable (Kafka's CompletedRebalances sensor). */
  completedRebalances: number
}

/** The requests parked until their reply, one map per kind of request, so that each reply keeps its type. */
type Waiting = { [K in GroupRequestType]: Map<number, (result: GroupReplies[K]) => void> }
export interface OffsetWrite { topic: string, partition: number, value: CommittedOffset | null }
/** A transactional offset commit waiting for its marker: where its record is, so the log order decides. */
interface PendingOffset extends OffsetWrite { group: string, recordOffset: number }

export class CoordinatorPartition {
  status: ShardStatus = 'loading'
  readonly groups = new Map<string, Group>()
  readonly offsets = new OffsetsStore()
  /** Transactional offset commits by producer id, until their transaction's marker. */
  private readonly pendingTxnOffsets = new Map<number, PendingOffset[]>()
  /** Each group's timer: when it fires (the group's nextDeadlineMs when it was set) and how to cancel it. */
  private readonly timers = new Map<string, { atMs: number, cancel: () => void }>()
  private readonly waiting: Waiting = { join: new Map(), sync: new Map(), heartbeat: new Map(), leave: new Map(), commitOffsets: new Map(), delete: new Map() }
  private nextToken = 1
  private cancelExpiry?: () => void
  private readonly log: Logger

  /** The leader epoch this broker became leader in: a new epoch means a new load. */
  readonly loadedEpoch: number

  constructor (readonly partition: Partition, private readonly deps: CoordinatorDeps) {
    this.log = deps.log.child({ topicPartition: `${partition.topic}-${partition.partition}` })
    this.loadedEpoch = partition.leaderEpoch
  }

  /** Replays the partition from its log start: last record per key wins, tombstones delete. */
  async load (): Promise<void> {
    const started = this.deps.scheduler.now()
    const end = this.partition.log.logEndOffset
    const groupValues = new Map<string, GroupMetadataValue | null>()
    const records = await replayCoordinatorLog(this.partition, () => this.status === 'loading', (batch, decoded) => {
      if (batch.isControl) {
        const marker = readEndTransactionMarker(batch)
        if (marker !== null) this.completeTxn(batch.producerId, marker.commit)
        return
      }
      for (const r of decoded) {
        const rec = this.parseOrSkip(r)
        if (rec === undefined) continue
        if (rec.type === 'offset' && batch.isTransactional) this.addPendingOffset(batch.producerId, { ...rec, recordOffset: r.offset })
        else if (rec.type === 'offset') this.offsets.apply(rec.group, rec.topic, rec.partition, rec.value, r.offset)
        else if (rec.type === 'group') groupValues.set(rec.group, rec.value)
      }
    }, this.log)
    if (this.status !== 'loading') return
    const now = this.deps.scheduler.now()
    for (const [groupId, value] of groupValues) if (value !== null) this.groups.set(groupId, groupFromRecord(groupId, value, now))
    for (const groupId of this.offsets.groupIds()) {
      if (!this.groups.has(groupId)) this.groups.set(groupId, { ...newGroup(groupId, now), currentStateTimestampMs: null })
    }
    this.status = 'active'
    for (const groupId of [...this.groups.keys()]) this.apply(groupId, { type: 'load' })
    this.scheduleExpiry()
    this.log.info('loaded offsets partition', { groups: this.groups.size, records, logEndOffset: end, durationMs: now - started })
  }

  /** This broker no longer leads the partition: every group goes Dead, parked requests get NOT_COORDINATOR. */
  unload (): void {
    const wasLoading = this.status === 'loading'
    this.status = 'unloaded'
    this.cancelExpiry?.()
    for (const groupId of [...this.groups.keys()]) this.apply(groupId, { type: 'unload' })
    for (const timer of this.timers.values()) timer.cancel()
    this.timers.clear()
    this.groups.clear()
    if (!wasLoading) this.log.info('unloaded offsets partition', {})
  }

  /** Applies a request event to the group; resolves with its reply, now or when the parked request is answered. */
  async request<K extends GroupRequestType> (groupId: string, type: K, event: (token: number) => GroupRequest<K>): Promise<GroupReplies[K]> {
    const token = this.nextToken++
    const reply = new Promise<GroupReplies[K]>(resolve => this.waiting[type].set(token, resolve))
    this.apply(groupId, event(token))
    return await reply
  }

  getOrCreateGroup (groupId: string, protocolType: string | null = null): Group {
    let group = this.groups.get(groupId)
    if (group === undefined) this.groups.set(groupId, group = newGroup(groupId, this.deps.scheduler.now(), protocolType))
    return group
  }

  /** Appends records with acks=-1 and waits for the ISR; answers with a coordinator error code. */
  async write (records: RecordInput[], errorFor: (code: number) => number = storeErrorFor, txn?: TransactionalWrite): Promise<{ errorCode: number, baseOffset: number }> {
    if (this.status !== 'active') return { errorCode: ErrorCode.NOT_COORDINATOR, baseOffset: -1 }
    const { replicas, scheduler, config } = this.deps
    return await appendCoordinatorRecords(this.partition, { replicas, scheduler, writeTimeoutMs: config.commitTimeoutMs }, records, errorFor, txn)
  }

  /**
   * Writes offset commits (or tombstones) in one batch and applies them once they are replicated;
   * in a transaction (TxnOffsetCommit) they wait for its marker instead.
   */
  async writeOffsets (groupId: string, writes: readonly OffsetWrite[], txn?: TransactionalWrite): Promise<number> {
    if (writes.length === 0) return ErrorCode.NONE
    const { errorCode, baseOffset } = await this.write(writes.map(w => offsetCommitRecord(groupId, w.topic, w.partition, w.value)), commitErrorFor, txn)
    if (errorCode !== ErrorCode.NONE || this.status !== 'active') return errorCode === ErrorCode.NONE ? ErrorCode.NOT_COORDINATOR : errorCode
    writes.forEach((w, i) => {
      if (txn === undefined) this.offsets.apply(groupId, w.topic, w.partition, w.value, baseOffset + i)
      else this.addPendingOffset(txn.producerId, { ...w, group: groupId, recordOffset: baseOffset + i })
    })
    return ErrorCode.NONE
  }

  /** A transaction marker for `producerId` reached this partition: its pending offsets become the groups' (commit) or go (abort). */
  completeTxn (producerId: number, commit: boolean): void {
    const pending = this.pendingTxnOffsets.get(producerId)
    this.pendingTxnOffsets.delete(producerId)
    if (pending === undefined || !commit) return
    for (const p of pending) this.offsets.apply(p.group, p.topic, p.partition, p.value, p.recordOffset)
  }

  /**
   * Whether an open transaction holds an offset of this group and partition (Kafka's
   * hasPendingOffsetCommitsForTopicPartition): OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT.
   */
  hasPendingOffset (groupId: string, topic: string, partition: number): boolean {
    for (const pending of this.pendingTxnOffsets.values()) if (pending.some(p => p.group === groupId && p.topic === topic && p.partition === partition)) return true
    return false
  }

  private addPendingOffset (producerId: number, offset: PendingOffset): void {
    const pending = this.pendingTxnOffsets.get(producerId)
    if (pending === undefined) this.pendingTxnOffsets.set(producerId, [offset])
    else pending.push(offset)
  }

  /** Removes a Dead group's traces: its offsets and its record (tombstones). */
  async removeGroup (groupId: string): Promise<number> {
    const offsets = this.offsets.offsetsOf(groupId)
    this.offsets.removeGroup(groupId)
    const records = [groupTombstone(groupId), ...offsets.map(o => offsetCommitRecord(groupId, o.topic, o.partition, null))]
    return (await this.write(records)).errorCode
  }

  /** Offset expiry (offsets.retention.minutes); an Empty group left without offsets is removed. */
  async expireOffsets (): Promise<void> {
    if (this.status !== 'active') return
    const now = this.deps.scheduler.now()
    let expired = 0
    for (const groupId of [...new Set([...this.groups.keys(), ...this.offsets.groupIds()])]) {
      const gone: TopicPartition[] = expiredOffsets(this.groups.get(groupId), this.offsets.offsetsOf(groupId), now, this.deps.config.offsetsRetentionMs)
      if (gone.length > 0) {
        expired += gone.length
        await this.writeOffsets(groupId, gone.map(tp => ({ ...tp, value: null })))
      }
      const group = this.groups.get(groupId)
      if (group?.state === 'Empty' && !this.offsets.hasOffsets(groupId)) {
        this.apply(groupId, { type: 'expire' })
        await this.write([groupTombstone(groupId)])
      }
    }
    if (expired > 0) this.log.info('removed expired offsets', { offsets: expired })
  }

  apply (groupId: string, event: GroupEvent): void {
    const group = this.groups.get(groupId)
    if (group === undefined) return
    const { group: next, effects } = applyGroupEvent(group, event, this.deps.scheduler.now(), this.deps.config.group)
    if (next.lastRebalance !== group.lastRebalance) this.deps.stats.completedRebalances++
    if (next.state === 'Dead') {
      this.groups.delete(groupId)
      this.timers.get(groupId)?.cancel()
      this.timers.delete(groupId)
    } else {
      this.groups.set(groupId, next)
      // a tick has already taken its timer away: it always schedules the next one
      if (this.timers.get(groupId)?.atMs !== nextDeadlineMs(next)) this.reschedule(groupId)
    }
    for (const effect of effects) this.carryOut(groupId, effect)
  }

  private carryOut (groupId: string, effect: GroupEffect): void {
    switch (effect.type) {
      case 'respond':
        this.settle(effect)
        return
      case 'log':
        this.log.info(effect.message, effect.fields)
        return
      case 'storeGroup': {
        const { group, assignments } = effect
        void this.write([groupMetadataRecord(group, assignments)]).then(({ errorCode }) => {
          if (errorCode !== ErrorCode.NONE) this.log.warn('could not store group metadata', { groupId, generationId: group.generationId, errorCode })
          if (assignments !== null) this.apply(groupId, { type: 'groupStored', generationId: group.generationId, assignments, errorCode })
        })
      }
    }
  }

  private settle<K extends GroupRequestType> (reply: GroupReply<K>): void {
    const waiting = this.waiting[reply.to]
    const resolve = waiting.get(reply.token)
    waiting.delete(reply.token)
    resolve?.(reply.result)
  }

  private reschedule (groupId: string): void {
    this.timers.get(groupId)?.cancel()
    this.timers.delete(groupId)
    const group = this.groups.get(groupId)
    const atMs = group === undefined ? null : nextDeadlineMs(group)
    if (atMs === null || this.status !== 'active') return
    const { scheduler } = this.deps
    const cancel = scheduler.schedule(() => {
      this.timers.delete(groupId)
      this.apply(groupId, { type: 'tick' })
    }, atMs - scheduler.now())
    this.timers.set(groupId, { atMs, cancel })
  }

  private scheduleExpiry (): void {
    const { scheduler, config } = this.deps
    this.cancelExpiry = scheduler.schedule(() => {
      void this.expireOffsets().catch((err: unknown) => this.log.error('offset expiry failed', { error: (err as Error).stack }))
        .finally(() => { if (this.status === 'active') this.scheduleExpiry() })
    }, config.offsetsRetentionCheckIntervalMs)
  }

  /**
   * A record the load cannot decode is logged and skipped, as Kafka's GroupMetadataManager
   * skips keys of unknown versions: giving up instead would leave every group of the partition
   * without a coordinator (COORDINATOR_LOAD_IN_PROGRESS for good), over one bad record.
   */
  private parseOrSkip (r: ConsumerRecord): CoordinatorRecord | undefined {
    let error = 'null key'
    if (r.key !== null) {
      try {
        return parseCoordinatorRecord(r.key, r.value)
      } catch (err) {
        error = (err as Error).message
      }
    }
    this.log.warn('skipped undecodable record', { offset: r.offset, error })
    return undefined
  }
}

/** Kafka's storeOffsets mapping: as storeGroup, but an oversized batch is the client's fault. */
export function commitErrorFor (code: number): number {
  if (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE || code === ErrorCode.INVALID_FETCH_SIZE) return ErrorCode.INVALID_COMMIT_OFFSET_SIZE
  // Kafka's maybeConvertOffsetCommitError: what a transactional commit's verification answers goes back as it is
  if (code === ErrorCode.INVALID_TXN_STATE || code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING) return code
  return storeErrorFor(code)
}
