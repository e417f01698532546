/**
 * One member of a classic consumer group (Kafka's MemberMetadata): its identity, its timeouts,
 * the protocols it offered in its last JoinGroup, the assignment it was given, and the requests it
 * has parked at the coordinator (by reply token) while a rebalance is under way.
 */
export interface Protocol { name: string, metadata: Buffer }

export interface Member {
  readonly memberId: string
  /** group.instance.id of a static member (KIP-345); null for a dynamic one. */
  readonly groupInstanceId: string | null
  readonly clientId: string
  /** As Java stores InetAddress.toString(): "/127.0.0.1". */
  readonly clientHost: string
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  readonly protocolType: string
  /** In the member's order of preference. */
  readonly protocols: readonly Protocol[]
  readonly assignment: Buffer
  /** The reply token of its parked JoinGroup, while the join phase runs. */
  readonly awaitingJoin: number | null
  /** The reply token of its parked SyncGroup, until the leader's assignment is stored. */
  readonly awaitingSync: number | null
  /** Joined in this join phase without a member id: it cannot heartbeat yet (Kafka's isNew). */
  readonly isNew: boolean
  readonly lastHeartbeatMs: number
}

/** A new member that has no id to heartbeat with times out of a join phase after 5 minutes. */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000

export const EMPTY_BYTES: Buffer = Buffer.alloc(0)

/**
 * When the coordinator gives up on the member (Kafka's shouldKeepAlive): a member in a join phase
 * is kept (a new one only for NEW_MEMBER_JOIN_TIMEOUT_MS), one waiting for its assignment is kept
 * (the pending-sync timeout covers it), anyone else lives one session timeout past its last heartbeat.
 */
export function sessionExpiresAtMs (m: Member): number {
  if (m.awaitingJoin !== null) return m.isNew ? m.lastHeartbeatMs + NEW_MEMBER_JOIN_TIMEOUT_MS : Infinity
  if (m.awaitingSync !== null) return Infinity
  return m.lastHeartbeatMs + m.sessionTimeoutMs
}

/** The earliest sessionExpiresAtMs of `members`; Infinity if none can expire. */
export function earliestSessionExpiryMs (members: Iterable<Member>): number {
  let earliest = Infinity
  for (const m of members) earliest = Math.min(earliest, sessionExpiresAtMs(m))
  return earliest
}

export function supportsProtocol (m: Member, name: string): boolean {
  return m.protocols.some(p => p.name === name)
}

/** The member's subscription bytes for the group's selected protocol. */
export function metadataFor (m: Member, protocolName: string | null): Buffer {
  return m.protocols.find(p => p.name === protocolName)?.metadata ?? EMPTY_BYTES
}

/** Same protocol names and bytes in the same order: a JoinGroup that changes nothing. */
export function matchesProtocols (m: Member, protocols: readonly Protocol[]): boolean {
  return m.protocols.length === protocols.length &&
    m.protocols.every((p, i) => p.name === protocols[i]?.name && p.metadata.equals(protocols[i]!.metadata))
}

/** The member's first choice among the candidates (protocols every member supports). */
export function vote (m: Member, candidates: ReadonlySet<string>): string | undefined {
  return m.protocols.find(p => candidates.has(p.name))?.name
}
