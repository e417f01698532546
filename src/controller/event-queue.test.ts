import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { ZkError } from '../cluster/zk-session.js'
import { silentLogger } from '../logger.js'
import { EventQueue, type SessionState } from './event-queue.js'

/** The session as the queue sees it: a generation, a connected flag and the events ZkSession emits. */
class FakeSession extends EventEmitter implements SessionState {
  generation = 1
  isConnected = true
  lose (): void { this.isConnected = false; this.emit('disconnected') }
  reconnect (): void { this.isConnected = true; this.emit('connected') }
  expire (): void { this.isConnected = false; this.emit('expired'); this.generation++; this.isConnected = true; this.emit('session') }
}

const connectionLoss = (): ZkError => new ZkError('CONNECTION_LOSS', '/brokers/topics/t/partitions/0/state')

test('an event that fails on a lost connection runs again once the connection is back, before the events behind it', async () => {
  const session = new FakeSession()
  const queue = new EventQueue(session, silentLogger())
  const ran: string[] = []
  let attempts = 0
  const first = queue.enqueue('leader election', async () => {
    attempts++
    ran.push(`election#${attempts}`)
    if (attempts === 1) { session.lose(); throw connectionLoss() }
  })
  const second = queue.enqueue('isr changed', async () => { ran.push('isr') })
  await new Promise(resolve => setImmediate(resolve))
  assert.deepEqual(ran, ['election#1'], 'nothing runs while the connection is down')
  session.reconnect()
  await Promise.all([first, second])
  assert.deepEqual(ran, ['election#1', 'election#2', 'isr'], 'the failed event ran again, and in its place')
  assert.equal(session.listenerCount('connected') + session.listenerCount('expired') + session.listenerCount('session'), 0, 'no listener left behind')
})

test('an event whose connection comes back at once is retried without waiting for an event', async () => {
  const session = new FakeSession()
  const queue = new EventQueue(session, silentLogger())
  let attempts = 0
  await queue.enqueue('brokers changed', async () => { if (++attempts === 1) throw connectionLoss() })
  assert.equal(attempts, 2)
})

test('when the session expires instead, the event is given up and the queue goes on with the new session\'s work', async () => {
  const session = new FakeSession()
  const queue = new EventQueue(session, silentLogger())
  let attempts = 0
  let failed!: () => void
  const failedOnce = new Promise<void>(resolve => { failed = resolve })
  const stale = queue.enqueue('leader election', async () => { attempts++; session.lose(); failed(); throw connectionLoss() })
  const elect = queue.enqueue('elect', async () => {})
  await failedOnce
  session.expire()
  await Promise.all([stale, elect])
  assert.equal(attempts, 1, 'not run again in the new session: its election reloads everything')
})

test('any other failure is a bug: logged, not retried, and the queue goes on', async () => {
  const session = new FakeSession()
  const queue = new EventQueue(session, silentLogger())
  let attempts = 0
  await queue.enqueue('broken', async () => { attempts++; throw new TypeError('a bug') })
  let next = false
  await queue.enqueue('next', async () => { next = true })
  assert.deepEqual([attempts, next], [1, true])
})
