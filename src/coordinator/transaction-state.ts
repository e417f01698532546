/**
 * The state of one transactional id (Kafka's TransactionMetadata and TransactionState), as the
 * transaction coordinator keeps it and writes it to __transaction_state:
 *
 *   Empty ──AddPartitions──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers written──▶ CompleteCommit
 *     ▲                        │  └──EndTxn(abort)────▶ PrepareAbort ───markers written──▶ CompleteAbort
 *     │                        └─InitProducerId / timeout─▶ PrepareEpochFence ─▶ PrepareAbort
 *     └──── InitProducerId (epoch bump) from Empty, CompleteCommit, CompleteAbort; Ongoing again from those three
 *
 * PrepareEpochFence is never written: the coordinator bumps the epoch in memory (so the zombie's
 * requests are fenced) and goes on to PrepareAbort with the new epoch. Dead is a transactional id
 * being removed. Every transition is checked against Kafka's validPreviousStates: a transition
 * from elsewhere is a coordinator bug and throws (Kafka's IllegalStateException).
 */

export const TransactionState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const
export type TransactionStateName = keyof typeof TransactionState

const VALID_PREVIOUS: Record<TransactionStateName, readonly TransactionStateName[]> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
}

export function stateName (id: number): TransactionStateName | undefined {
  return (Object.keys(TransactionState) as TransactionStateName[]).find(k => TransactionState[k] === id)
}

export interface TopicPartitionRef { topic: string, partition: number }

/** What one transactional id holds; `pendingState` is set while a write of the next state is in flight. */
export interface TransactionMetadata {
  transactionalId: string
  producerId: number
  producerEpoch: number
  txnTimeoutMs: number
  state: TransactionStateName
  /** "topic\u0000partition" keys: the partitions in the current transaction. */
  partitions: Map<string, TopicPartitionRef>
  txnStartTimestampMs: number
  txnLastUpdateTimestampMs: number
  pendingState?: TransactionStateName
}

/** Short.MAX_VALUE: an epoch that cannot be bumped again takes a new producer id (Kafka's isEpochExhausted). */
export const MAX_PRODUCER_EPOCH = 32767

export function partitionKey (tp: TopicPartitionRef): string {
  return `${tp.topic}\u0000${tp.partition}`
}

export function newTransactionMetadata (transactionalId: string, producerId: number, txnTimeoutMs: number, nowMs: number): TransactionMetadata {
  return { transactionalId, producerId, producerEpoch: -1, txnTimeoutMs, state: 'Empty', partitions: new Map(), txnStartTimestampMs: -1, txnLastUpdateTimestampMs: nowMs }
}

export class IllegalTransactionTransition extends Error {}

/**
 * The metadata as it will be once `to` is written (Kafka's prepareTransitionTo): the current one
 * is untouched, and marked pending until completeTransition or abandonTransition.
 */
export function prepareTransition (current: TransactionMetadata, to: TransactionStateName, changes: Partial<Omit<TransactionMetadata, 'state' | 'pendingState' | 'transactionalId'>>, nowMs: number): TransactionMetadata {
  if (current.pendingState !== undefined) throw new IllegalTransactionTransition(`${current.transactionalId}: transition to ${to} while one to ${current.pendingState} is pending`)
  if (!VALID_PREVIOUS[to].includes(current.state)) throw new IllegalTransactionTransition(`${current.transactionalId}: ${current.state} cannot become ${to}`)
  current.pendingState = to
  return { ...current, ...changes, partitions: new Map(changes.partitions ?? current.partitions), state: to, pendingState: undefined, txnLastUpdateTimestampMs: nowMs }
}

/** The write of `next` succeeded: the current metadata takes it (Kafka's completeTransitionTo). */
export function completeTransition (current: TransactionMetadata, next: TransactionMetadata): void {
  if (current.pendingState !== next.state) throw new IllegalTransactionTransition(`${current.transactionalId}: completing ${next.state} but ${current.pendingState ?? 'nothing'} is pending`)
  Object.assign(current, next, { pendingState: undefined })
}

/** The write failed: nothing changes. */
export function abandonTransition (current: TransactionMetadata): void {
  current.pendingState = undefined
}

/**
 * Fencing (InitProducerId during a transaction, or its timeout): PrepareEpochFence in memory with
 * the epoch bumped, so that the old producer's requests are refused from now on (Kafka's
 * prepareFenceProducerEpoch). The abort that follows goes from there to PrepareAbort.
 */
export function fenceProducerEpoch (current: TransactionMetadata): void {
  if (!VALID_PREVIOUS.PrepareEpochFence.includes(current.state) || current.pendingState !== undefined) {
    throw new IllegalTransactionTransition(`${current.transactionalId}: cannot fence from ${current.state}`)
  }
  // An exhausted epoch stays: the abort is written with it, and InitProducerId then takes a new producer id.
  if (current.producerEpoch < MAX_PRODUCER_EPOCH) current.producerEpoch++
  current.state = 'PrepareEpochFence'
}
