/**
 * What ZkSession changes in node-zookeeper-client's connection, which its API does not expose:
 * the reply parser's input (one whole reply at a time) and the socket (to drop a silent
 * connection). Both depend on how node-zookeeper-client 1.1.3 wires its ConnectionManager.
 */
import type zookeeper from 'node-zookeeper-client'

/** The parts of node-zookeeper-client's connection (its ConnectionManager, not in its typings) ZkSession reaches into. */
export interface ConnectionManager {
  /** The connection's socket; a new one after every reconnection. */
  socket?: { destroy: () => void }
  /** Parses what a read of the socket brought: each reply in it, and keeps a reply's incomplete start for the next read. */
  onSocketData: (bytes: Buffer) => void
}

export function connectionManagerOf (client: zookeeper.Client): ConnectionManager {
  return (client as unknown as { connectionManager: ConnectionManager }).connectionManager
}

/**
 * Hands node-zookeeper-client's parser one whole reply at a time (ZooKeeper prefixes each with its
 * length). Given a read holding n replies, the parser itself copies the read's unparsed rest once
 * per reply (a Buffer.concat before each, then a recursive call): O(n²) bytes, each copy a new
 * allocation outside the JS heap, all alive until the recursion unwinds. A broker learning of
 * thousands of new partitions gets reads of hundreds of replies (their states): creating 3,000 of
 * them copied 256 MiB and left 30-40 MiB of the malloc heap free but fragmented, held as RSS.
 * Bytes of an incomplete reply wait here, per connection (the parser kept them across reconnections).
 */
export function parseWholeReplies (manager: ConnectionManager): void {
  const parse = manager.onSocketData.bind(manager)
  let socket: unknown
  let partial: Buffer[] = []
  let partialBytes = 0
  manager.onSocketData = (bytes: Buffer): void => {
    if (manager.socket !== socket) {
      socket = manager.socket
      partial = []
      partialBytes = 0
    }
    if (partialBytes > 0) {
      partial.push(bytes)
      partialBytes += bytes.length
      // Joined once the reply they start is complete, not on every read (a large reply spans many).
      if (partialBytes < 4) return
      if (partial[0]!.length < 4) partial = [Buffer.concat(partial, partialBytes)]
      if (partialBytes < 4 + partial[0]!.readInt32BE(0)) return
      bytes = Buffer.concat(partial, partialBytes)
      partial = []
      partialBytes = 0
    }
    let offset = 0
    while (bytes.length - offset >= 4 && manager.socket === socket) {
      const size = bytes.readInt32BE(offset)
      // A negative length is the parser's to reject.
      const end = size < 0 ? bytes.length : offset + 4 + size
      if (end > bytes.length) break
      parse(bytes.subarray(offset, end))
      offset = end
    }
    if (offset < bytes.length && manager.socket === socket) {
      partial = [bytes.subarray(offset)]
      partialBytes = bytes.length - offset
    }
  }
}
