import type { Scheduler } from '../scheduler.js'

/** A clock moved by hand for unit tests; due tasks run, in time order, as advance() passes them. */
export class ManualScheduler implements Scheduler {
  time = 1_000_000
  private tasks: Array<{ at: number, task: () => void, cancelled: boolean }> = []
  now = (): number => this.time
  schedule = (task: () => void, delayMs: number): () => void => {
    const entry = { at: this.time + Math.max(0, delayMs), task, cancelled: false }
    this.tasks.push(entry)
    return () => { entry.cancelled = true }
  }

  advance (ms: number): void {
    const until = this.time + ms
    for (;;) {
      const due = this.tasks.filter(t => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0]
      if (due === undefined) break
      due.cancelled = true
      this.time = due.at
      due.task()
    }
    this.tasks = this.tasks.filter(t => !t.cancelled)
    this.time = until
  }
}
