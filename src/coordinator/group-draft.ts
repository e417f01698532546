/**
 * A private, editable copy of a group that one application of the rules (group-rules.ts) works
 * on, with the effects it collects: the caller's Group is never mutated. The draft knows the
 * group's bookkeeping (state transitions asserted as Kafka's GroupMetadata.transitionTo does,
 * member edits and the session bound they keep, replies, log lines) and no rule of the protocol;
 * the rules hold a draft, they do not extend it.
 */
import { assertTransition, type GroupState } from './group-state.js'
import type { ErrorResult, Group, GroupConfig, GroupEffect, JoinResult, LeaveResult, SyncResult, Transition } from './group.js'
import { sessionExpiresAtMs, type Member } from './member.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * The group's fields, editable; its collections are read here and edited through GroupDraft.edit,
 * its members through setMember, replaceMember and removeMember (which keep sessionCheckMs).
 * pendingMembers is immutable itself: an edit assigns the set that `with` or `without` returns.
 */
export type MutableGroup = Mutable<Group>

/** The group's collections, and the editable type of each. */
interface Collections {
  members: Map<string, Member>
  staticMembers: Map<string, string>
  pendingSyncMembers: Set<string>
}

export class GroupDraft {
  readonly g: MutableGroup
  private readonly effects: GroupEffect[] = []
  /** The collections this draft has copied: edits go to the copy, the caller's group keeps the original. */
  private readonly copied = new Set<keyof Collections>()

  constructor (group: Group, readonly now: number, readonly config: GroupConfig) {
    this.g = { ...group }
  }

  /**
   * Collection `key` of the draft, to edit: copied at its first edit, so that an event that leaves
   * a collection alone costs nothing in its size. (The one collection a client can grow as fast as
   * it sends requests, pendingMembers, is not copied at all: see pending-members.ts.)
   */
  edit<K extends Exclude<keyof Collections, 'members'>> (key: K): Collections[K] {
    return this.copy(key)
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
    this.setMember(updated)
    return updated
  }

  /** Adds the member, or replaces the one with its id. */
  setMember (m: Member): void {
    this.copy('members').set(m.memberId, m)
    this.boundSession(m)
  }

  /** Puts `m` in the place of member `oldId` in the join order (a static member's new id, KIP-345). */
  replaceMember (oldId: string, m: Member): void {
    this.g.members = new Map([...this.g.members].map(([id, old]) => id === oldId ? [m.memberId, m] : [id, old]))
    this.copied.add('members')
    this.boundSession(m)
  }

  /** Drops the member and every trace of it; a leader that leaves passes the lead to the oldest member. */
  removeMember (memberId: string): void {
    const g = this.g
    const m = g.members.get(memberId)
    if (m === undefined) return
    this.copy('members').delete(memberId)
    if (m.groupInstanceId !== null) this.edit('staticMembers').delete(m.groupInstanceId)
    if (g.pendingSyncMembers.has(memberId)) this.edit('pendingSyncMembers').delete(memberId)
    if (g.leaderId === memberId) g.leaderId = g.members.keys().next().value ?? null
  }

  /** Writes the group's record; with assignments, the caller reports back with a 'groupStored' event. */
  storeGroup (assignments: ReadonlyMap<string, Buffer> | null): void {
    // A copy that later edits of this draft cannot reach (they copy each collection again): the
    // write happens after the draft is done.
    this.effects.push({ type: 'storeGroup', group: { ...this.g }, assignments })
    this.copied.clear()
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

  /** Collection `key`, copied at its first edit in this draft. */
  private copy<K extends keyof Collections> (key: K): Collections[K] {
    if (!this.copied.has(key)) {
      const original = this.g[key]
      ;(this.g as Record<K, unknown>)[key] = original instanceof Map ? new Map(original) : new Set(original as ReadonlySet<string>)
      this.copied.add(key)
    }
    return this.g[key] as Collections[K]
  }

  /** A member written may expire sooner than the bound said (its join or sync ended, say): lower it. */
  private boundSession (m: Member): void {
    this.g.sessionCheckMs = Math.min(this.g.sessionCheckMs, sessionExpiresAtMs(m))
  }
}

