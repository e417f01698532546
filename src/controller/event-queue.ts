import { once, type EventEmitter } from 'node:events'
import type { Logger } from '../logger.js'
import { ZkError } from '../cluster/zk-session.js'
import type { ControllerEvent } from './controller-event.js'

/** What the queue needs to know of the ZooKeeper session (ZkSession's surface). */
export interface SessionState extends EventEmitter {
  readonly generation: number
  readonly isConnected: boolean
}

/** ZooKeeper failures after which the same request may succeed on the same session. */
const CONNECTION_ERRORS = new Set(['CONNECTION_LOSS', 'OPERATION_TIMEOUT'])
/** An event still running after this long is logged (and again each time as long), naming it: every event behind it waits. */
const SLOW_EVENT_MS = 5000

/**
 * Processes controller events one at a time, in order (Kafka's ControllerEventManager). ZooKeeper
 * watches only enqueue; nothing awaits between reading controller state and writing it back except
 * inside one event. No event is dropped for a lost connection: an event that fails with one waits,
 * holding the queue so that order is kept, until the connection is back and then is processed again
 * from the start (its reads are repeated and every write is conditional, so a write that did land
 * is seen, not repeated). When the session expires instead, the controllership ends with it
 * (Controller resigns on 'expired') and the event is given up: the new session's election reads
 * everything again. Any other failure is a bug, logged with its stack. The promise `enqueue`
 * returns resolves once the event is done with, whichever way.
 */
export class EventQueue {
  private tail: Promise<void> = Promise.resolve()

  constructor (
    private readonly session: SessionState,
    private readonly log: Logger,
    private readonly process: (event: ControllerEvent) => Promise<void>,
  ) {}

  enqueue (event: ControllerEvent): Promise<void> {
    const run = this.tail.then(async () => await this.processToCompletion(event))
    this.tail = run
    return run
  }

  private async processToCompletion (event: ControllerEvent): Promise<void> {
    const startMs = Date.now()
    const watchdog = setInterval(() => this.log.warn('controller event still running; the events behind it wait', { event: event.type, ms: Date.now() - startMs }), SLOW_EVENT_MS)
    watchdog.unref()
    try {
      await this.attempts(event)
    } finally {
      clearInterval(watchdog)
    }
  }

  private async attempts (event: ControllerEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const generation = this.session.generation
      try {
        await this.process(event)
        return
      } catch (err) {
        if (!(err instanceof ZkError && CONNECTION_ERRORS.has(err.code))) {
          this.log.error('controller event failed', { event: event.type, error: (err instanceof Error ? err.stack : undefined) ?? String(err) })
          return
        }
        this.log.warn('controller event lost its zookeeper connection; it runs again once the connection is back', { event: event.type, attempt, error: err.message })
        if (!await this.connectionBack(generation)) {
          this.log.warn('controller event given up: the zookeeper session expired, and the controllership with it', { event: event.type })
          return
        }
      }
    }
  }

  /** True once the session of `generation` is connected again; false if that session is gone. */
  private async connectionBack (generation: number): Promise<boolean> {
    for (;;) {
      if (this.session.generation !== generation) return false
      if (this.session.isConnected) return true
      const stop = new AbortController()
      const next = ['connected', 'expired', 'session'].map(async event => await once(this.session, event, { signal: stop.signal }).catch(() => {}))
      await Promise.race(next)
      stop.abort() // removes the listeners still waiting
    }
  }
}
