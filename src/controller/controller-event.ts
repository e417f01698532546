import type { ElectionOutcome, TopicPartition } from './partition-state-machine.js'
import type { OngoingReassignment, ReassignmentRequest } from './partition-reassignment-manager.js'
import type { ReassignmentResult } from './partition-reassignment.js'

/**
 * What the controller's event queue carries (Kafka's ControllerEvent subclasses, by their names;
 * only ControllerFailover is this project's own): ZooKeeper watches, timers and requests only
 * enqueue one of these; Controller.process applies them one at a time. An event is data, so a
 * retried event (event-queue.ts) is processed again from the start: each handler re-reads what it
 * acts on.
 */
export type ControllerEvent =
  /** The broker starts: run for controller. */
  | { type: 'Startup' }
  /** A new ZooKeeper session: what the old one knew is void; run for controller again. */
  | { type: 'Reelect' }
  /** /controller changed or went away: take it, or resign if it now names another broker. */
  | { type: 'ControllerChange' }
  /**
   * Just elected: read the live brokers, every topic and the pending deletions and notifications,
   * then elect leaders (Kafka's onControllerFailover). An event of its own, not part of the
   * election, so that a lost connection repeats the load and not the election, which would find
   * /controller already ours.
   */
  | { type: 'ControllerFailover' }
  /** /brokers/ids changed: brokers died or came back. */
  | { type: 'BrokerChange' }
  /** /brokers/topics changed: topics were created (or their znodes removed). */
  | { type: 'TopicChange' }
  /** /brokers/topics/<topic> changed: partitions were added. */
  | { type: 'PartitionModifications', topic: string }
  /** /admin/delete_topics changed: topics to delete. */
  | { type: 'TopicDeletion' }
  /** /isr_change_notification changed: leaders changed ISRs the controller must re-read. */
  | { type: 'IsrChangeNotification' }
  /** /log_dir_event_notification changed: brokers whose log dirs failed. */
  | { type: 'LogDirEventNotification' }
  /** A broker asks to stop; `callback` gets the partitions it still leads (none are moved when it is the only ISR member). */
  | { type: 'ControlledShutdown', brokerId: number, callback: (remaining: TopicPartition[]) => void }
  /** ElectLeaders: preferred leader election for these partitions (null: all). */
  | { type: 'ReplicaLeaderElection', partitions: readonly TopicPartition[] | null, callback: (outcomes: Map<string, ElectionOutcome>) => void }
  /** AlterPartitionReassignments: start, replace or cancel (replicas null) reassignments; `callback` gets one result per request. */
  | { type: 'ApiPartitionReassignment', reassignments: readonly ReassignmentRequest[], callback: (results: ReassignmentResult[]) => void }
  /** ListPartitionReassignments for these partitions (null: all). */
  | { type: 'ListPartitionReassignments', partitions: readonly TopicPartition[] | null, callback: (ongoing: OngoingReassignment[]) => void }
  /** /admin/reassign_partitions was created or changed. */
  | { type: 'ZkPartitionReassignment' }
  /** auto.leader.rebalance.enable, every leader.imbalance.check.interval.seconds. */
  | { type: 'AutoPreferredReplicaLeaderElection' }
