/**
 * The member ids a group handed out with MEMBER_ID_REQUIRED (JoinGroup v4+, KIP-394) that have not
 * come back yet, each with the time it is forgotten: its session timeout, as Kafka's
 * GroupCoordinator.addPendingMemberExpiration schedules a DelayedHeartbeat for it.
 *
 * A client can send such JoinGroups as fast as it likes, and every id stays for up to
 * group.max.session.timeout.ms, so the set must not cost its size per group event. It is
 * immutable, so that a group event never changes the Group it was given (group-rules.ts), and
 * persistent: `with` and `without` return a new set sharing all but O(log n) nodes with the old
 * one. It is a treap ordered by member id, each node knowing the earliest deadline beneath it: the
 * earliest deadline is at the root, and the expired ids are found without visiting the others.
 */
export class PendingMembers {
  static readonly EMPTY = new PendingMembers(null)

  private constructor (private readonly root: Node | null) {}

  get size (): number {
    return this.root?.size ?? 0
  }

  /** When the next id is forgotten; Infinity when there is none. */
  get earliestDeadlineMs (): number {
    return this.root?.earliestDeadlineMs ?? Infinity
  }

  has (memberId: string): boolean {
    let n = this.root
    while (n !== null && n.memberId !== memberId) n = memberId < n.memberId ? n.left : n.right
    return n !== null
  }

  /** The set with `memberId` forgotten at `deadlineMs` (replacing its deadline if it is there already). */
  with (memberId: string, deadlineMs: number): PendingMembers {
    return new PendingMembers(insert(this.root, memberId, deadlineMs, priorityOf(memberId)))
  }

  /** The set without `memberId`; this set itself if it does not hold it. */
  without (memberId: string): PendingMembers {
    const root = remove(this.root, memberId)
    return root === this.root ? this : new PendingMembers(root)
  }

  /** The ids whose deadline is at or before `nowMs`. */
  expiredAt (nowMs: number): string[] {
    const expired: string[] = []
    collectExpired(this.root, nowMs, expired)
    return expired
  }
}

interface Node {
  readonly memberId: string
  readonly deadlineMs: number
  /** A heap on priorities over a search tree on ids keeps the tree's depth O(log n) whatever the order ids arrive in. */
  readonly priority: number
  readonly left: Node | null
  readonly right: Node | null
  readonly size: number
  /** The earliest deadline in this subtree. */
  readonly earliestDeadlineMs: number
}

function node (memberId: string, deadlineMs: number, priority: number, left: Node | null, right: Node | null): Node {
  return {
    memberId,
    deadlineMs,
    priority,
    left,
    right,
    size: 1 + (left?.size ?? 0) + (right?.size ?? 0),
    earliestDeadlineMs: Math.min(deadlineMs, left?.earliestDeadlineMs ?? Infinity, right?.earliestDeadlineMs ?? Infinity),
  }
}

const withChildren = (n: Node, left: Node | null, right: Node | null): Node => node(n.memberId, n.deadlineMs, n.priority, left, right)

function insert (t: Node | null, memberId: string, deadlineMs: number, priority: number): Node {
  if (t === null) return node(memberId, deadlineMs, priority, null, null)
  if (memberId === t.memberId) return node(memberId, deadlineMs, t.priority, t.left, t.right)
  if (priority > t.priority) {
    const [left, right] = split(t, memberId)
    return node(memberId, deadlineMs, priority, left, right)
  }
  return memberId < t.memberId
    ? withChildren(t, insert(t.left, memberId, deadlineMs, priority), t.right)
    : withChildren(t, t.left, insert(t.right, memberId, deadlineMs, priority))
}

/** The ids below `memberId` and those above it (the id itself is left out). */
function split (t: Node | null, memberId: string): [Node | null, Node | null] {
  if (t === null) return [null, null]
  if (t.memberId < memberId) {
    const [left, right] = split(t.right, memberId)
    return [withChildren(t, t.left, left), right]
  }
  if (t.memberId > memberId) {
    const [left, right] = split(t.left, memberId)
    return [left, withChildren(t, right, t.right)]
  }
  return [t.left, t.right]
}

/** Joins two treaps, every id of `a` below every id of `b`. */
function merge (a: Node | null, b: Node | null): Node | null {
  if (a === null) return b
  if (b === null) return a
  return a.priority > b.priority ? withChildren(a, a.left, merge(a.right, b)) : withChildren(b, merge(a, b.left), b.right)
}

function remove (t: Node | null, memberId: string): Node | null {
  if (t === null) return null
  if (memberId === t.memberId) return merge(t.left, t.right)
  if (memberId < t.memberId) {
    const left = remove(t.left, memberId)
    return left === t.left ? t : withChildren(t, left, t.right)
  }
  const right = remove(t.right, memberId)
  return right === t.right ? t : withChildren(t, t.left, right)
}

function collectExpired (t: Node | null, nowMs: number, out: string[]): void {
  if (t === null || t.earliestDeadlineMs > nowMs) return
  collectExpired(t.left, nowMs, out)
  if (t.deadlineMs <= nowMs) out.push(t.memberId)
  collectExpired(t.right, nowMs, out)
}

/**
 * A priority drawn from the id (FNV-1a, then murmur3's finaliser to spread it): the same id always
 * gets the same one, so the rules stay deterministic, and the random UUID in every id the
 * coordinator hands out keeps a client from choosing ids that unbalance the tree.
 */
function priorityOf (memberId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < memberId.length; i++) h = Math.imul(h ^ memberId.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
