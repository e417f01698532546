import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseWholeReplies, type ConnectionManager } from './zk-client-connection.js'

/** A reply as ZooKeeper frames it: its length, then its bytes. */
function frame (body: string): Buffer {
  const bytes = Buffer.from(body)
  const framed = Buffer.alloc(4 + bytes.length)
  framed.writeInt32BE(bytes.length, 0)
  bytes.copy(framed, 4)
  return framed
}

/** A connection whose parser records what it is handed. */
function recordingConnection (): { manager: ConnectionManager, parsed: string[] } {
  const parsed: string[] = []
  const manager: ConnectionManager = {
    socket: { destroy: () => {} },
    onSocketData: (bytes: Buffer) => {
      assert.equal(bytes.readInt32BE(0), bytes.length - 4, 'handed exactly one whole reply')
      parsed.push(bytes.subarray(4).toString())
    },
  }
  parseWholeReplies(manager)
  return { manager, parsed }
}

test('the client\'s parser gets one whole reply per call, however the reads cut them', () => {
  const { manager, parsed } = recordingConnection()
  const replies = ['first', 'second reply', '', 'fourth, the long one'.repeat(20), 'last']
  const stream = Buffer.concat(replies.map(frame))
  // Reads that end inside a length prefix, inside a body, on a boundary, and one byte at a time.
  const cuts = [3, 6, 13, 14, 20, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40, stream.length - 2, stream.length - 1, stream.length]
  let from = 0
  for (const to of cuts) {
    manager.onSocketData(stream.subarray(from, to))
    from = to
  }
  assert.deepEqual(parsed, replies)
})

test('a read of many replies hands them over in order, and bytes of a closed connection are not prepended to the next one\'s', () => {
  const { manager, parsed } = recordingConnection()
  const many = Array.from({ length: 500 }, (_, i) => `state of partition ${i}`)
  manager.onSocketData(Buffer.concat([...many.map(frame), frame('cut off').subarray(0, 7)]))
  assert.deepEqual(parsed, many)
  manager.socket = { destroy: () => {} } // reconnected
  manager.onSocketData(frame('after reconnecting'))
  assert.deepEqual(parsed.slice(many.length), ['after reconnecting'])
})
