import type { Logger } from '../logger.js'

/**
 * Runs async work one item at a time, in order. ZooKeeper watches only enqueue; nothing awaits
 * between reading controller state and writing it back except inside one item.
 */
export class EventQueue {
  private tail: Promise<void> = Promise.resolve()

  constructor (private readonly log: Logger) {}

  enqueue (name: string, work: () => Promise<void>): Promise<void> {
    const run = this.tail.then(work).catch((err: unknown) => {
      this.log.error('controller event failed', { event: name, error: (err as Error).stack ?? String(err) })
    })
    this.tail = run
    return run
  }

  /** Resolves when everything enqueued so far has run. */
  async drain (): Promise<void> {
    await this.tail
  }
}
