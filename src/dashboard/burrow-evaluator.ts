/**
 * A consumer group's health by Burrow's rules (github.com/linkedin/Burrow, wiki page "Consumer Lag
 * Evaluation Rules"; its evaluator's calculatePartitionStatus): each partition is judged over a
 * window of its latest offset commits (offset, commit time, lag when committed), and the group is
 * the worst of its partitions, any error (STOP, STALL, REWIND) counting as ERR.
 */

/** Commits kept per partition (Burrow's storage `intervals`). */
export const WINDOW_COMMITS = 10
/** Commits closer together than this replace the previous one (Burrow's `min-distance`, seconds there). */
export const MIN_DISTANCE_MS = 1000

export interface Commit { offset: number, atMs: number, lag: number }

export type PartitionStatus = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND'
export type GroupStatus = 'OK' | 'WARN' | 'ERR'

/** Adds a commit to a partition's window (oldest first), as Burrow's storage module does. */
export function addCommit (window: Commit[], commit: Commit): void {
  const last = window.at(-1)
  if (last !== undefined && commit.atMs - last.atMs < MIN_DISTANCE_MS) {
    window[window.length - 1] = commit
    return
  }
  window.push(commit)
  if (window.length > WINDOW_COMMITS) window.shift()
}

export function partitionStatus (window: readonly Commit[], currentLag: number, nowMs: number): PartitionStatus {
  // a partition that is caught up now is never in error
  if (currentLag <= 0 || window.length === 0) return 'OK'
  const first = window[0]!
  const last = window.at(-1)!
  // Rule: the consumer stopped committing: more time since its last commit than the window spans
  if (nowMs - last.atMs > last.atMs - first.atMs) return 'STOP'
  // Rule: a lag of zero anywhere in the window makes the window OK
  if (window.some(c => c.lag === 0)) return 'OK'
  for (let i = 1; i < window.length; i++) if (window[i]!.offset < window[i - 1]!.offset) return 'REWIND'
  // Rule: the committed offset never moved, while lag stayed above zero
  if (window.every(c => c.offset === first.offset)) return 'STALL'
  // Rule: offsets move, but the lag never decreased from one commit to the next
  let decreased = false
  for (let i = 1; i < window.length; i++) if (window[i]!.lag < window[i - 1]!.lag) decreased = true
  return decreased ? 'OK' : 'WARN'
}

export function groupStatus (partitions: Iterable<PartitionStatus>): GroupStatus {
  let status: GroupStatus = 'OK'
  for (const p of partitions) {
    if (p === 'STOP' || p === 'STALL' || p === 'REWIND') return 'ERR'
    if (p === 'WARN') status = 'WARN'
  }
  return status
}
