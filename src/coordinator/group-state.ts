/**
 * Group states (Kafka's GroupState and GroupMetadata.validPreviousStates) and what each allows:
 * - Empty: no members; the group exists for its committed offsets. JoinGroup moves it to
 *   PreparingRebalance; it becomes Dead when deleted, unloaded or when its offsets expire.
 * - PreparingRebalance: collecting JoinGroups; ends in CompletingRebalance when every member
 *   rejoined or the rebalance timeout ran out (Empty if nobody is left). Heartbeats answer
 *   REBALANCE_IN_PROGRESS, SyncGroup too; offset commits of the current generation are accepted.
 * - CompletingRebalance: join done, waiting for the leader's SyncGroup; goes Stable once the
 *   assignment is stored, back to PreparingRebalance when membership changes. Commits of its
 *   generation answer REBALANCE_IN_PROGRESS; older ones ILLEGAL_GENERATION.
 * - Stable: assignment handed out; a join, leave, protocol change or lapsed session starts a
 *   rebalance (PreparingRebalance).
 * - Dead: removed (deleted, expired, or this broker stopped coordinating it); terminal.
 */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

/** Kafka's GroupState.validPreviousStates: the only transitions the machine may make. */
export const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
}

export class IllegalGroupTransitionError extends Error {
  constructor (readonly groupId: string, readonly from: GroupState, readonly to: GroupState) {
    super(`group ${groupId} should be in ${VALID_PREVIOUS_STATES[to].join(',')} states before moving to ${to}, but is in ${from}`)
    this.name = 'IllegalGroupTransitionError'
  }
}

export function assertTransition (groupId: string, from: GroupState, to: GroupState): void {
  if (!VALID_PREVIOUS_STATES[to].includes(from)) throw new IllegalGroupTransitionError(groupId, from, to)
}
