import type { PartitionState } from '../cluster/znodes.js'

/**
 * The controller's partition leadership rules (Kafka's PartitionStateMachine, ZooKeeper mode) as
 * pure functions: given the assignment, the current state and who is alive, the state to write,
 * or undefined when nothing changes.
 */
export interface PartitionView {
  replicas: readonly number[]
  state: PartitionState | undefined
}

/** A new partition: the first live replica leads, every live replica is in sync. */
export function initialState (replicas: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): PartitionState | undefined {
  const isr = replicas.filter(r => live.has(r))
  const leader = isr[0]
  if (leader === undefined) return undefined // stays offline until a replica is alive
  return { leader, leaderEpoch: 0, isr, controllerEpoch }
}

/**
 * After brokers die or come back: a dead (or missing) leader is replaced by the first replica in
 * assignment order that is alive and in the ISR; dead followers leave the ISR. With no live ISR
 * member the partition goes offline (leader -1) and the ISR keeps its last members, so they can be
 * elected cleanly when they return, unless unclean election is allowed.
 *
 * A broker in controlled shutdown (`shuttingDown`, still registered in `live`) is never elected
 * and leaves the ISRs it follows; one it leads moves to another live ISR member if there is one,
 * and otherwise stays with it while it still serves it: Kafka's controller elects only for offline
 * partitions, so a shutting-down leader with no successor keeps leading until it is gone.
 */
export function onBrokersChanged (p: PartitionView, live: ReadonlySet<number>, uncleanAllowed: boolean, controllerEpoch: number, shuttingDown: ReadonlySet<number> = NONE): PartitionState | undefined {
  const eligible = (r: number): boolean => live.has(r) && !shuttingDown.has(r)
  const s = p.state
  if (s === undefined) return initialState(p.replicas.filter(eligible), live, controllerEpoch)
  const liveIsr = s.isr.filter(eligible)
  const successor = p.replicas.find(r => eligible(r) && liveIsr.includes(r))
  if (s.leader >= 0 && eligible(s.leader)) {
    if (liveIsr.length === s.isr.length) return undefined
    return { ...s, isr: liveIsr, leaderEpoch: s.leaderEpoch + 1, controllerEpoch }
  }
  if (successor !== undefined) return { leader: successor, leaderEpoch: s.leaderEpoch + 1, isr: liveIsr, controllerEpoch }
  if (s.leader >= 0 && live.has(s.leader)) {
    const isr = s.isr.filter(r => eligible(r) || r === s.leader)
    return isr.length === s.isr.length ? undefined : { ...s, isr, leaderEpoch: s.leaderEpoch + 1, controllerEpoch }
  }
  const unclean = uncleanAllowed ? p.replicas.find(eligible) : undefined
  if (unclean !== undefined) return { leader: unclean, leaderEpoch: s.leaderEpoch + 1, isr: [unclean], controllerEpoch }
  if (s.leader === -1) return undefined
  return { leader: -1, leaderEpoch: s.leaderEpoch + 1, isr: liveIsr.length > 0 ? liveIsr : s.isr, controllerEpoch }
}

const NONE: ReadonlySet<number> = new Set()

/**
 * Moves leadership off a broker that is shutting down (controlled shutdown) or back to the
 * preferred replica: the first candidate, in assignment order, that is alive and in the ISR.
 */
export function electPreferred (p: PartitionView, candidates: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): PartitionState | undefined {
  const s = p.state
  if (s === undefined) return undefined
  const leader = candidates.find(r => live.has(r) && s.isr.includes(r))
  if (leader === undefined || leader === s.leader) return undefined
  return { ...s, leader, leaderEpoch: s.leaderEpoch + 1, controllerEpoch }
}

/**
 * Controlled shutdown (Kafka's ControlledShutdownLeaderSelector): a partition led by the stopping
 * broker moves to the first other live ISR member in assignment order; where the broker only
 * follows, it leaves the ISR. Undefined when nothing can change (it is the only ISR member).
 */
export function onControlledShutdown (p: PartitionView, brokerId: number, live: ReadonlySet<number>, controllerEpoch: number): PartitionState | undefined {
  const s = p.state
  if (s === undefined || !s.isr.includes(brokerId)) return undefined
  const isr = s.isr.filter(r => r !== brokerId)
  if (s.leader !== brokerId) return isr.length === 0 ? undefined : { ...s, isr, leaderEpoch: s.leaderEpoch + 1, controllerEpoch }
  const leader = p.replicas.find(r => r !== brokerId && live.has(r) && isr.includes(r))
  if (leader === undefined) return undefined
  return { leader, leaderEpoch: s.leaderEpoch + 1, isr, controllerEpoch }
}

/**
 * A replica in a failed log dir (Kafka's OfflineReplica transition after a log dir event): it
 * leaves the ISR, and where it led, the first other live ISR member in assignment order leads, as
 * in controlled shutdown. With no such member, unclean election (where allowed) picks the first
 * other live replica; otherwise it keeps leading, answering KAFKA_STORAGE_ERROR, since nothing else
 * can serve the partition (Kafka writes leader -1, which onBrokersChanged would undo here).
 */
export function onReplicaOffline (p: PartitionView, brokerId: number, live: ReadonlySet<number>, uncleanAllowed: boolean, controllerEpoch: number): PartitionState | undefined {
  const moved = onControlledShutdown(p, brokerId, live, controllerEpoch)
  const s = p.state
  if (moved !== undefined || !uncleanAllowed || s === undefined || s.leader !== brokerId) return moved
  const unclean = p.replicas.find(r => r !== brokerId && live.has(r))
  return unclean === undefined ? undefined : { leader: unclean, leaderEpoch: s.leaderEpoch + 1, isr: [unclean], controllerEpoch }
}

/**
 * The partition's replicas became `replicas` (a reassignment starts, completes or is cancelled:
 * Kafka's onPartitionReassignment): replicas that left it leave the ISR, and a leader that left
 * it (or is dead) gives way to the first of `replicas` that is alive and in the ISR (Kafka's
 * ReassignPartitionLeaderElectionStrategy). The leader epoch is bumped even when nothing else
 * changes, as Kafka's updateLeaderEpochAndSendRequest does, so every replica takes the new
 * assignment with a new epoch. Undefined while no replica can lead.
 */
export function onReplicasReassigned (p: PartitionView, replicas: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): PartitionState | undefined {
  const s = p.state
  if (s === undefined) return undefined
  const isr = s.isr.filter(r => replicas.includes(r))
  const leader = replicas.includes(s.leader) && live.has(s.leader) ? s.leader : replicas.find(r => live.has(r) && isr.includes(r))
  if (leader === undefined) return undefined
  return { leader, leaderEpoch: s.leaderEpoch + 1, isr, controllerEpoch }
}
