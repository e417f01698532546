import { once, type EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number
  /** Pause between polls (default 50 ms). */
  intervalMs?: number
  /** What was last seen, appended to the timeout's message. */
  onTimeout?: () => string
}

/**
 * Polls `predicate` until it returns true; throws `timed out after <timeoutMs>ms waiting for <what>`
 * at the deadline. An error thrown by the predicate ends the wait at once (a crashed process should
 * fail a test now, not at the deadline): predicates that expect errors catch them.
 */
export async function waitFor (
  predicate: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 10_000, intervalMs = 50, onTimeout }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await predicate()) return
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${onTimeout !== undefined ? `; last seen: ${onTimeout()}` : ''}`)
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())))
  }
}

/**
 * Resolves with the arguments of the next `event` from `emitter`; throws
 * `timed out after <timeoutMs>ms waiting for <what>` if it does not come. An 'error' event rejects.
 */
export async function waitForEvent (
  emitter: EventEmitter,
  event: string,
  what: string,
  { timeoutMs = 10_000 }: Pick<WaitOptions, 'timeoutMs'> = {},
): Promise<unknown[]> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    return await once(emitter, event, { signal })
  } catch (error) {
    if (signal.aborted) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`, { cause: error })
    throw error
  }
}
