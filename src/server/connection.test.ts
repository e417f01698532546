import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { silentLogger } from '../logger.js'
import { Connection, type ConnectionOptions } from './connection.js'

/** A Connection on the accepting side of a loopback socket, and the client's end. */
async function pair (t: { after: (fn: () => void) => void }, options: Omit<ConnectionOptions, 'log' | 'maxRequestBytes' | 'maxInFlight'>): Promise<Socket> {
  const server = createServer(socket => new Connection(socket, { ...options, maxRequestBytes: 1024, maxInFlight: 100, log: silentLogger() }))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  await once(client, 'connect')
  t.after(() => { client.destroy(); server.close() })
  return client
}

const frame = (payload: string): Buffer => {
  const body = Buffer.from(payload)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

test('connections.max.idle.ms: a connection waiting for an answer is not idle; once answered and quiet that long, it is closed', async t => {
  const idleMs = 150
  const client = await pair(t, {
    idleMs,
    // answered after three idle periods with nothing on the wire (a JoinGroup waiting for the others)
    handle: async body => { await delay(3 * idleMs); return [frame(`re:${body.toString()}`)] },
  })
  const closed = once(client, 'close')
  client.write(frame('join'))
  const [answer] = await Promise.race([
    once(client, 'data') as Promise<[Buffer]>,
    closed.then(() => { throw new Error('closed while its request awaited an answer') }),
  ])
  assert.equal(answer.subarray(4).toString(), 're:join', 'answered: the wait did not count as idle')
  const answeredAt = Date.now()
  await closed
  const quietFor = Date.now() - answeredAt
  assert.ok(quietFor >= idleMs - 20, `closed ${quietFor} ms after the answer, not before connections.max.idle.ms`)
})
