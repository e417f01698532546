/**
 * A private, editable copy of a group that one application of the rules (group-rules.ts) works
 * on, with the effects it collects: the caller's Group is never mutated. The draft knows the
 * group's bookkeeping (state transitions asserted as Kafka's GroupMetadata.transitionTo does,
 * member edits, replies, log lines) and no rule of the protocol; the rules hold a draft, they do
 * not extend it.
 */
import { assertTransition, type GroupState } from './group-state.js'
import type { ErrorResult, Group, GroupConfig, GroupEffect, JoinResult, LeaveResult, SyncResult, Transition } from './group.js'
import type { Member } from './member.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export type MutableGroup = Mutable<Group> & {
  members: Map<string, Member>
  pendingMembers: Map<string, number>
  staticMembers: Map<string, string>
  pendingSyncMembers: Set<string>
}

export class GroupDraft {
  readonly g: MutableGroup
  private readonly effects: GroupEffect[] = []

  constructor (group: Group, readonly now: number, readonly config: GroupConfig) {
    this.g = copyOf(group)
  }

  /** The new group and what to carry out for it. */
  transition (): Transition {
    return { group: this.g, effects: this.effects }
  }

  transitionTo (to: GroupState): void {
    assertTransition(this.g.groupId, this.g.state, to)
    this.g.state = to
    this.g.currentStateTimestampMs = this.now
  }

  /** A member the caller knows is in the group (it checked, or it is iterating the members). */
  member (memberId: string): Member {
    const m = this.g.members.get(memberId)
    if (m === undefined) throw new Error(`group ${this.g.groupId} has no member ${memberId}`)
    return m
  }

  update (memberId: string, changes: Partial<Member>): Member {
    const updated = { ...this.member(memberId), ...changes }
    this.g.members.set(memberId, updated)
    return updated
  }

  /** Drops the member and every trace of it; a leader that leaves passes the lead to the oldest member. */
  removeMember (memberId: string): void {
    const g = this.g
    const m = g.members.get(memberId)
    if (m === undefined) return
    g.members.delete(memberId)
    if (m.groupInstanceId !== null) g.staticMembers.delete(m.groupInstanceId)
    g.pendingSyncMembers.delete(memberId)
    if (g.leaderId === memberId) g.leaderId = g.members.keys().next().value ?? null
  }

  /** Writes the group's record; with assignments, the caller reports back with a 'groupStored' event. */
  storeGroup (assignments: ReadonlyMap<string, Buffer> | null): void {
    // A copy that later edits of this draft cannot reach: the write happens after the draft is done.
    this.effects.push({ type: 'storeGroup', group: copyOf(this.g), assignments })
  }

  replyJoin (token: number, result: JoinResult): void {
    this.effects.push({ type: 'respond', to: 'join', token, result })
  }

  replySync (token: number, result: SyncResult): void {
    this.effects.push({ type: 'respond', to: 'sync', token, result })
  }

  replyLeave (token: number, result: LeaveResult): void {
    this.effects.push({ type: 'respond', to: 'leave', token, result })
  }

  replyError (to: 'heartbeat' | 'commitOffsets' | 'delete', token: number, errorCode: number): void {
    const result: ErrorResult = { errorCode }
    this.effects.push({ type: 'respond', to, token, result })
  }

  log (message: string, fields: Record<string, unknown>): void {
    this.effects.push({ type: 'log', message, fields: { groupId: this.g.groupId, ...fields } })
  }
}

function copyOf (group: Group): MutableGroup {
  return {
    ...group,
    members: new Map(group.members),
    pendingMembers: new Map(group.pendingMembers),
    staticMembers: new Map(group.staticMembers),
    pendingSyncMembers: new Set(group.pendingSyncMembers),
  }
}
