/**
 * The heartbeat loop (Java's HeartbeatThread, on a timer here): while the member is STABLE it sends
 * a Heartbeat every heartbeat.interval.ms, so the coordinator keeps it past session.timeout.ms and it
 * learns of a rebalance (REBALANCE_IN_PROGRESS) without waiting for the application's next poll.
 * It also enforces max.poll.interval.ms: an application that stops polling leaves the group, so
 * its partitions go to members that make progress.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import type { GroupMembership } from './group-membership.js'

export interface HeartbeatOptions {
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  retryBackoffMs: number
}

export interface HeartbeatHooks {
  /** Date.now() of the application's last poll. */
  lastPollMs: () => number
  /** A heartbeat learnt that the member must rejoin: wake the poll so it does. */
  onRejoinNeeded: () => void
  /** max.poll.interval.ms passed without a poll. */
  onPollTimeout: () => Promise<void>
  /** A fatal error (FENCED_INSTANCE_ID): the next poll throws it. */
  onFatal: (err: Error) => void
}

export class GroupHeartbeat {
  private timer?: NodeJS.Timeout
  private running = false

  constructor (private readonly membership: GroupMembership, private readonly options: HeartbeatOptions, private readonly hooks: HeartbeatHooks) {}

  start (): void {
    if (this.running) return
    this.running = true
    this.schedule(this.options.heartbeatIntervalMs)
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
  }

  private schedule (ms: number): void {
    if (!this.running) return
    this.timer = setTimeout(() => { void this.tick() }, ms)
  }

  private async tick (): Promise<void> {
    const m = this.membership
    if (m.state !== 'STABLE') return this.schedule(this.options.heartbeatIntervalMs)
    if (Date.now() - this.hooks.lastPollMs() > this.options.maxPollIntervalMs) {
      // Java's message: the application is too slow between polls, so it gives its partitions up
      await this.hooks.onPollTimeout().catch(() => {})
      return this.schedule(this.options.heartbeatIntervalMs)
    }
    let code: number
    try {
      code = await m.heartbeat()
    } catch (err) {
      this.stop()
      this.hooks.onFatal(err as Error)
      return
    }
    if (m.rejoinNeeded) this.hooks.onRejoinNeeded()
    // after a failed heartbeat, try again soon: the session timer keeps running at the coordinator
    this.schedule(code === ErrorCode.NONE ? this.options.heartbeatIntervalMs : this.options.retryBackoffMs)
  }
}
