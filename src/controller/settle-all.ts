/**
 * Runs `each` on every item at once (ZooKeeper pipelines the requests) and waits for all of them,
 * so that no write is still in flight when the caller goes on; then throws the first failure.
 */
export async function settleAll<T> (items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  const failed = (await Promise.allSettled(items.map(each))).find(r => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}
