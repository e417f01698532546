/**
 * Items grouped in order so that each group's size (`sizeOf` summed) stays within `maxBytes`, one
 * group per ZooKeeper request: a request over ZooKeeper's packet limit (jute.maxbuffer, 1 MB by
 * default; integration tests run it at 32 KiB) is refused and the connection dropped with it. An
 * item larger than `maxBytes` makes a group of its own.
 */
export function zkBatches<T> (items: Iterable<T>, sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}
