/**
 * Time as a parameter (STYLE: clocks and timers are parameters), in the shape of Kafka's
 * Time and Scheduler: group session timeouts, rebalance delays, offset expiry and follower lag
 * run on it, and tests drive a manual one (support/manual-scheduler.ts).
 */
export interface Scheduler {
  now: () => number
  /** Runs `task` once after `delayMs`; the returned function cancels it. */
  schedule: (task: () => void, delayMs: number) => () => void
}

const MAX_TIMER_MS = 2 ** 31 - 1

export const systemScheduler: Scheduler = {
  now: Date.now,
  schedule (task, delayMs) {
    const timer = setTimeout(task, Math.min(Math.max(0, delayMs), MAX_TIMER_MS))
    timer.unref()
    return () => clearTimeout(timer)
  },
}
