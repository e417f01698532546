import { ErrorCode } from '../protocol/error-codes.js'

/**
 * A partition's replicas during a reassignment (KIP-455; Kafka's ReplicaAssignment in ZooKeeper
 * mode): `replicas` is the full set, the target first and then the original replicas that are
 * leaving; `addingReplicas` are target replicas that were not original ones, `removingReplicas`
 * original ones not in the target. Both empty: no reassignment.
 */
export interface ReplicaAssignment {
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

/** What a reassignment request gets for one partition (AlterPartitionReassignments' per-partition answer). */
export interface ReassignmentResult { errorCode: number, errorMessage: string | null }

export const REASSIGNMENT_STARTED: ReassignmentResult = Object.freeze({ errorCode: ErrorCode.NONE, errorMessage: null })

export function isBeingReassigned (a: ReplicaAssignment): boolean {
  return a.addingReplicas.length > 0 || a.removingReplicas.length > 0
}

/** The replicas before the reassignment started (what a cancellation returns to). */
export function originReplicas (a: ReplicaAssignment): number[] {
  return a.replicas.filter(r => !a.addingReplicas.includes(r))
}

/** The replicas the partition ends with. */
export function targetReplicas (a: ReplicaAssignment): number[] {
  return a.replicas.filter(r => !a.removingReplicas.includes(r))
}

/**
 * Kafka's ReplicaAssignment.reassignTo: a new target replaces any reassignment in progress; the
 * origin stays what it was before the first one, so replicas a previous target was adding and
 * this one does not want are simply dropped (`unneeded`: they stop and their logs are deleted).
 */
export function reassignTo (current: ReplicaAssignment, target: readonly number[]): { next: ReplicaAssignment, unneeded: number[] } {
  const origin = originReplicas(current)
  const replicas = [...new Set([...target, ...origin])]
  const next = { replicas, addingReplicas: replicas.filter(r => !origin.includes(r)), removingReplicas: replicas.filter(r => !target.includes(r)) }
  return { next, unneeded: current.replicas.filter(r => !replicas.includes(r)) }
}

/** Kafka's isReassignmentComplete: every target replica has joined the ISR. */
export function isReassignmentComplete (a: ReplicaAssignment, isr: readonly number[]): boolean {
  return targetReplicas(a).every(r => isr.includes(r))
}

/**
 * Kafka's KafkaController.validateReplicas: a non-empty list of distinct, non-negative broker ids
 * whose new replicas are on live brokers. Undefined when the target is acceptable.
 */
export function reassignmentProblem (current: ReplicaAssignment, target: readonly number[], live: ReadonlySet<number>): ReassignmentResult | undefined {
  const invalid = (errorMessage: string): ReassignmentResult => ({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage })
  if (target.length === 0) return invalid('Empty replica list specified in partition reassignment.')
  if (new Set(target).size !== target.length) return invalid(`Duplicate replica ids in partition reassignment replica list: ${list(target)}`)
  if (target.some(r => r < 0)) return invalid(`Invalid broker id in replica list: ${list(target)}`)
  const adding = reassignTo(current, target).next.addingReplicas
  if (!adding.every(r => live.has(r))) return invalid(`Replica assignment has brokers that are not alive. Replica list: ${list(adding)}, live broker list: ${list([...live].sort((a, b) => a - b))}`)
  return undefined
}

/** Scala's List(1, 2, 3), as Kafka's messages print replica lists. */
function list (ids: readonly number[]): string {
  return `List(${ids.join(', ')})`
}
