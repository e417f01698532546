import { ErrorCode } from '../../src/protocol/error-codes.js'
import { waitFor } from './wait-for.js'

/**
 * Sends a request until no partition answers NOT_LEADER_OR_FOLLOWER, as a client retries: a leader
 * whose ZooKeeper view may be stale (just restarted, or a late session heartbeat on a busy machine)
 * refuses for a moment (MetadataCache.isCurrent). `errorCodes` picks the partition answers out.
 */
export async function asLeader<T> (what: string, send: () => Promise<T>, errorCodes: (answer: T) => number[]): Promise<T> {
  let answer: T | undefined
  await waitFor(async () => {
    answer = await send()
    return !errorCodes(answer).includes(ErrorCode.NOT_LEADER_OR_FOLLOWER)
  }, `${what} answered by the leader`)
  return answer!
}
